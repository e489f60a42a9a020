// A certificate's subject, SANs, issuer and validity, its expiry coloured: red once expired, orange within 30
// days (the server's rule, issue 15).
import { Descriptions, Space, Tag } from 'antd';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import type { Certificate } from '../network/api';
import { daysLeft, expiryTone } from './certificate';

export function CertificateView({ cert }: { cert: Certificate }) {
  const { t, lang } = useI18n();
  const days = daysLeft(cert.not_after);
  const tone = expiryTone(cert.not_after);
  return (
    <Descriptions column={1} size="small" data-testid="certificate">
      <Descriptions.Item label={t('cert.subject')}>
        <span className="kd-mono">{cert.subject || '-'}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t('cert.sans')}>
        <Space size={[4, 4]} wrap>
          {cert.sans.length ? cert.sans.map((s) => <Tag key={s} className="kd-mono">{s}</Tag>) : '-'}
        </Space>
      </Descriptions.Item>
      <Descriptions.Item label={t('cert.issuer')}>
        <span className="kd-mono">{cert.issuer || '-'}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t('cert.notBefore')}>{formatDateTime(cert.not_before, lang)}</Descriptions.Item>
      <Descriptions.Item label={t('cert.notAfter')}>
        <Space>
          {formatDateTime(cert.not_after, lang)}
          <Tag color={tone} data-testid="certificate-expiry">
            {tone === 'error' ? t('cert.expired') : t('cert.daysLeft', { days })}
          </Tag>
        </Space>
      </Descriptions.Item>
    </Descriptions>
  );
}
