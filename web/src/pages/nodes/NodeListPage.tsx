import { useState } from 'react';
import { Alert, App, Button, Input, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { ReloadOutlined, StopOutlined, PlayCircleOutlined, ExportOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { cordonNode, listNodes, uncordonNode } from '../../api/nodes';
import type { NodeListItem, NodeMetricsPoint } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { formatAge, formatBytes, formatCpu, percent } from '../../lib/format';
import { nodeStatusView } from '../../lib/status';
import { ErrorAlert, PageHeader, StatusTag, TimeAgo, UsageBar } from '../../components/common';
import { DrainDialog } from './DrainDialog';
import { useClusterFeatures } from '../../lib/useClusterFeatures';

export default function NodeListPage() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  const { me } = useAuth();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(50);
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [selector, setSelector] = useState('');
  const [sort, setSort] = useState<string | undefined>();
  const [draining, setDraining] = useState<string | null>(null);
  const writable = can(me, 'node.write');
  const feature = useClusterFeatures(clusterId);
  const cordonCheck = feature('nodes.cordon');
  const drainCheck = feature('nodes.drain');
  const denyTip = (c: { denied: string[] }) => t('common.credentialDenies', { checks: c.denied.join(', ') });

  const q = useQuery({
    queryKey: ['nodes', clusterId, { page, pageSize, name, role, status, selector, sort }],
    queryFn: () => listNodes(clusterId, { page, page_size: pageSize, name: name || undefined, role, status, label_selector: selector || undefined, sort }),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });

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
        title={t('nav.nodes')}
        sub={q.data ? t('node.count', { count: q.data.total }) : undefined}
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
            {t('common.refresh')}
          </Button>
        }
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search allowClear placeholder={t('node.searchName')} style={{ width: 220 }} onSearch={(v) => { setName(v.trim()); setPage(1); }} />
        <Select allowClear placeholder={t('node.role')} style={{ width: 140 }} value={role} onChange={(v) => { setRole(v); setPage(1); }} options={[{ value: 'master', label: 'master' }, { value: 'worker', label: 'worker' }]} />
        <Select
          allowClear
          placeholder={t('node.status')}
          style={{ width: 150 }}
          value={status}
          onChange={(v) => { setStatus(v); setPage(1); }}
          options={['Ready', 'NotReady', 'Unknown'].map((s) => ({ value: s, label: t(nodeStatusView({ status: s, schedulable: true }).key) }))}
        />
        <Input.Search allowClear placeholder={t('node.labelSelector')} style={{ width: 260 }} className="kd-mono" onSearch={(v) => { setSelector(v.trim()); setPage(1); }} />
      </Space>
      {q.data?.stale && (
        <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('common.stale', { at: q.data.last_sync_at ? new Date(q.data.last_sync_at).toLocaleString() : '-' })} />
      )}
      <ErrorAlert error={q.error} />
      <Table<NodeListItem>
        rowKey="name"
        size="middle"
        loading={q.isLoading}
        dataSource={q.data?.items}
        scroll={{ x: 1200 }}
        onChange={(_, __, sorter) => {
          const s = Array.isArray(sorter) ? sorter[0] : sorter;
          setSort(s?.order ? `${s.order === 'descend' ? '-' : ''}${String(s.columnKey ?? s.field)}` : undefined);
        }}
        pagination={{ current: page, pageSize, total: q.data?.total, showSizeChanger: true, onChange: (p, ps) => { setPage(p); setPageSize(ps); } }}
        columns={[
          {
            title: t('node.name'),
            dataIndex: 'name',
            key: 'name',
            sorter: true,
            fixed: 'left',
            render: (v: string) => <Link to={`/clusters/${clusterId}/nodes/${encodeURIComponent(v)}`}>{v}</Link>,
          },
          {
            title: t('node.status'),
            key: 'status',
            sorter: true,
            render: (_: unknown, n) => {
              const sv = nodeStatusView(n);
              return (
                <Space size={4}>
                  <StatusTag tone={sv.tone} tip={[n.status_reason, n.status_message].filter(Boolean).join(': ') || undefined}>
                    {t(sv.key)}
                  </StatusTag>
                  {!n.schedulable && <Tag color="orange">{t('node.cordonedTag')}</Tag>}
                </Space>
              );
            },
          },
          { title: t('node.roles'), dataIndex: 'roles', key: 'role', sorter: true, render: (r: string[]) => (r?.length ? r.map((x) => <Tag key={x}>{x}</Tag>) : <Tag>worker</Tag>) },
          {
            title: 'CPU',
            key: 'cpu_requests',
            sorter: true,
            width: 180,
            render: (_: unknown, n) => (
              <Usage
                m={n.metrics}
                pick={(d) => d.cpu_usage}
                requests={t('node.requestsOf', {
                  used: formatCpu((n.committed?.cpu_requests_millis ?? 0) / 1000),
                  total: formatCpu((n.allocatable?.cpu_millis ?? 0) / 1000),
                  percent: Math.round(percent(n.committed?.cpu_requests_millis, n.allocatable?.cpu_millis) ?? 0),
                })}
              />
            ),
          },
          {
            title: t('node.memory'),
            key: 'memory_requests',
            sorter: true,
            width: 180,
            render: (_: unknown, n) => (
              <Usage
                m={n.metrics}
                pick={(d) => d.memory_usage}
                requests={t('node.requestsOf', {
                  used: formatBytes(n.committed?.memory_requests_bytes ?? 0),
                  total: formatBytes(n.allocatable?.memory_bytes ?? 0),
                  percent: Math.round(percent(n.committed?.memory_requests_bytes, n.allocatable?.memory_bytes) ?? 0),
                })}
              />
            ),
          },
          {
            title: t('nav.pods'),
            key: 'pods',
            sorter: true,
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
          { title: t('common.age'), dataIndex: 'created_at', key: 'age', sorter: true, render: (v: string) => formatAge(v) },
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

/** Current usage from the newest sample; the server sends none when the node stopped reporting. */
function Usage({ m, pick, requests }: { m: NodeMetricsPoint | null | undefined; pick: (d: NodeMetricsPoint) => number; requests: string }) {
  if (!m) return <NoData tip={requests} />;
  return <UsageBar value={pick(m)} label={requests} />;
}

function NoData({ at, tip }: { at?: string | null; tip?: string }) {
  const { t } = useI18n();
  return (
    <Typography.Text type="secondary" title={tip}>
      {t('common.noData')}
      {at ? (
        <>
          {' '}
          (<TimeAgo at={at} />)
        </>
      ) : null}
    </Typography.Text>
  );
}
