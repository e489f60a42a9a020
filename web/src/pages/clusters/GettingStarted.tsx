import { Button, Card, Steps, Typography } from 'antd';
import { CloudUploadOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';

/** The page a newcomer sees with no clusters: how to import one, and how to try Kubedeck without one. */
export function GettingStarted({ canImport }: { canImport: boolean }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const code = (s: string) => (
    <Typography.Paragraph copyable={{ text: s }} style={{ marginBottom: 8 }}>
      <pre className="kd-mono" style={{ margin: 0, padding: '8px 12px', whiteSpace: 'pre-wrap' }}>
        {s}
      </pre>
    </Typography.Paragraph>
  );
  return (
    <Card data-testid="getting-started">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: 16, flexWrap: 'wrap' }}>
        <div>
          <Typography.Title level={3}>{t('start.title')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('start.intro')}</Typography.Paragraph>
        </div>
        {canImport && (
          <Button type="primary" size="large" icon={<CloudUploadOutlined />} onClick={() => navigate('/clusters/import')} data-testid="import-cluster">
            {t('cluster.import')}
          </Button>
        )}
      </div>
      <Steps
        direction="vertical"
        current={-1}
        items={[
          {
            title: t('start.step1.title'),
            description: (
              <>
                <Typography.Paragraph>{t('start.step1.body')}</Typography.Paragraph>
                {code('kubectl config view --raw --minify --flatten > my-cluster.kubeconfig')}
              </>
            ),
          },
          {
            title: t('start.step2.title'),
            description: <Typography.Paragraph>{t('start.step2.body')}</Typography.Paragraph>,
          },
          {
            title: t('start.step3.title'),
            description: <Typography.Paragraph>{t('start.step3.body')}</Typography.Paragraph>,
          },
        ]}
      />
      <Card type="inner" title={t('start.testbed.title')} style={{ marginBottom: 16 }}>
        <Typography.Paragraph>{t('start.testbed.body')}</Typography.Paragraph>
        {code(`testbed/up    # ${t('start.testbed.upComment')}`)}
        <Typography.Paragraph type="secondary">{t('start.testbed.after')}</Typography.Paragraph>
        {code('testbed/down')}
      </Card>
      {!canImport && <Typography.Text type="secondary">{t('start.noPermission')}</Typography.Text>}
    </Card>
  );
}
