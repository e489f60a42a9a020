// An Ingress' rules as host → path → service:port (a missing Service or port marked), its class, addresses and TLS
// entries with their certificates (issue 15); edit by form.
import { useState } from 'react';
import { Button, Card, Col, Descriptions, Table, Tag, Typography } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { objectHref } from '../../lib/resources';
import type { KubeObject } from '../../api/resources';
import type { IngressInsight } from './api';
import { IngressFormModal } from './IngressForm';
import { CertificateView } from '../config/CertificateView';

export function IngressPanel({ clusterId, ns, ing, object }: { clusterId: string; ns: string; ing: IngressInsight; object: KubeObject }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  return (
    <>
      <Col span={24}>
        <Card
          size="small"
          title={t('ingress.routes')}
          data-testid="ingress-panel"
          extra={
            <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="ingress-edit-form">
              {t('service.editByForm')}
            </Button>
          }
        >
          <Descriptions column={2} size="small">
            <Descriptions.Item label={t('ingress.class')}>{ing.class ?? <Typography.Text type="secondary">{t('ingress.defaultClass')}</Typography.Text>}</Descriptions.Item>
            <Descriptions.Item label={t('ingress.addresses')}>{ing.addresses.length ? <span className="kd-mono">{ing.addresses.join(', ')}</span> : '-'}</Descriptions.Item>
          </Descriptions>
          <Table
            size="small"
            rowKey={(r, i) => `${r.host}/${r.path}/${i}`}
            dataSource={ing.routes}
            pagination={false}
            data-testid="ingress-routes"
            columns={[
              { title: t('ingress.host'), dataIndex: 'host', render: (h: string | null) => <span className="kd-mono">{h ?? '*'}</span> },
              { title: t('ingress.path'), key: 'path', render: (_: unknown, r) => <span className="kd-mono">{r.path ?? t('ingress.defaultBackend')}{r.path_type ? ` (${r.path_type})` : ''}</span> },
              {
                title: t('ingress.backend'),
                key: 'backend',
                render: (_: unknown, r) =>
                  r.service ? (
                    <span>
                      <Link to={objectHref(clusterId, 'services', ns, r.service)}>{r.service}</Link>
                      <span className="kd-mono">:{r.port ?? '-'}</span>
                      {!r.ok && (
                        <Tag color="warning" style={{ marginLeft: 8 }}>
                          {t('ingress.backendMissing')}
                        </Tag>
                      )}
                    </span>
                  ) : (
                    <span className="kd-mono">{r.resource ?? '-'}</span>
                  ),
              },
            ]}
          />
        </Card>
      </Col>
      {ing.tls.map((tls, i) => (
        <Col xs={24} xl={12} key={i}>
          <Card
            size="small"
            data-testid="ingress-tls"
            title={
              <span>
                TLS · {tls.secret ? <Link to={objectHref(clusterId, 'secrets', ns, tls.secret)}>{tls.secret}</Link> : '-'}
              </span>
            }
          >
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('ingress.tlsHosts')}>{tls.hosts.length ? <span className="kd-mono">{tls.hosts.join(', ')}</span> : t('ingress.tlsRuleHosts')}</Descriptions.Item>
            </Descriptions>
            {tls.certificate ? <CertificateView cert={tls.certificate} /> : <Typography.Text type="danger">{t('ingress.noCertificate')}</Typography.Text>}
          </Card>
        </Col>
      ))}
      {editing && <IngressFormModal clusterId={clusterId} namespace={ns} live={object} onClose={() => setEditing(false)} />}
    </>
  );
}
