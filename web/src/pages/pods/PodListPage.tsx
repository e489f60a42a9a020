import { Alert, Button, Input, Select, Space, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router-dom';
import { listPods } from '../../api/pods';
import { useI18n } from '../../i18n';
import { kubectlWord } from '../../lib/status';
import { emptyNamespaceNote, namespaceList } from '../../lib/emptyList';
import { ErrorAlert, PageHeader } from '../../components/common';
import { PodTable } from './PodTable';
import { intParam, patchParams, tableChangePatch, type ParamPatch } from '../../lib/urlstate';
import { useLiveQuery } from '../../lib/useKinds';
import { LiveTag, StaleAlert } from '../resources/common';

export const POD_REASONS = ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'Completed', 'Error', 'OOMKilled', 'ContainerCreating', 'Evicted'];
const FILTERS = ['namespace', 'label_selector', 'node', 'phase', 'status', 'owner', 'name', 'sort'] as const;

export default function PodListPage() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  // filters live in the URL so a filtered list can be shared and survives reload
  const [params, setParams] = useSearchParams();
  const page = intParam(params.get('page'), 1);
  const pageSize = intParam(params.get('page_size'), 50, 500);
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  // (from the current URL, not this render's: one click may report a page and a sort in turn)
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });

  // live updates (the server's change notices for pods, polling while they are not live): the table keeps its rows
  // mounted, so the scroll position stays where the user left it
  const q = useLiveQuery(clusterId, 'pods', {
    queryKey: ['pods', clusterId, { page, pageSize, ...f }],
    queryFn: () => listPods(clusterId, { page, page_size: pageSize, ...f }),
    placeholderData: keepPreviousData,
  });
  // an empty list filtered by namespace: say whether the namespace has pods at all (other filters left out)
  const namespaces = namespaceList(f.namespace);
  const otherFilters = FILTERS.some((k) => k !== 'namespace' && k !== 'sort' && f[k]);
  const emptyInNamespace = q.data?.total === 0 && namespaces.length > 0;
  const nsPods = useQuery({
    queryKey: ['pods', clusterId, 'namespace-count', f.namespace],
    queryFn: () => listPods(clusterId, { namespace: f.namespace, page: 1, page_size: 1 }),
    enabled: emptyInNamespace && otherFilters,
  });
  const emptyNote = emptyInNamespace ? emptyNamespaceNote(namespaces, otherFilters ? nsPods.data?.total : 0) : null;

  return (
    <>
      <PageHeader
        title={
          <Space>
            {t('nav.pods')}
            <LiveTag list={q.data} pushed={q.pushed} />
          </Space>
        }
        sub={q.data ? t('pod.count', { count: q.data.total }) : undefined}
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
            {t('common.refresh')}
          </Button>
        }
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search allowClear defaultValue={f.name} placeholder={t('pod.searchName')} style={{ width: 220 }} onSearch={(v) => set({ name: v.trim() })} />
        <Input.Search allowClear defaultValue={f.namespace} placeholder={t('pod.namespace')} style={{ width: 180 }} onSearch={(v) => set({ namespace: v.trim() })} />
        <Input.Search allowClear defaultValue={f.label_selector} className="kd-mono" placeholder={t('pod.labelSelector')} style={{ width: 260 }} onSearch={(v) => set({ label_selector: v.trim() })} />
        <Input.Search allowClear defaultValue={f.node} placeholder={t('pod.node')} style={{ width: 180 }} onSearch={(v) => set({ node: v.trim() })} />
        <Select
          allowClear
          placeholder={t('pod.phaseFilter')}
          style={{ width: 140 }}
          value={f.phase}
          onChange={(v) => set({ phase: v })}
          options={['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'].map((p) => ({ value: p, label: kubectlWord(t, p) }))}
        />
        <Select allowClear placeholder={t('pod.reasonFilter')} style={{ width: 190 }} value={f.status} onChange={(v) => set({ status: v })} options={POD_REASONS.map((r) => ({ value: r, label: kubectlWord(t, r) }))} />
      </Space>
      <StaleAlert list={q.data} />
      <ErrorAlert error={q.error} />
      {emptyNote && <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t(emptyNote.key, emptyNote.vars)} data-testid="pods-empty-namespace" />}
      <PodTable
        clusterId={clusterId}
        pods={q.data?.items ?? []}
        loading={q.isLoading}
        sort={f.sort}
        onChange={(pagination, _, sorter, extra) => set(tableChangePatch(pagination, sorter, extra.action))}
        pagination={{
          current: page,
          pageSize,
          total: q.data?.total,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100, 200],
          showTotal: (n) => <Typography.Text type="secondary">{t('pod.count', { count: n })}</Typography.Text>,
        }}
      />
    </>
  );
}
