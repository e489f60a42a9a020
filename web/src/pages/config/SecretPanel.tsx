// A Secret by type (issue 15): its keys with sizes, each revealed on its own by a role with secret.read (one
// audited request per key, the value kept only in this component), a TLS Secret's certificate, a registry
// credential's servers, a token's ServiceAccount; and who uses it.
import { useState } from 'react';
import { Button, Card, Col, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { EyeInvisibleOutlined, EyeOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import type { KindInfo, ObjectRef } from '../../api/resources';
import { ErrorAlert } from '../../components/common';
import { formatBytes } from '../../lib/format';
import { revealKey, type SecretInsight, type Usage } from '../network/api';
import { CertificateView } from './CertificateView';
import { UsedBy } from './UsedBy';

export function SecretPanel({ clusterId, kind, target, secret, usedBy }: { clusterId: string; kind: KindInfo; target: ObjectRef; secret: SecretInsight; usedBy: Usage[] }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const mayReveal = can(me, 'secret.read');
  const [shown, setShown] = useState<Record<string, string>>({});
  const reveal = useMutation({
    mutationFn: async (key: string) => ({ key, value: await revealKey(clusterId, kind, target, key) }),
    onSuccess: ({ key, value }) => setShown((s) => ({ ...s, [key]: value })),
  });
  const hide = (key: string) =>
    setShown((s) => {
      const n = { ...s };
      delete n[key];
      return n;
    });
  return (
    <>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('secret.title', { type: secret.type })} data-testid="secret-panel">
          {secret.service_account && (
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('secret.serviceAccount')}>{secret.service_account}</Descriptions.Item>
            </Descriptions>
          )}
          {secret.registries.length > 0 && (
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('secret.registries')}>
                <Space wrap>{secret.registries.map((r) => <Tag key={r} className="kd-mono">{r}</Tag>)}</Space>
              </Descriptions.Item>
            </Descriptions>
          )}
          <ErrorAlert error={reveal.error} />
          <Table
            size="small"
            rowKey="key"
            dataSource={secret.keys}
            pagination={false}
            data-testid="secret-keys"
            columns={[
              { title: t('secret.key'), dataIndex: 'key', render: (k: string) => <span className="kd-mono">{k}</span> },
              { title: t('secret.size'), dataIndex: 'size', width: 100, render: (n: number) => formatBytes(n) },
              {
                title: t('secret.value'),
                key: 'value',
                render: (_: unknown, k) =>
                  k.key in shown ? (
                    <Space align="start">
                      <Typography.Paragraph className="kd-mono" copyable style={{ whiteSpace: 'pre-wrap', margin: 0, maxWidth: 420 }} data-testid={`secret-value-${k.key}`}>
                        {shown[k.key]}
                      </Typography.Paragraph>
                      <Button size="small" icon={<EyeInvisibleOutlined />} onClick={() => hide(k.key)} />
                    </Space>
                  ) : mayReveal ? (
                    <Button size="small" icon={<EyeOutlined />} loading={reveal.isPending && reveal.variables === k.key} onClick={() => reveal.mutate(k.key)} data-testid={`secret-reveal-${k.key}`}>
                      {t('secret.revealKey')}
                    </Button>
                  ) : (
                    <Typography.Text type="secondary">{t('secret.hidden')}</Typography.Text>
                  ),
              },
            ]}
          />
          {mayReveal && <Typography.Text type="secondary">{t('secret.revealAudited')}</Typography.Text>}
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        {secret.certificate && (
          <Card size="small" title={t('cert.title')} style={{ marginBottom: 16 }}>
            <CertificateView cert={secret.certificate} />
          </Card>
        )}
        <UsedBy clusterId={clusterId} ns={target.namespace ?? ''} usedBy={usedBy} />
      </Col>
    </>
  );
}
