import { useState } from 'react';
import { App, Button, Card, Col, Descriptions, List, Progress, Row, Space, Statistic, Tag, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, SyncOutlined } from '@ant-design/icons';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { getCluster, getClusterStatus, syncCluster } from '../../api/clusters';
import { listNodes } from '../../api/nodes';
import { listPods } from '../../api/pods';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { formatBytes, formatCpu, formatLatency, percent } from '../../lib/format';
import { capacitySummary } from '../../lib/view';
import { clusterHealth, clusterReasonText, clusterStatusView, clusterTypeKey, healthTone, kubectlWord, toneColor } from '../../lib/status';
import { podPhaseAttention } from '../../lib/attention';
import { ErrorAlert, PageHeader, StatusTag, TimeAgo } from '../../components/common';
import { DeleteClusterDialog, EditClusterDialog } from './ClusterDialogs';
import ClusterMetricsPanel from '../metrics/ClusterMetricsPanel';
import PrometheusLinkCard from '../prometheus/PrometheusLinkCard';

const PHASES = ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'] as const;

export default function ClusterOverviewPage() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  const { me } = useAuth();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const writable = can(me, 'cluster.write');

  const cluster = useQuery({ queryKey: ['cluster', clusterId], queryFn: () => getCluster(clusterId), refetchInterval: 15_000 });
  const health = useQuery({ queryKey: ['cluster', clusterId, 'status'], queryFn: () => getClusterStatus(clusterId), refetchInterval: 15_000 });
  const nodes = useQuery({ queryKey: ['nodes', clusterId, 'overview'], queryFn: () => listNodes(clusterId, { page: 1, page_size: 500 }), retry: false });
  const podCounts = useQueries({
    queries: PHASES.map((phase) => ({
      queryKey: ['pods', clusterId, 'count', phase],
      queryFn: () => listPods(clusterId, { phase, page: 1, page_size: 1 }),
      retry: false,
    })),
  });
  const crashing = useQuery({
    queryKey: ['pods', clusterId, 'crashing'],
    queryFn: () => listPods(clusterId, { status: 'CrashLoopBackOff', page: 1, page_size: 5 }),
    retry: false,
  });

  const sync = useMutation({
    mutationFn: () => syncCluster(clusterId),
    onSuccess: () => {
      message.success(t('cluster.synced', { name: cluster.data?.name ?? '' }));
      qc.invalidateQueries({ queryKey: ['cluster', clusterId] });
      qc.invalidateQueries({ queryKey: ['clusters'] });
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  if (cluster.error) return <ErrorAlert error={cluster.error} />;
  const c = cluster.data;
  if (!c) return <Card loading />;
  const sv = clusterStatusView(health.data?.status ?? c.status);
  const h = clusterHealth(c);
  const cap = nodes.data ? capacitySummary(nodes.data.items) : null;
  const notReady = nodes.data?.items.filter((n) => n.status !== 'Ready') ?? [];
  // pods that are not running or finished: Pending ones (unschedulable, waiting for images) need an operator too
  const phaseWarnings = podPhaseAttention(clusterId, Object.fromEntries(PHASES.map((p, i) => [p, podCounts[i].data?.total])));
  const countFailed = podCounts.find((p) => p.error)?.error;
  // until every count has answered, "nothing needs attention" would be a guess
  const warningsLoading = podCounts.some((p) => p.isLoading) || crashing.isLoading || nodes.isLoading;

  return (
    <>
      <PageHeader
        title={
          <Space>
            {c.name}
            <StatusTag tone={sv.tone}>{t(sv.key)}</StatusTag>
          </Space>
        }
        sub={c.description || c.server_url || undefined}
        extra={
          writable && (
            <>
              <Button icon={<SyncOutlined spin={sync.isPending} />} onClick={() => sync.mutate()}>
                {t('cluster.sync')}
              </Button>
              <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>
                {t('common.edit')}
              </Button>
              <Button danger icon={<DeleteOutlined />} onClick={() => setDeleting(true)}>
                {t('common.delete')}
              </Button>
            </>
          )
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('cluster.version')} value={c.version || '-'} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('cluster.readyNodes')} value={c.ready_nodes} suffix={`/ ${c.node_count}`} />
            <Typography.Text type="secondary">{t('cluster.mastersWorkers', { masters: c.master_nodes, workers: c.worker_nodes })}</Typography.Text>
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('cluster.latency')} value={formatLatency(health.data?.api_latency_ms ?? c.api_latency_ms)} />
            <Tag color={toneColor[healthTone[h]]}>{t(`cluster.healthState.${h}`)}</Tag>
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('cluster.lastSync')} valueRender={() => <TimeAgo at={health.data?.last_sync_at ?? c.last_sync_at} />} />
            <Typography.Text type="secondary">
              {t('cluster.lastHealthy')}: <TimeAgo at={health.data?.last_healthy_at ?? c.last_healthy_at} />
            </Typography.Text>
          </Card>
        </Col>
        <Col span={24}>
          <ClusterMetricsPanel clusterId={clusterId} />
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('overview.pods')} extra={<Link to={`/clusters/${clusterId}/pods`}>{t('common.viewAll')}</Link>}>
            {podCounts.every((p) => p.error) ? (
              <Typography.Text type="secondary">{errorText(t, podCounts[0].error)}</Typography.Text>
            ) : (
              <Row gutter={16}>
                {PHASES.map((p, i) => (
                  <Col span={8} key={p} style={{ marginBottom: 12 }}>
                    <Link to={`/clusters/${clusterId}/pods?phase=${p}`}>
                      <Statistic title={kubectlWord(t, p)} value={podCounts[i].data?.total ?? '-'} loading={podCounts[i].isLoading} />
                    </Link>
                  </Col>
                ))}
              </Row>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('overview.capacity')}>
            {nodes.error && <Typography.Text type="secondary">{errorText(t, nodes.error)}</Typography.Text>}
            {cap && (
              <Space direction="vertical" style={{ width: '100%' }}>
                <div>
                  <Typography.Text>
                    CPU · {t('overview.requested')} {formatCpu(cap.cpuReq)} / {t('overview.allocatable')} {formatCpu(cap.cpuAlloc)}
                  </Typography.Text>
                  <Progress percent={Math.round(percent(cap.cpuReq, cap.cpuAlloc) ?? 0)} />
                </div>
                <div>
                  <Typography.Text>
                    {t('node.memory')} · {t('overview.requested')} {formatBytes(cap.memReq)} / {t('overview.allocatable')} {formatBytes(cap.memAlloc)}
                  </Typography.Text>
                  <Progress percent={Math.round(percent(cap.memReq, cap.memAlloc) ?? 0)} />
                </div>
                <div>
                  <Typography.Text>
                    {t('nav.pods')} · {cap.pods} / {cap.podsAlloc}
                  </Typography.Text>
                  <Progress percent={Math.round(percent(cap.pods, cap.podsAlloc) ?? 0)} />
                </div>
              </Space>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('overview.warnings')} data-testid="overview-attention">
            <List
              size="small"
              loading={warningsLoading}
              locale={{ emptyText: t('overview.noWarnings') }}
              dataSource={[
                ...(c.last_error ? [{ key: 'err', node: <Typography.Text type="danger">{c.last_error}</Typography.Text> }] : []),
                ...(c.status_reason && c.status !== 2 ? [{ key: 'reason', node: <Typography.Text type="warning">{clusterReasonText(t, c.status_reason_code, c.status_reason)}</Typography.Text> }] : []),
                ...notReady.map((n) => ({
                  key: `n-${n.name}`,
                  node: (
                    <span>
                      <Tag color="red">{kubectlWord(t, 'NotReady')}</Tag>
                      <Link to={`/clusters/${clusterId}/nodes/${encodeURIComponent(n.name)}`}>{n.name}</Link> {n.status_reason ?? ''}
                    </span>
                  ),
                })),
                ...phaseWarnings.map((w) => ({
                  key: `phase-${w.phase}`,
                  node: (
                    <span data-testid={`attention-${w.phase}`}>
                      <Tag color={toneColor[w.tone]}>{kubectlWord(t, w.phase)}</Tag>
                      <Link to={w.link}>{t('overview.podsInPhase', { count: w.count, phase: kubectlWord(t, w.phase) })}</Link>
                    </span>
                  ),
                })),
                ...(countFailed ? [{ key: 'count-failed', node: <Typography.Text type="warning">{t('overview.podCountFailed', { error: errorText(t, countFailed) })}</Typography.Text> }] : []),
                ...(crashing.data?.items ?? []).map((p) => ({
                  key: `p-${p.namespace}/${p.name}`,
                  node: (
                    <span>
                      <Tag color="red">{kubectlWord(t, 'CrashLoopBackOff')}</Tag>
                      <Link to={`/clusters/${clusterId}/namespaces/${p.namespace}/pods/${p.name}`}>
                        {p.namespace}/{p.name}
                      </Link>
                    </span>
                  ),
                })),
              ]}
              renderItem={(x) => <List.Item key={x.key}>{x.node}</List.Item>}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('overview.details')}>
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('preflight.server')}>
                <span className="kd-mono">{c.server_url || '-'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('cluster.type')}>{t(clusterTypeKey(c.cluster_type))}</Descriptions.Item>
              <Descriptions.Item label={t('common.created')}>
                <TimeAgo at={c.created_at} />
              </Descriptions.Item>
              <Descriptions.Item label={t('common.updated')}>
                <TimeAgo at={c.updated_at} />
              </Descriptions.Item>
              <Descriptions.Item label={t('cluster.statusReason')}>{(health.data ? clusterReasonText(t, health.data.reason_code, health.data.reason) : clusterReasonText(t, c.status_reason_code, c.status_reason)) || '-'}</Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <PrometheusLinkCard clusterId={clusterId} />
        </Col>
      </Row>
      <EditClusterDialog cluster={editing ? c : null} onClose={() => setEditing(false)} />
      <DeleteClusterDialog cluster={deleting ? c : null} onClose={() => setDeleting(false)} onDeleted={() => navigate('/clusters')} />
    </>
  );
}
