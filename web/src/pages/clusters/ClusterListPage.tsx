import { useState } from 'react';
import { App, Badge, Button, Input, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { CloudUploadOutlined, DeleteOutlined, EditOutlined, ReloadOutlined, SyncOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { listClusters, syncCluster } from '../../api/clusters';
import type { Cluster } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can, canImportClusters } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { formatLatency } from '../../lib/format';
import { clusterHealth, clusterReasonText, clusterStatusView, clusterTypeKey, healthTone } from '../../lib/status';
import { ErrorAlert, PageHeader, StatusTag, TimeAgo } from '../../components/common';
import { GettingStarted } from './GettingStarted';
import { DeleteClusterDialog, EditClusterDialog } from './ClusterDialogs';

const badgeStatus = { success: 'success', warning: 'warning', error: 'error', processing: 'processing', default: 'default' } as const;

export default function ClusterListPage() {
  const { t } = useI18n();
  const { me } = useAuth();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [name, setName] = useState('');
  const [status, setStatus] = useState<number | undefined>();
  const [sort, setSort] = useState<string | undefined>();
  const [editing, setEditing] = useState<Cluster | null>(null);
  const [deleting, setDeleting] = useState<Cluster | null>(null);
  const writable = can(me, 'cluster.write');
  const canImport = canImportClusters(me);

  const q = useQuery({
    queryKey: ['clusters', { page, pageSize, name, status, sort }],
    queryFn: () => listClusters({ page, page_size: pageSize, name: name || undefined, status, sort }),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });

  const sync = useMutation({
    mutationFn: (c: Cluster) => syncCluster(c.id),
    onSuccess: (c) => {
      message.success(t('cluster.synced', { name: c?.name ?? '' }));
      qc.invalidateQueries({ queryKey: ['clusters'] });
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  const filtered = !!name || status !== undefined;
  if (q.data && q.data.total === 0 && !filtered && page === 1) {
    return (
      <>
        <PageHeader title={t('nav.clusters')} />
        <GettingStarted canImport={canImport} />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={t('nav.clusters')}
        sub={q.data ? t('cluster.count', { count: q.data.total }) : undefined}
        extra={
          <>
            <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
              {t('common.refresh')}
            </Button>
            {canImport && (
              <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => navigate('/clusters/import')} data-testid="import-cluster">
                {t('cluster.import')}
              </Button>
            )}
          </>
        }
      />
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search
          allowClear
          placeholder={t('cluster.searchName')}
          onSearch={(v) => {
            setName(v.trim());
            setPage(1);
          }}
          style={{ width: 260 }}
        />
        <Select
          allowClear
          placeholder={t('cluster.status')}
          style={{ width: 160 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={[1, 2, 3, 4].map((s) => ({ value: s, label: t(clusterStatusView(s).key) }))}
        />
      </Space>
      <ErrorAlert error={q.error} />
      <Table<Cluster>
        rowKey="id"
        data-testid="cluster-table"
        loading={q.isLoading}
        dataSource={q.data?.items}
        scroll={{ x: 1100 }}
        onChange={(_, __, sorter) => {
          const s = Array.isArray(sorter) ? sorter[0] : sorter;
          setSort(s?.order ? `${s.order === 'descend' ? '-' : ''}${String(s.field)}` : undefined);
        }}
        pagination={{
          current: page,
          pageSize,
          total: q.data?.total,
          showSizeChanger: true,
          onChange: (p, ps) => {
            setPage(p);
            setPageSize(ps);
          },
        }}
        columns={[
          {
            title: t('cluster.name'),
            dataIndex: 'name',
            sorter: true,
            width: 240,
            render: (v: string, c) => (
              <Space direction="vertical" size={0} style={{ maxWidth: 224 }}>
                <Link to={`/clusters/${c.id}`}>{v}</Link>
                {c.description && (
                  <Typography.Text type="secondary" style={{ fontSize: 12, maxWidth: 224 }} ellipsis={{ tooltip: c.description }}>
                    {c.description}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            title: t('cluster.status'),
            dataIndex: 'status',
            render: (_: unknown, c) => {
              const v = clusterStatusView(c.status);
              return (
                <StatusTag tone={v.tone} tip={clusterReasonText(t, c.status_reason_code, c.status_reason) || c.last_error || undefined}>
                  {t(v.key)}
                </StatusTag>
              );
            },
          },
          {
            title: t('cluster.health'),
            render: (_: unknown, c) => {
              const h = clusterHealth(c);
              const tip = [clusterReasonText(t, c.status_reason_code, c.status_reason), c.last_error, c.last_healthy_at ? `${t('cluster.lastHealthy')}: ${new Date(c.last_healthy_at).toLocaleString()}` : '']
                .filter(Boolean)
                .join(' · ');
              return (
                <Tooltip title={tip || undefined}>
                  <Badge status={badgeStatus[healthTone[h]]} text={t(`cluster.healthState.${h}`)} />
                </Tooltip>
              );
            },
          },
          { title: t('cluster.version'), dataIndex: 'version', sorter: true, render: (v: string | null) => v || '-' },
          {
            title: t('cluster.nodes'),
            dataIndex: 'node_count',
            sorter: true,
            width: 190,
            render: (_: unknown, c) => (
              <Space direction="vertical" size={0}>
                <span>
                  <Typography.Text type={c.ready_nodes < c.node_count ? 'warning' : undefined}>{c.ready_nodes}</Typography.Text> / {c.node_count}{' '}
                  <Typography.Text type="secondary">{t('cluster.ready')}</Typography.Text>
                </span>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('cluster.mastersWorkers', { masters: c.master_nodes, workers: c.worker_nodes })}
                </Typography.Text>
              </Space>
            ),
          },
          { title: t('cluster.latency'), dataIndex: 'api_latency_ms', render: (v: number | null) => formatLatency(v) },
          { title: t('cluster.lastSync'), dataIndex: 'last_sync_at', sorter: true, render: (v: string | null) => <TimeAgo at={v} /> },
          { title: t('cluster.type'), dataIndex: 'cluster_type', render: (v: number) => <Tag>{t(clusterTypeKey(v))}</Tag> },
          {
            title: t('common.actions'),
            key: 'actions',
            fixed: 'right',
            render: (_: unknown, c) => (
              <Space size={0}>
                <Tooltip title={t('cluster.sync')}>
                  <Button
                    type="text"
                    icon={<SyncOutlined spin={sync.isPending && sync.variables?.id === c.id} />}
                    onClick={() => sync.mutate(c)}
                    disabled={!writable}
                    aria-label={t('cluster.sync')}
                  />
                </Tooltip>
                {writable && (
                  <>
                    <Tooltip title={t('common.edit')}>
                      <Button type="text" icon={<EditOutlined />} onClick={() => setEditing(c)} aria-label={t('common.edit')} />
                    </Tooltip>
                    <Tooltip title={t('common.delete')}>
                      <Button type="text" danger icon={<DeleteOutlined />} onClick={() => setDeleting(c)} aria-label={t('common.delete')} data-testid={`delete-${c.name}`} />
                    </Tooltip>
                  </>
                )}
              </Space>
            ),
          },
        ]}
      />
      <EditClusterDialog cluster={editing} onClose={() => setEditing(null)} />
      <DeleteClusterDialog cluster={deleting} onClose={() => setDeleting(null)} />
    </>
  );
}
