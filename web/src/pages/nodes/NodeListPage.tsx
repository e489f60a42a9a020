import { useState } from 'react';
import { App, Button, Input, Progress, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { ReloadOutlined, StopOutlined, PlayCircleOutlined, ExportOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { cordonNode, listNodes, uncordonNode } from '../../api/nodes';
import type { NodeListItem } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { formatAge, formatBytes, formatCpu, formatDateTime, percent } from '../../lib/format';
import { nodeResourceFigures, type ResourceFigures as NodeFigures } from '../../lib/nodeUsage';
import { nodeStatusView } from '../../lib/status';
import { ErrorAlert, PageHeader, StatusTag } from '../../components/common';
import { DrainDialog } from './DrainDialog';
import { useClusterFeatures } from '../../lib/useClusterFeatures';
import { intParam, patchParams, sortOrderOf, tableChangePatch, type ParamPatch } from '../../lib/urlstate';
import { useLiveQuery } from '../../lib/useKinds';
import { LiveTag, StaleAlert } from '../resources/common';

/** The status filter: the API's node conditions, and `cordoned` (the API's `schedulable=false`). */
const STATUS_FILTERS = ['Ready', 'NotReady', 'Unknown', 'cordoned'] as const;

export default function NodeListPage() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  const { me } = useAuth();
  const qc = useQueryClient();
  const { message } = App.useApp();
  // filters, sort and page live in the URL: a reload, Back from a node or a shared link keeps them
  const [params, setParams] = useSearchParams();
  const page = intParam(params.get('page'), 1);
  const pageSize = intParam(params.get('page_size'), 50, 500);
  const name = params.get('name') ?? '';
  const role = params.get('role') ?? undefined;
  const status = params.get('status') ?? undefined;
  const selector = params.get('label_selector') ?? '';
  const sort = params.get('sort') ?? undefined;
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  const [draining, setDraining] = useState<string | null>(null);
  const writable = can(me, 'node.write');
  const feature = useClusterFeatures(clusterId);
  const cordonCheck = feature('nodes.cordon');
  const drainCheck = feature('nodes.drain');
  const denyTip = (c: { denied: string[] }) => t('common.credentialDenies', { checks: c.denied.join(', ') });

  // nodes are not in the server's change stream: polled, through the same hook as every list (the same live tag)
  const q = useLiveQuery(
    clusterId,
    'nodes',
    {
      queryKey: ['nodes', clusterId, { page, pageSize, name, role, status, selector, sort }],
      queryFn: () =>
        listNodes(clusterId, {
          page,
          page_size: pageSize,
          name: name || undefined,
          role,
          ...(status === 'cordoned' ? { schedulable: false } : { status }),
          label_selector: selector || undefined,
          sort,
        }),
      placeholderData: keepPreviousData,
    },
    10_000,
  );

  const cordon = useMutation({
    mutationFn: ({ n, on }: { n: string; on: boolean }) => (on ? cordonNode(clusterId, n) : uncordonNode(clusterId, n)),
    onSuccess: (_, v) => {
      message.success(t(v.on ? 'node.cordoned' : 'node.uncordoned', { name: v.n }));
      qc.invalidateQueries({ queryKey: ['nodes', clusterId] });
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  return (
    <>
      <PageHeader
        title={
          <Space>
            {t('nav.nodes')}
            <LiveTag list={q.data} pushed={q.pushed} />
          </Space>
        }
        sub={q.data ? t('node.count', { count: q.data.total }) : undefined}
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
            {t('common.refresh')}
          </Button>
        }
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search allowClear defaultValue={name} placeholder={t('node.searchName')} style={{ width: 220 }} onSearch={(v) => set({ name: v.trim() })} />
        <Select allowClear placeholder={t('node.role')} style={{ width: 220 }} value={role} onChange={(v) => set({ role: v })} options={[{ value: 'master', label: t('node.roleMaster') }, { value: 'worker', label: t('node.roleWorker') }]} />
        <Select
          allowClear
          placeholder={t('node.status')}
          style={{ width: 150 }}
          value={status}
          onChange={(v) => set({ status: v })}
          options={STATUS_FILTERS.map((s) => ({ value: s, label: t(s === 'cordoned' ? 'node.cordonedTag' : nodeStatusView({ status: s, schedulable: true }).key) }))}
        />
        <Input.Search allowClear defaultValue={selector} placeholder={t('node.labelSelector')} style={{ width: 260 }} className="kd-mono" onSearch={(v) => set({ label_selector: v.trim() })} />
      </Space>
      <StaleAlert list={q.data} />
      <ErrorAlert error={q.error} />
      <Table<NodeListItem>
        rowKey="name"
        size="middle"
        loading={q.isLoading}
        dataSource={q.data?.items}
        scroll={{ x: 1200 }}
        onChange={(pagination, _, sorter, extra) => set(tableChangePatch(pagination, sorter, extra.action))}
        pagination={{ current: page, pageSize, total: q.data?.total, showSizeChanger: true }}
        columns={[
          {
            title: t('node.name'),
            dataIndex: 'name',
            key: 'name',
            sorter: true,
            sortOrder: sortOrderOf(sort, 'name'),
            fixed: 'left',
            render: (v: string) => <Link to={`/clusters/${clusterId}/nodes/${encodeURIComponent(v)}`}>{v}</Link>,
          },
          {
            title: t('node.status'),
            key: 'status',
            sorter: true,
            sortOrder: sortOrderOf(sort, 'status'),
            // wide enough for "就绪（Ready）" and "禁止调度（SchedulingDisabled）"; they wrap rather than being cut
            width: 280,
            render: (_: unknown, n) => {
              const sv = nodeStatusView(n);
              return (
                <Space size={[4, 4]} wrap>
                  <StatusTag tone={sv.tone} tip={[n.status_reason, n.status_message].filter(Boolean).join(': ') || undefined}>
                    {t(sv.key)}
                  </StatusTag>
                  {!n.schedulable && <Tag color="orange">{t('node.cordonedTag')}</Tag>}
                </Space>
              );
            },
          },
          { title: t('node.roles'), dataIndex: 'roles', key: 'role', sorter: true, sortOrder: sortOrderOf(sort, 'role'), render: (r: string[]) => (r?.length ? r.map((x) => <Tag key={x}>{x}</Tag>) : <span className="kd-mono">{t('node.noRoles')}</span>) },
          {
            title: 'CPU',
            key: 'cpu_requests',
            sorter: true,
            sortOrder: sortOrderOf(sort, 'cpu_requests'),
            width: 190,
            render: (_: unknown, n) => <ResourceFigures name="CPU" testId={`cpu-${n.name}`} f={nodeResourceFigures(n, 'cpu')} amount={(v) => formatCpu(v / 1000)} />,
          },
          {
            title: t('node.memory'),
            key: 'memory_requests',
            sorter: true,
            sortOrder: sortOrderOf(sort, 'memory_requests'),
            width: 190,
            render: (_: unknown, n) => <ResourceFigures name={t('node.memory')} testId={`memory-${n.name}`} f={nodeResourceFigures(n, 'memory')} amount={formatBytes} />,
          },
          {
            title: t('nav.pods'),
            key: 'pods',
            sorter: true,
            sortOrder: sortOrderOf(sort, 'pods'),
            render: (_: unknown, n) => {
              const cap = n.allocatable?.pods || null;
              return (
                <Tooltip title={cap ? `${Math.round(percent(n.pod_count ?? 0, cap) ?? 0)}%` : undefined}>
                  {n.pod_count ?? '-'} / {cap ?? '-'}
                </Tooltip>
              );
            },
          },
          { title: t('node.version'), dataIndex: 'kubelet_version', key: 'version' },
          { title: t('node.internalIp'), dataIndex: 'internal_ip', render: (v: string) => <span className="kd-mono">{v || '-'}</span> },
          { title: t('common.age'), dataIndex: 'created_at', key: 'age', sorter: true, sortOrder: sortOrderOf(sort, 'age'), render: (v: string) => formatAge(v) },
          {
            title: t('common.actions'),
            key: 'actions',
            fixed: 'right',
            render: (_: unknown, n) =>
              writable ? (
                <Space size={0}>
                  {n.schedulable ? (
                    <Tooltip title={cordonCheck.allowed ? t('node.cordon') : denyTip(cordonCheck)}>
                      <Button type="text" icon={<StopOutlined />} disabled={!cordonCheck.allowed} onClick={() => cordon.mutate({ n: n.name, on: true })} />
                    </Tooltip>
                  ) : (
                    <Tooltip title={cordonCheck.allowed ? t('node.uncordon') : denyTip(cordonCheck)}>
                      <Button type="text" icon={<PlayCircleOutlined />} disabled={!cordonCheck.allowed} onClick={() => cordon.mutate({ n: n.name, on: false })} />
                    </Tooltip>
                  )}
                  <Tooltip title={drainCheck.allowed ? t('node.drain') : denyTip(drainCheck)}>
                    <Button type="text" danger icon={<ExportOutlined />} disabled={!drainCheck.allowed} onClick={() => setDraining(n.name)} data-testid={`drain-${n.name}`} />
                  </Tooltip>
                </Space>
              ) : null,
          },
        ]}
      />
      <DrainDialog clusterId={clusterId} node={draining} onClose={() => setDraining(null)} />
    </>
  );
}

/**
 * Two labelled figures, each a share of what the node can allocate: what it uses now (newest metrics sample; "no
 * data" when the node reports none, never 0) and what its pods request (what the scheduler goes by).
 */
function ResourceFigures({ name, f, amount, testId }: { name: string; f: NodeFigures; amount: (v: number) => string; testId: string }) {
  const { t, lang } = useI18n();
  const pct = (v: number) => `${Math.round(v)}%`;
  return (
    <div style={{ width: 160 }}>
      <Tooltip
        title={f.usage === null ? t('node.usageNoDataTip', { resource: name }) : t('node.usageTip', { resource: name, percent: pct(f.usage), at: formatDateTime(f.sampledAt, lang) })}
      >
        <div data-testid={`usage-${testId}`}>
          {f.usage === null ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('node.usageNoData')}
            </Typography.Text>
          ) : (
            <>
              <Typography.Text style={{ fontSize: 12 }}>{t('node.usageLabel', { percent: pct(f.usage) })}</Typography.Text>
              <Progress percent={Math.min(100, f.usage)} showInfo={false} size={['100%', 4]} strokeColor={barColor(f.usage)} style={{ margin: 0, lineHeight: 1 }} />
            </>
          )}
        </div>
      </Tooltip>
      <Tooltip
        title={
          f.requests === null
            ? t('node.requestsNoDataTip', { resource: name })
            : t('node.requestsTip', { resource: name, used: amount(f.requested), total: amount(f.allocatable ?? 0), percent: pct(f.requests) })
        }
      >
        <div data-testid={`requests-${testId}`}>
          {f.requests === null ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('node.requestsNoData')}
            </Typography.Text>
          ) : (
            <>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('node.requestsLabel', { percent: pct(f.requests) })}
              </Typography.Text>
              <Progress percent={Math.min(100, f.requests)} showInfo={false} size={['100%', 4]} strokeColor="#8c8c8c" style={{ margin: 0, lineHeight: 1 }} />
            </>
          )}
        </div>
      </Tooltip>
    </div>
  );
}

const barColor = (v: number) => (v >= 90 ? '#ff4d4f' : v >= 75 ? '#faad14' : '#52c41a');
