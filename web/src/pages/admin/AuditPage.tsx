import { Button, DatePicker, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { useSearchParams } from 'react-router-dom';
import { listAudit } from '../../api/admin';
import { listClusters } from '../../api/clusters';
import type { AuditEntry } from '../../api/types';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { ErrorAlert, PageHeader } from '../../components/common';
import { intParam, patchParams, type ParamPatch } from '../../lib/urlstate';

/** The detail column is JSON text; show it indented when it parses. */
function prettyDetail(detail: unknown): string {
  if (typeof detail !== 'string') return JSON.stringify(detail ?? {}, null, 2);
  try {
    return JSON.stringify(JSON.parse(detail), null, 2);
  } catch {
    return detail;
  }
}

export default function AuditPage() {
  const { t, lang } = useI18n();
  // filters and page live in the URL: a reload or Back keeps them
  const [params, setParams] = useSearchParams();
  const page = intParam(params.get('page'), 1);
  const pageSize = intParam(params.get('page_size'), 50, 500);
  const username = params.get('username') ?? '';
  const action = params.get('action') ?? '';
  const outcome = params.get('outcome') ?? undefined;
  const clusterId = params.get('cluster_id') ?? undefined;
  const from = params.get('from');
  const to = params.get('to');
  const range: [Dayjs | null, Dayjs | null] | null = from || to ? [from ? dayjs(from) : null, to ? dayjs(to) : null] : null;
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });

  const clusters = useQuery({ queryKey: ['clusters', 'switcher'], queryFn: () => listClusters({ page: 1, page_size: 200 }) });
  const q = useQuery({
    queryKey: ['audit', { page, pageSize, username, action, outcome, clusterId, from, to }],
    queryFn: () =>
      listAudit({
        page,
        page_size: pageSize,
        username: username || undefined,
        action: action || undefined,
        outcome,
        cluster_id: clusterId,
        from: from ?? undefined,
        to: to ?? undefined,
      }),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader
        title={t('nav.audit')}
        sub={q.data ? t('audit.count', { count: q.data.total }) : undefined}
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
            {t('common.refresh')}
          </Button>
        }
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search allowClear defaultValue={username} placeholder={t('audit.username')} style={{ width: 180 }} onSearch={(v) => set({ username: v.trim() })} />
        <Input.Search allowClear defaultValue={action} placeholder={t('audit.action')} style={{ width: 200 }} onSearch={(v) => set({ action: v.trim() })} />
        <Select
          allowClear
          placeholder={t('audit.outcome')}
          style={{ width: 140 }}
          value={outcome}
          onChange={(v) => set({ outcome: v })}
          options={['success', 'failure', 'denied'].map((o) => ({ value: o, label: t(`audit.outcomes.${o}`) }))}
        />
        <Select
          allowClear
          placeholder={t('audit.cluster')}
          style={{ width: 200 }}
          value={clusterId}
          onChange={(v) => set({ cluster_id: v })}
          options={(clusters.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }))}
        />
        <DatePicker.RangePicker showTime value={range} onChange={(v) => set({ from: v?.[0]?.toISOString(), to: v?.[1]?.toISOString() })} />
      </Space>
      <ErrorAlert error={q.error} />
      <Table<AuditEntry>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items}
        scroll={{ x: 1100 }}
        expandable={{
          expandedRowRender: (r) => (
            <pre className="kd-mono" style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
              {prettyDetail(r.detail)}
            </pre>
          ),
          rowExpandable: (r) => !!r.detail && r.detail !== '{}' && r.detail !== 'null',
        }}
        pagination={{
          current: page,
          pageSize,
          total: q.data?.total,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100, 200],
          onChange: (p, ps) => set({ page: p, page_size: ps }),
        }}
        columns={[
          { title: t('audit.at'), dataIndex: 'at', width: 180, render: (v: string) => formatDateTime(v, lang) },
          { title: t('audit.username'), dataIndex: 'username', render: (v: string | null) => v || <Typography.Text type="secondary">-</Typography.Text> },
          { title: t('audit.action'), dataIndex: 'action', render: (v: string) => <span className="kd-mono">{v}</span> },
          {
            title: t('audit.outcome'),
            dataIndex: 'outcome',
            render: (v: string, r) => (
              <Tag color={v === 'success' ? 'green' : v === 'denied' ? 'orange' : 'red'}>
                {t(`audit.outcomes.${v}`) === `audit.outcomes.${v}` ? v : t(`audit.outcomes.${v}`)} {r.status_code}
              </Tag>
            ),
          },
          {
            title: t('audit.target'),
            render: (_: unknown, r) => (
              <span className="kd-mono">
                {[r.cluster_id !== null && r.cluster_id !== undefined ? clusters.data?.items.find((c) => String(c.id) === String(r.cluster_id))?.name ?? `#${r.cluster_id}` : null, r.namespace, r.resource]
                  .filter(Boolean)
                  .join(' / ') || '-'}
              </span>
            ),
          },
          { title: t('audit.request'), render: (_: unknown, r) => <span className="kd-mono">{r.method} {r.path}</span> },
          { title: t('audit.sourceIp'), dataIndex: 'source_ip' },
        ]}
      />
    </>
  );
}
