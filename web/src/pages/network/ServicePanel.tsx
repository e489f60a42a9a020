// A Service's type, addresses, ports (port → targetPort, nodePort), selector, the pods it selects (ready or
// not) and its Endpoints (issue 15); edit by form.
import { useState } from 'react';
import { Button, Card, Col, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import type { KubeObject } from '../../api/resources';
import { LabelTags } from '../../components/common';
import { canWriteKind } from '../../lib/resources';
import type { ServiceInsight } from './api';
import { ServiceFormModal } from './ServiceForm';

export const podHref = (clusterId: string, ns: string, pod: string) => `/clusters/${clusterId}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`;

export function ServicePanel({ clusterId, ns, svc, object }: { clusterId: string; ns: string; svc: ServiceInsight; object: KubeObject }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const [editing, setEditing] = useState(false);
  const mono = (s: string) => <span className="kd-mono">{s}</span>;
  return (
    <>
      <Col xs={24} xl={12}>
        <Card
          size="small"
          title={t('service.title')}
          data-testid="service-panel"
          extra={
            canWriteKind(me, { tier: 'app' }) && (
              <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="service-edit-form">
                {t('service.editByForm')}
              </Button>
            )
          }
        >
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('service.type')}>{svc.type}</Descriptions.Item>
            <Descriptions.Item label={t('service.clusterIp')}>{svc.cluster_ip ? mono(svc.cluster_ip) : t('service.headless')}</Descriptions.Item>
            {svc.external_ips.length > 0 && <Descriptions.Item label={t('service.externalIps')}>{mono(svc.external_ips.join(', '))}</Descriptions.Item>}
            {svc.type === 'LoadBalancer' && (
              <Descriptions.Item label={t('service.loadBalancer')}>{svc.load_balancer.length ? mono(svc.load_balancer.join(', ')) : <Tag color="processing">{t('service.pending')}</Tag>}</Descriptions.Item>
            )}
            {svc.external_name && <Descriptions.Item label={t('service.externalName')}>{mono(svc.external_name)}</Descriptions.Item>}
            <Descriptions.Item label={t('service.selector')}>
              {Object.keys(svc.selector).length ? <LabelTags labels={svc.selector} max={20} /> : <Typography.Text type="secondary">{t('service.noSelector')}</Typography.Text>}
            </Descriptions.Item>
          </Descriptions>
          <Table
            size="small"
            rowKey={(p, i) => `${p.name}/${p.port}/${i}`}
            dataSource={svc.ports}
            pagination={false}
            data-testid="service-ports"
            columns={[
              { title: t('service.portName'), dataIndex: 'name', render: (v: string | null) => v ?? '-' },
              { title: t('service.port'), key: 'port', render: (_: unknown, p) => mono(`${p.port}/${p.protocol}`) },
              { title: t('service.targetPort'), dataIndex: 'target_port', render: (v: string) => mono(v) },
              { title: t('service.nodePort'), dataIndex: 'node_port', render: (v: number | null) => (v ? mono(String(v)) : '-') },
            ]}
          />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('service.pods', { ready: svc.pods.filter((p) => p.ready).length, total: svc.pods.length })} style={{ marginBottom: 16 }}>
          <Table
            size="small"
            rowKey="name"
            dataSource={svc.pods}
            pagination={svc.pods.length > 10 ? { pageSize: 10 } : false}
            locale={{ emptyText: t('service.noPods') }}
            data-testid="service-pods"
            columns={[
              { title: t('resource.name'), dataIndex: 'name', render: (n: string) => <Link to={podHref(clusterId, ns, n)}>{n}</Link> },
              { title: t('service.ready'), key: 'ready', render: (_: unknown, p) => <Tag color={p.ready ? 'success' : 'error'}>{p.ready ? t('service.podReady') : t('service.podNotReady')} {p.containers_ready}</Tag> },
              { title: 'IP', dataIndex: 'ip', render: (v: string | null) => (v ? mono(v) : '-') },
              { title: t('service.node'), dataIndex: 'node', render: (v: string | null) => v ?? '-' },
            ]}
          />
        </Card>
        <Card size="small" title={t('service.endpoints')}>
          {svc.endpoints === null || svc.endpoints === undefined ? (
            <Typography.Text type="secondary">{t('service.noEndpointsObject')}</Typography.Text>
          ) : (
            <Table
              size="small"
              rowKey={(e, i) => `${e.ip}/${i}`}
              dataSource={svc.endpoints}
              pagination={svc.endpoints.length > 10 ? { pageSize: 10 } : false}
              locale={{ emptyText: t('service.noEndpoints') }}
              data-testid="service-endpoints"
              columns={[
                { title: 'IP', dataIndex: 'ip', render: (v: string) => mono(v) },
                { title: t('service.ready'), dataIndex: 'ready', render: (r: boolean) => <Tag color={r ? 'success' : 'error'}>{r ? t('service.podReady') : t('service.podNotReady')}</Tag> },
                { title: t('service.pod'), dataIndex: 'pod', render: (v: string | null) => (v ? <Link to={podHref(clusterId, ns, v)}>{v}</Link> : '-') },
                { title: t('service.ports'), dataIndex: 'ports', render: (v: string[]) => <Space wrap>{v.map((p) => <Tag key={p} className="kd-mono">{p}</Tag>)}</Space> },
              ]}
            />
          )}
        </Card>
      </Col>
      {editing && <ServiceFormModal clusterId={clusterId} namespace={ns} live={object} onClose={() => setEditing(false)} />}
    </>
  );
}
