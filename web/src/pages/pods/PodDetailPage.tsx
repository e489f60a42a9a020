import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Col, Descriptions, InputNumber, Modal, Row, Space, Table, Tabs, Tag, Typography } from 'antd';
import { CodeOutlined, DeleteOutlined, FileTextOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { deletePod, getPod } from '../../api/pods';
import type { ContainerDetail, KubeEvent } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { formatAge } from '../../lib/format';
import { kubectlWord, podDisplayStatus, podStatusTone } from '../../lib/status';
import { ErrorAlert, LabelTags, PageHeader, StatusTag } from '../../components/common';
import { ConditionsTable, EventsTable } from '../nodes/NodeDetailPage';
import { podObjectView } from '../../lib/podObject';
import { useClusterFeatures } from '../../lib/useClusterFeatures';
import { patchParams } from '../../lib/urlstate';
import { useLiveQuery } from '../../lib/useKinds';
import { ResourceYaml } from '../resources/common';
import PodUsageCard from '../metrics/PodUsageCard';
import PodMetricsCharts from '../metrics/PodMetricsCharts';

const POD_KIND = { name: 'pods', namespaced: true };

function ContainersTable({ containers }: { containers: ContainerDetail[] }) {
  const { t } = useI18n();
  const res = (r?: Record<string, unknown>) => (r ? Object.entries(r).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}: ${v}`).join(', ') : '');
  return (
    <Table<ContainerDetail>
      size="small"
      rowKey="name"
      pagination={false}
      dataSource={containers}
      scroll={{ x: 900 }}
      columns={[
        { title: t('pod.container'), dataIndex: 'name' },
        { title: t('pod.image'), dataIndex: 'image', render: (v: string) => <span className="kd-mono">{v}</span> },
        {
          title: t('pod.state'),
          render: (_: unknown, c) => (
            <Space direction="vertical" size={0}>
              <StatusTag tone={c.state === 'running' ? 'success' : podStatusTone(c.reason ?? 'Unknown')}>
                {kubectlWord(t, c.state)}
                {c.reason ? ` · ${kubectlWord(t, c.reason)}` : ''}
                {c.exit_code !== null && c.exit_code !== undefined ? ` exit ${c.exit_code}` : ''}
              </StatusTag>
              {c.last_termination && (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('pod.lastTermination')}: {c.last_termination.reason} {c.last_termination.exit_code !== undefined ? `(exit ${c.last_termination.exit_code})` : ''}
                </Typography.Text>
              )}
            </Space>
          ),
        },
        { title: t('pod.restarts'), dataIndex: 'restart_count' },
        { title: t('pod.ports'), dataIndex: 'ports', render: (ps?: ContainerDetail['ports']) => (ps ?? []).map((p) => `${p.container_port}/${p.protocol ?? 'TCP'}`).join(', ') },
        { title: t('node.requests'), dataIndex: 'requests', render: (r) => <span className="kd-mono">{res(r)}</span> },
        { title: t('node.limits'), dataIndex: 'limits', render: (r) => <span className="kd-mono">{res(r)}</span> },
        { title: t('pod.probes'), dataIndex: 'probes', render: (p?: string[]) => (p ?? []).join(', ') },
      ]}
    />
  );
}

export default function PodDetailPage() {
  const { clusterId = '', namespace = '', podName = '' } = useParams();
  // the open tab is in the URL: a reload or Back shows the same one
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'overview';
  const { t } = useI18n();
  const { me } = useAuth();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const feature = useClusterFeatures(clusterId);
  const [confirming, setConfirming] = useState(false);
  const [grace, setGrace] = useState<number | null>(null);
  const [force, setForce] = useState(false);
  // refetched on the server's change notices for pods when they are live, polled when not
  const q = useLiveQuery(clusterId, 'pods', { queryKey: ['pod', clusterId, namespace, podName], queryFn: () => getPod(clusterId, namespace, podName) });
  const del = useMutation({
    mutationFn: () => deletePod(clusterId, namespace, podName, { grace_period_seconds: grace ?? undefined, force: force || undefined }),
    onSuccess: () => {
      message.success(t('pod.deleted', { name: podName }));
      qc.invalidateQueries({ queryKey: ['pods', clusterId] });
      navigate(`/clusters/${clusterId}/pods`);
    },
  });

  const view = useMemo(() => podObjectView(q.data?.object), [q.data?.object]);
  if (q.error) return <ErrorAlert error={q.error} />;
  const d = q.data;
  if (!d) return <Card loading />;
  const p = d.summary;
  const status = podDisplayStatus(p);
  const base = `/clusters/${clusterId}/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}`;

  return (
    <>
      <PageHeader
        title={
          <Space>
            {p.name}
            <StatusTag tone={podStatusTone(status)}>{kubectlWord(t, status)}</StatusTag>
          </Space>
        }
        sub={
          <span>
            <Link to={`/clusters/${clusterId}/pods?namespace=${encodeURIComponent(namespace)}`}>{namespace}</Link> · <Link to={`/clusters/${clusterId}/pods`}>{t('nav.pods')}</Link>
          </span>
        }
        extra={
          <>
            {can(me, 'pod.logs') && (
              <Button icon={<FileTextOutlined />} onClick={() => navigate(`${base}/logs`)} disabled={!feature('pods.logs').allowed}>
                {t('pod.logs')}
              </Button>
            )}
            {can(me, 'pod.exec') && (
              <Button icon={<CodeOutlined />} onClick={() => navigate(`${base}/terminal`)} disabled={p.phase !== 'Running'} data-testid="pod-terminal">
                {t('terminal.open')}
              </Button>
            )}
            {can(me, 'pod.write') && (
              <Button danger icon={<DeleteOutlined />} onClick={() => setConfirming(true)} disabled={!feature('pods.delete').allowed}>
                {t('common.delete')}
              </Button>
            )}
          </>
        }
      />
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams((prev) => patchParams(prev, { tab: k === 'overview' ? undefined : k, page: undefined }), { replace: true })}
        items={[
          {
            key: 'overview',
            label: t('node.tab.overview'),
            children: (
              <Row gutter={[16, 16]}>
                <Col xs={24} xl={12}>
                  <Card size="small" title={t('pod.info')}>
                    <Descriptions column={1} size="small">
                      <Descriptions.Item label={t('pod.phaseFilter')}>{kubectlWord(t, p.phase)}</Descriptions.Item>
                      <Descriptions.Item label={t('pod.ready')}>{p.ready}</Descriptions.Item>
                      <Descriptions.Item label={t('pod.restarts')}>{p.restarts}</Descriptions.Item>
                      <Descriptions.Item label={t('pod.node')}>
                        {p.node_name ? <Link to={`/clusters/${clusterId}/nodes/${encodeURIComponent(p.node_name)}`}>{p.node_name}</Link> : '-'}
                      </Descriptions.Item>
                      <Descriptions.Item label={t('pod.ip')}>{(view.podIps.length ? view.podIps : [p.ip]).filter(Boolean).join(', ') || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('pod.hostIp')}>{view.hostIp || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('pod.qos')}>{d.qos_class || '-'}</Descriptions.Item>
                      <Descriptions.Item label={t('pod.owners')}>
                        {(d.owner_chain.length ? d.owner_chain : p.owner_type ? [{ kind: p.owner_type, name: p.owner_name ?? '' }] : []).map((o, i) => (
                          <span key={i}>
                            {i > 0 && ' → '}
                            <Tag>{o.kind}</Tag>
                            {o.name}
                          </span>
                        ))}
                      </Descriptions.Item>
                      <Descriptions.Item label={t('common.age')}>{formatAge(p.created_at)}</Descriptions.Item>
                      <Descriptions.Item label={t('node.labels')}>
                        <LabelTags labels={p.labels} max={30} />
                      </Descriptions.Item>
                      <Descriptions.Item label={t('pod.annotations')}>
                        <LabelTags labels={view.annotations} max={10} />
                      </Descriptions.Item>
                    </Descriptions>
                  </Card>
                </Col>
                <Col xs={24} xl={12}>
                  <Card size="small" title={t('node.conditions')} style={{ marginBottom: 16 }}>
                    <ConditionsTable conditions={view.conditions} />
                  </Card>
                  <Card size="small" title={t('pod.volumes')}>
                    <Table
                      size="small"
                      rowKey="name"
                      pagination={false}
                      dataSource={view.volumes}
                      columns={[
                        { title: t('pod.name'), dataIndex: 'name' },
                        { title: t('pod.volumeKind'), dataIndex: 'kind' },
                        { title: t('pod.volumeSource'), dataIndex: 'source' },
                      ]}
                    />
                  </Card>
                  <PodUsageCard clusterId={clusterId} namespace={p.namespace} pod={p.name} />
                </Col>
                <Col span={24}>
                  <PodMetricsCharts clusterId={clusterId} namespace={p.namespace} plural="pods" name={p.name} />
                </Col>
              </Row>
            ),
          },
          {
            key: 'containers',
            label: t('pod.containers'),
            children: (
              <>
                {view.initContainers.length > 0 && (
                  <>
                    <Typography.Title level={5}>{t('pod.initContainers')}</Typography.Title>
                    <ContainersTable containers={view.initContainers} />
                    <Typography.Title level={5}>{t('pod.containers')}</Typography.Title>
                  </>
                )}
                <ContainersTable containers={view.containers} />
              </>
            ),
          },
          { key: 'events', label: t('node.events'), children: <EventsTable events={d.events as KubeEvent[]} /> },
          {
            key: 'yaml',
            label: 'YAML',
            children: <ResourceYaml clusterId={clusterId} kind={POD_KIND} target={{ name: podName, namespace }} enabled={tab === 'yaml'} />,
          },
        ]}
      />
      <Modal
        open={confirming}
        title={t('pod.deleteTitle', { name: `${namespace}/${podName}` })}
        okText={t('common.delete')}
        okButtonProps={{ danger: true, loading: del.isPending }}
        onOk={() => del.mutate()}
        onCancel={() => {
          setConfirming(false);
          del.reset();
        }}
      >
        <Typography.Paragraph>
          {p.owner_type
            ? t('pod.deleteBodyOwned', { name: podName, owner: `${p.owner_type}/${p.owner_name ?? ''}` })
            : t('pod.deleteBodyBare', { name: podName })}
        </Typography.Paragraph>
        <Space direction="vertical">
          <Space>
            {t('drain.gracePeriod')}
            <InputNumber min={0} value={grace} onChange={(v) => setGrace(v)} placeholder={t('drain.podDefault')} />
          </Space>
          <Checkbox checked={force} onChange={(e) => setForce(e.target.checked)}>
            {t('pod.forceDelete')}
          </Checkbox>
        </Space>
        {del.error && <Alert type="error" showIcon message={errorText(t, del.error)} style={{ marginTop: 12 }} />}
      </Modal>
    </>
  );
}
