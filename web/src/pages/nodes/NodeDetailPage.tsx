import { lazy, Suspense, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Row, Select, Space, Spin, Table, Tabs, Tag } from 'antd';
import { EditOutlined, ExportOutlined, MinusCircleOutlined, PlayCircleOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { cordonNode, getNode, nodeMetricsLatest, setNodeLabels, setNodeTaints, uncordonNode } from '../../api/nodes';
import { listPods } from '../../api/pods';
import { ApiError } from '../../api/client';
import type { KubeEvent, KubeNode, Taint } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { formatAge, formatBytes, formatCpu, formatDateTime, formatRate, percent } from '../../lib/format';
import { kubectlWord, nodeStatusView } from '../../lib/status';
import { isProtectedKey, labelKeyError, labelValueError, TAINT_EFFECTS } from '../../lib/k8svalidation';
import { ErrorAlert, LabelTags, PageHeader, StatusTag, TimeAgo, UsageBar } from '../../components/common';
import { DrainDialog } from './DrainDialog';
import { useClusterFeatures } from '../../lib/useClusterFeatures';
import { PodTable } from '../pods/PodTable';
import { intParam, patchParams, tableChangePatch, type ParamPatch } from '../../lib/urlstate';
import { useKinds, useLiveQuery } from '../../lib/useKinds';
import { canWriteKind } from '../../lib/resources';
import type { KindInfo } from '../../api/resources';
import { ResourceYaml, StaleAlert, YamlEditor } from '../resources/common';

/** Nodes as the resource engine knows them, until the cluster's kinds are read (a replace needs `platform.write`). */
const NODE_KIND: KindInfo = { name: 'nodes', kind: 'Node', group: '', version: 'v1', namespaced: false, category: 'cluster', tier: 'platform', columns: [] };

const NodeMetricsCharts = lazy(() => import('./NodeMetricsCharts'));

export function EventsTable({ events }: { events?: KubeEvent[] }) {
  const { t } = useI18n();
  // Object is what the event is about; the reporting component (kubelet ...) is its own column, when events have one
  const withObject = (events ?? []).some((e) => e.involved_object);
  const withSource = (events ?? []).some((e) => e.source);
  return (
    <Table<KubeEvent>
      size="small"
      rowKey={(e, i) => `${e.reason}-${e.last_seen}-${i}`}
      dataSource={events ?? []}
      pagination={(events?.length ?? 0) > 20 ? { pageSize: 20 } : false}
      locale={{ emptyText: t('events.none') }}
      columns={[
        { title: t('events.type'), dataIndex: 'type', width: 90, render: (v: string) => <Tag color={v === 'Warning' ? 'orange' : 'default'}>{v}</Tag> },
        { title: t('events.reason'), dataIndex: 'reason', width: 160 },
        ...(withObject ? [{ title: t('events.object'), key: 'object', render: (_: unknown, e: KubeEvent) => <span className="kd-mono">{e.involved_object || ''}</span> }] : []),
        { title: t('events.message'), dataIndex: 'message' },
        ...(withSource ? [{ title: t('events.source'), key: 'source', width: 140, render: (_: unknown, e: KubeEvent) => e.source || '' }] : []),
        { title: t('events.count'), dataIndex: 'count', width: 70 },
        { title: t('events.lastSeen'), dataIndex: 'last_seen', width: 140, render: (v: string) => <TimeAgo at={v} /> },
      ]}
    />
  );
}

/** Node and pod conditions share this shape. */
export interface ConditionRow {
  type: string;
  status: string;
  reason?: string | null;
  message?: string | null;
  last_transition_time?: string | null;
}

export function ConditionsTable({ conditions }: { conditions?: ConditionRow[] }) {
  const { t } = useI18n();
  return (
    <Table<ConditionRow>
      size="small"
      rowKey="type"
      pagination={false}
      dataSource={conditions ?? []}
      columns={[
        { title: t('conditions.type'), dataIndex: 'type', width: 150 },
        {
          title: t('conditions.status'),
          dataIndex: 'status',
          render: (v: string, c) => {
            // Ready=True is good; for pressure conditions True is bad
            const good = c.type === 'Ready' || c.type === 'PodScheduled' || c.type === 'Initialized' || c.type === 'ContainersReady' ? v === 'True' : v === 'False';
            return <Tag color={good ? 'green' : v === 'Unknown' ? 'gold' : 'red'}>{v}</Tag>;
          },
        },
        { title: t('conditions.reason'), dataIndex: 'reason', ellipsis: true },
        { title: t('conditions.message'), dataIndex: 'message' },
        { title: t('conditions.lastTransition'), dataIndex: 'last_transition_time', width: 120, render: (v: string) => <TimeAgo at={v} /> },
      ]}
    />
  );
}

function useForceRetry() {
  const { t } = useI18n();
  const { modal } = App.useApp();
  // a protected system key needs an explicit second confirmation, then the same call with force
  return (err: unknown, retry: () => void) => {
    if (err instanceof ApiError && /protect|force/i.test(err.code + ' ' + err.message) && err.status < 500) {
      modal.confirm({ title: t('node.forceTitle'), content: errorText(t, err), okText: t('node.forceOk'), okButtonProps: { danger: true }, onOk: retry });
      return true;
    }
    return false;
  };
}

type LabelRow = { key?: string; value?: string };
const labelRows = (l?: Record<string, string> | null): LabelRow[] => Object.entries(l ?? {}).map(([key, value]) => ({ key, value }));
const sameRows = <T extends object>(a: T[] | undefined, b: T[]) =>
  (a ?? []).length === b.length && (a ?? []).every((r, i) => JSON.stringify(r) === JSON.stringify(b[i]));
const sameLabels = (a?: Record<string, string> | null, b?: Record<string, string> | null) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
const sameTaints = (a?: Taint[] | null, b?: Taint[] | null) => {
  const k = (l?: Taint[] | null) => JSON.stringify((l ?? []).map((x) => `${x.key}=${x.value ?? ''}:${x.effect}`).sort());
  return k(a) === k(b);
};

/** The body of a 409 labels_changed / taints_changed: what the node has now. */
interface ChangedBody {
  current?: unknown;
  changes?: { key: string; expected?: string | null; current?: string | null }[];
  added?: string[];
  removed?: string[];
}
const changedBody = (e: unknown, code: string): ChangedBody | null =>
  e instanceof ApiError && e.status === 409 && e.code === code ? ((e.body ?? {}) as ChangedBody) : null;

function LabelsEditor({ clusterId, node }: { clusterId: string; node: KubeNode }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const forceRetry = useForceRetry();
  // The labels the form was loaded from: what the user saw, sent as `expected` (never the resourceVersion,
  // which the kubelet's heartbeats change every few seconds).
  const [base, setBase] = useState<Record<string, string>>(node.labels ?? {});
  const [conflict, setConflict] = useState<ChangedBody | null>(null);
  const load = (l: Record<string, string>) => {
    setBase(l);
    form.setFieldsValue({ labels: labelRows(l) });
  };
  // A refresh brings the node's labels: take them only while the user has no unsaved edit.
  const serverLabels = JSON.stringify(node.labels ?? {});
  useEffect(() => {
    const now = node.labels ?? {};
    if (sameLabels(now, base)) return;
    if (sameRows(form.getFieldValue('labels') as LabelRow[] | undefined, labelRows(base))) load(now);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [serverLabels]);
  const save = useMutation({
    mutationFn: ({ labels, force }: { labels: Record<string, string>; force?: boolean }) =>
      setNodeLabels(clusterId, node.name, { mode: 'replace', labels, expected: base, force }),
    onSuccess: (saved) => {
      message.success(t('common.saved'));
      setConflict(null);
      load((saved as KubeNode).labels ?? {});
      qc.invalidateQueries({ queryKey: ['node', clusterId, node.name] });
    },
    onError: (e, v) => {
      const changed = changedBody(e, 'labels_changed');
      if (changed) {
        setConflict(changed);
        message.error(t('node.labelsChanged'));
      } else if (!forceRetry(e, () => save.mutate({ ...v, force: true }))) message.error(errorText(t, e));
    },
  });
  const none = t('node.noLabel');
  return (
    <Form
      form={form}
      initialValues={{ labels: labelRows(base) }}
      onFinish={(v: { labels: LabelRow[] }) =>
        save.mutate({ labels: Object.fromEntries((v.labels ?? []).map((l) => [(l.key ?? '').trim(), (l.value ?? '').trim()])) })
      }
    >
      {conflict && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="labels-conflict"
          message={t('node.labelsChanged')}
          description={
            <>
              <ul className="kd-mono" style={{ margin: '4px 0 8px', paddingLeft: 20 }}>
                {(conflict.changes ?? []).map((c) => (
                  <li key={c.key}>
                    {c.key}: {c.expected ?? none} → {c.current ?? none}
                  </li>
                ))}
              </ul>
              <Space>
                <Button size="small" onClick={() => { load((conflict.current ?? {}) as Record<string, string>); setConflict(null); }}>
                  {t('node.conflictReload')}
                </Button>
                <Button size="small" onClick={() => { setBase((conflict.current ?? {}) as Record<string, string>); setConflict(null); }}>
                  {t('node.conflictKeepMine')}
                </Button>
              </Space>
            </>
          }
        />
      )}
      <Form.List name="labels">
        {(fields, { add, remove }) => (
          <>
            {fields.map((f) => (
              <Space key={f.key} align="baseline" style={{ display: 'flex' }}>
                <Form.Item
                  name={[f.name, 'key']}
                  rules={[{ validator: (_, v) => (labelKeyError(v ?? '') ? Promise.reject(new Error(t(labelKeyError(v ?? '')!))) : Promise.resolve()) }]}
                >
                  <Input className="kd-mono" style={{ width: 340 }} placeholder="key" />
                </Form.Item>
                <span>=</span>
                <Form.Item
                  name={[f.name, 'value']}
                  rules={[{ validator: (_, v) => (labelValueError(v ?? '') ? Promise.reject(new Error(t(labelValueError(v ?? '')!))) : Promise.resolve()) }]}
                >
                  <Input className="kd-mono" style={{ width: 260 }} placeholder="value" />
                </Form.Item>
                {isProtectedKey(form.getFieldValue(['labels', f.name, 'key']) ?? '') && <Tag color="gold">{t('node.systemKey')}</Tag>}
                <MinusCircleOutlined onClick={() => remove(f.name)} />
              </Space>
            ))}
            <Space>
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ key: '', value: '' })}>
                {t('node.addLabel')}
              </Button>
              <Button type="primary" htmlType="submit" loading={save.isPending}>
                {t('common.save')}
              </Button>
            </Space>
          </>
        )}
      </Form.List>
    </Form>
  );
}

function TaintsEditor({ clusterId, node }: { clusterId: string; node: KubeNode }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const forceRetry = useForceRetry();
  // The taints the form was loaded from, sent as `expected` (see LabelsEditor).
  const [base, setBase] = useState<Taint[]>(node.taints ?? []);
  const [conflict, setConflict] = useState<ChangedBody | null>(null);
  const rows = (l: Taint[]) => l.map((x) => ({ ...x, value: x.value ?? '' }));
  const load = (l: Taint[]) => {
    setBase(l);
    form.setFieldsValue({ taints: rows(l) });
  };
  const serverTaints = JSON.stringify(node.taints ?? []);
  useEffect(() => {
    const now = node.taints ?? [];
    if (sameTaints(now, base)) return;
    if (sameRows(form.getFieldValue('taints') as Taint[] | undefined, rows(base))) load(now);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [serverTaints]);
  const save = useMutation({
    mutationFn: ({ taints, force }: { taints: Taint[]; force?: boolean }) =>
      setNodeTaints(clusterId, node.name, { mode: 'replace', taints, expected: base, force }),
    onSuccess: (saved) => {
      message.success(t('common.saved'));
      setConflict(null);
      load((saved as KubeNode).taints ?? []);
      qc.invalidateQueries({ queryKey: ['node', clusterId, node.name] });
    },
    onError: (e, v) => {
      const changed = changedBody(e, 'taints_changed');
      if (changed) {
        setConflict(changed);
        message.error(t('node.taintsChanged'));
      } else if (!forceRetry(e, () => save.mutate({ ...v, force: true }))) message.error(errorText(t, e));
    },
  });
  return (
    <Form
      form={form}
      initialValues={{ taints: rows(base) }}
      onFinish={(v: { taints: Taint[] }) => save.mutate({ taints: (v.taints ?? []).map((x) => ({ key: x.key.trim(), value: x.value?.trim() ?? '', effect: x.effect })) })}
    >
      {conflict && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="taints-conflict"
          message={t('node.taintsChanged')}
          description={
            <>
              <div className="kd-mono" style={{ margin: '4px 0 8px' }}>
                {(conflict.added ?? []).length > 0 && <div>{t('node.taintsAdded', { taints: (conflict.added ?? []).join(', ') })}</div>}
                {(conflict.removed ?? []).length > 0 && <div>{t('node.taintsRemoved', { taints: (conflict.removed ?? []).join(', ') })}</div>}
              </div>
              <Space>
                <Button size="small" onClick={() => { load((conflict.current ?? []) as Taint[]); setConflict(null); }}>
                  {t('node.conflictReload')}
                </Button>
                <Button size="small" onClick={() => { setBase((conflict.current ?? []) as Taint[]); setConflict(null); }}>
                  {t('node.conflictKeepMine')}
                </Button>
              </Space>
            </>
          }
        />
      )}
      <Form.List name="taints">
        {(fields, { add, remove }) => (
          <>
            {fields.map((f) => (
              <Space key={f.key} align="baseline" style={{ display: 'flex' }}>
                <Form.Item
                  name={[f.name, 'key']}
                  rules={[{ validator: (_, v) => (labelKeyError(v ?? '') ? Promise.reject(new Error(t(labelKeyError(v ?? '')!))) : Promise.resolve()) }]}
                >
                  <Input className="kd-mono" style={{ width: 300 }} placeholder="key" />
                </Form.Item>
                <Form.Item name={[f.name, 'value']}>
                  <Input className="kd-mono" style={{ width: 200 }} placeholder="value" />
                </Form.Item>
                <Form.Item name={[f.name, 'effect']} rules={[{ required: true, message: t('validation.taintEffect') }]}>
                  <Select style={{ width: 170 }} options={TAINT_EFFECTS.map((e) => ({ value: e, label: e }))} />
                </Form.Item>
                <MinusCircleOutlined onClick={() => remove(f.name)} />
              </Space>
            ))}
            <Space>
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ key: '', value: '', effect: 'NoSchedule' })}>
                {t('node.addTaint')}
              </Button>
              <Button type="primary" htmlType="submit" loading={save.isPending}>
                {t('common.save')}
              </Button>
            </Space>
          </>
        )}
      </Form.List>
    </Form>
  );
}

/**
 * The node's pods, a page at a time from the pod list (`?node=`): page, page size and sort in the URL, one page
 * per refresh however many pods the node runs. Polls only while the tab is open.
 */
function NodePods({ clusterId, node, active }: { clusterId: string; node: string; active: boolean }) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const page = intParam(params.get('page'), 1);
  const pageSize = intParam(params.get('page_size'), 50, 500);
  const sort = params.get('sort') || undefined;
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  const q = useQuery({
    queryKey: ['pods', clusterId, { node, page, pageSize, sort }],
    queryFn: () => listPods(clusterId, { node, page, page_size: pageSize, sort }),
    placeholderData: keepPreviousData,
    enabled: active,
    refetchInterval: active ? 10_000 : false,
  });
  return (
    <div data-testid="node-pods">
      <ErrorAlert error={q.error} />
      <PodTable
        clusterId={clusterId}
        pods={q.data?.items ?? []}
        hideNode
        loading={q.isLoading}
        sort={sort}
        onChange={(pagination, _, sorter, extra) => set(tableChangePatch(pagination, sorter, extra.action))}
        pagination={{
          current: page,
          pageSize,
          total: q.data?.total,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100, 200],
          showTotal: (n) => t('pod.count', { count: n }),
        }}
      />
    </div>
  );
}

export default function NodeDetailPage() {
  const { clusterId = '', nodeName = '' } = useParams();
  // the open tab is in the URL: a reload or Back shows the same one
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'overview';
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [draining, setDraining] = useState(false);
  const writable = can(me, 'node.write');
  const feature = useClusterFeatures(clusterId);
  const cordonOk = feature('nodes.cordon').allowed;
  const drainOk = feature('nodes.drain').allowed;
  // nodes are not in the change stream: polled through the same hook as the lists
  const q = useLiveQuery(clusterId, 'nodes', { queryKey: ['node', clusterId, nodeName], queryFn: () => getNode(clusterId, nodeName) }, 10_000);
  const nodeKind = useKinds(clusterId).byName('nodes') ?? NODE_KIND;
  const mayEditYaml = canWriteKind(me, nodeKind);
  const [editingYaml, setEditingYaml] = useState(false);
  const latest = useQuery({
    queryKey: ['node-metrics-latest', clusterId, nodeName],
    queryFn: () => nodeMetricsLatest(clusterId, nodeName),
    refetchInterval: 30_000,
    retry: false,
  });
  const cordon = useMutation({
    mutationFn: (on: boolean) => (on ? cordonNode(clusterId, nodeName) : uncordonNode(clusterId, nodeName)),
    onSuccess: (_, on) => {
      message.success(t(on ? 'node.cordoned' : 'node.uncordoned', { name: nodeName }));
      qc.invalidateQueries({ queryKey: ['node', clusterId, nodeName] });
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  if (q.error) return <ErrorAlert error={q.error} />;
  const m = latest.data;
  const d = q.data;
  if (!d) return <Card loading />;
  const n = d.node;
  const sv = nodeStatusView(n);
  const cpu = (m?: number) => (m === undefined ? '-' : formatCpu(m / 1000));
  const mem = (b?: number) => (b === undefined ? '-' : formatBytes(b));
  const pct = (part?: number, whole?: number) => {
    const p = percent(part, whole);
    return p === null ? '' : ` (${Math.round(p)}%)`;
  };
  const rows = [
    {
      key: 'cpu',
      resource: 'CPU',
      capacity: cpu(n.capacity?.cpu_millis),
      allocatable: cpu(n.allocatable?.cpu_millis),
      requests: cpu(n.committed?.cpu_requests_millis) + pct(n.committed?.cpu_requests_millis, n.allocatable?.cpu_millis),
      limits: cpu(n.committed?.cpu_limits_millis) + pct(n.committed?.cpu_limits_millis, n.allocatable?.cpu_millis),
    },
    {
      key: 'memory',
      resource: t('node.memory'),
      capacity: mem(n.capacity?.memory_bytes),
      allocatable: mem(n.allocatable?.memory_bytes),
      requests: mem(n.committed?.memory_requests_bytes) + pct(n.committed?.memory_requests_bytes, n.allocatable?.memory_bytes),
      limits: mem(n.committed?.memory_limits_bytes) + pct(n.committed?.memory_limits_bytes, n.allocatable?.memory_bytes),
    },
    {
      key: 'pods',
      resource: t('nav.pods'),
      capacity: String(n.capacity?.pods ?? '-'),
      allocatable: String(n.allocatable?.pods ?? '-'),
      requests: `${n.pod_count ?? '-'}${pct(n.pod_count ?? undefined, n.allocatable?.pods)}`,
      limits: '',
    },
  ];

  return (
    <>
      <PageHeader
        title={
          <Space>
            {n.name}
            <StatusTag tone={sv.tone} tip={n.status_message || undefined}>
              {t(sv.key)}
            </StatusTag>
            {!n.schedulable && <Tag color="orange">{t('node.cordonedTag')}</Tag>}
          </Space>
        }
        sub={<Link to={`/clusters/${clusterId}/nodes`}>← {t('nav.nodes')}</Link>}
        extra={
          <>
            {mayEditYaml && (
              <Button icon={<EditOutlined />} onClick={() => setEditingYaml(true)} data-testid="node-edit-yaml">
                {t('node.editYaml')}
              </Button>
            )}
            {writable && (
              <>
                {n.schedulable ? (
                  <Button icon={<StopOutlined />} onClick={() => cordon.mutate(true)} loading={cordon.isPending} disabled={!cordonOk}>
                    {t('node.cordon')}
                  </Button>
                ) : (
                  <Button icon={<PlayCircleOutlined />} onClick={() => cordon.mutate(false)} loading={cordon.isPending} disabled={!cordonOk}>
                    {t('node.uncordon')}
                  </Button>
                )}
                <Button danger icon={<ExportOutlined />} onClick={() => setDraining(true)} disabled={!drainOk}>
                  {t('node.drain')}
                </Button>
              </>
            )}
          </>
        }
      />
      <StaleAlert list={d} />
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams((prev) => patchParams(prev, { tab: k === 'overview' ? undefined : k, page: undefined, page_size: undefined, sort: undefined }), { replace: true })}
        items={[
          {
            key: 'overview',
            label: t('node.tab.overview'),
            children: (
              <Row gutter={[16, 16]}>
                <Col xs={24} xl={12}>
                  <Card title={t('node.info')} size="small">
                    <Descriptions column={1} size="small">
                      <Descriptions.Item label={t('node.roles')}>{(n.roles ?? []).join(',') || t('node.noRoles')}</Descriptions.Item>
                      <Descriptions.Item label={t('node.internalIp')}>{n.internal_ip || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('node.externalIp')}>{n.external_ip || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('node.version')}>{n.kubelet_version || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('node.osImage')}>{n.os_image || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('node.kernel')}>{n.kernel_version || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('node.runtime')}>{n.container_runtime || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('common.age')}>{formatAge(n.created_at)}</Descriptions.Item>
                      <Descriptions.Item label={t('nav.pods')}>
                        <Space size={4} wrap data-testid="node-pod-counts">
                          {t('pod.count', { count: d.pod_counts.total })}
                          {(['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'] as const)
                            .filter((ph) => d.pod_counts[ph.toLowerCase() as 'running'] > 0)
                            .map((ph) => (
                              <Tag key={ph}>
                                {kubectlWord(t, ph)} {d.pod_counts[ph.toLowerCase() as 'running'].toLocaleString(lang)}
                              </Tag>
                            ))}
                        </Space>
                      </Descriptions.Item>
                      <Descriptions.Item label={t('node.labels')}>
                        <LabelTags labels={n.labels} max={20} />
                      </Descriptions.Item>
                      <Descriptions.Item label={t('node.taints')}>
                        {(n.taints ?? []).length
                          ? n.taints!.map((x) => (
                              <Tag key={`${x.key}:${x.effect}`} className="kd-mono">
                                {x.key}
                                {x.value ? `=${x.value}` : ''}:{x.effect}
                              </Tag>
                            ))
                          : '-'}
                      </Descriptions.Item>
                    </Descriptions>
                  </Card>
                </Col>
                <Col xs={24} xl={12}>
                  <Card title={t('node.usageNow')} size="small" style={{ marginBottom: 16 }} data-testid="node-usage">
                    {m?.data && !m.stale ? (
                      <Descriptions column={2} size="small">
                        <Descriptions.Item label="CPU">
                          <UsageBar value={m.data.cpu_usage} />
                        </Descriptions.Item>
                        <Descriptions.Item label={t('node.memory')}>
                          <UsageBar value={m.data.memory_usage} />
                        </Descriptions.Item>
                        <Descriptions.Item label={t('node.disk')}>
                          <UsageBar value={m.data.disk_usage} />
                        </Descriptions.Item>
                        <Descriptions.Item label={t('node.network')}>
                          ↓ {formatRate(m.data.network_in)} ↑ {formatRate(m.data.network_out)}
                        </Descriptions.Item>
                      </Descriptions>
                    ) : (
                      <span>
                        {m?.last_timestamp ? t('node.noDataSince', { at: formatDateTime(m.last_timestamp, lang) }) : latest.error ? errorText(t, latest.error) : t('common.noData')}
                      </span>
                    )}
                  </Card>
                  <Card title={t('node.resources')} size="small" style={{ marginBottom: 16 }}>
                    <Table
                      size="small"
                      pagination={false}
                      dataSource={rows}
                      columns={[
                        { title: t('node.resource'), dataIndex: 'resource' },
                        { title: t('node.capacity'), dataIndex: 'capacity' },
                        { title: t('node.allocatable'), dataIndex: 'allocatable' },
                        { title: t('node.requests'), dataIndex: 'requests' },
                        { title: t('node.limits'), dataIndex: 'limits' },
                      ]}
                    />
                  </Card>
                  <Card title={t('node.conditions')} size="small">
                    <ConditionsTable conditions={n.conditions} />
                  </Card>
                </Col>
                <Col span={24}>
                  <Suspense fallback={<Spin />}>
                    <NodeMetricsCharts clusterId={clusterId} node={n.name} />
                  </Suspense>
                </Col>
              </Row>
            ),
          },
          {
            key: 'pods',
            label: t('node.podsTab', { count: d.pod_counts.total }),
            children: <NodePods clusterId={clusterId} node={n.name} active={tab === 'pods'} />,
          },
          { key: 'events', label: t('node.events'), children: <EventsTable events={d.events} /> },
          { key: 'yaml', label: 'YAML', children: <ResourceYaml clusterId={clusterId} kind={nodeKind} target={{ name: nodeName }} enabled={tab === 'yaml'} /> },
          ...(writable
            ? [
                { key: 'labels', label: t('node.labels'), children: <LabelsEditor key={n.name} clusterId={clusterId} node={n} /> },
                { key: 'taints', label: t('node.taints'), children: <TaintsEditor key={n.name} clusterId={clusterId} node={n} /> },
              ]
            : []),
        ]}
      />
      <DrainDialog clusterId={clusterId} node={draining ? n.name : null} onClose={() => setDraining(false)} />
      {editingYaml && (
        <YamlEditor
          clusterId={clusterId}
          kind={nodeKind}
          mode="edit"
          target={{ name: nodeName }}
          onClose={() => setEditingYaml(false)}
          onApplied={() => {
            setEditingYaml(false);
            qc.invalidateQueries({ queryKey: ['node', clusterId, nodeName] });
            qc.invalidateQueries({ queryKey: ['nodes', clusterId] });
            qc.invalidateQueries({ queryKey: ['resource-yaml', clusterId, 'nodes'] });
          }}
        />
      )}
    </>
  );
}
