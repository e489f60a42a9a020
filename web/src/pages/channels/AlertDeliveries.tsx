import { Space, Tag, Tooltip, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { alertDeliveries } from '../../api/notify';
import { useI18n } from '../../i18n';
import { TimeAgo } from '../../components/common';

const COLOR: Record<string, string> = { queued: 'blue', sending: 'processing', sent: 'green', failed: 'red', digested: 'purple' };

/** An alert's delivery log: each channel message that carried it (digests included), in an alert's detail. */
export default function AlertDeliveries({ clusterId, alertId }: { clusterId: number | string; alertId: number | string }) {
  const { t } = useI18n();
  const q = useQuery({ queryKey: ['alert-deliveries', clusterId, alertId], queryFn: () => alertDeliveries(clusterId, alertId) });
  if (!q.data) return null;
  return (
    <Space direction="vertical" size={2} data-testid={`alert-deliveries-${alertId}`}>
      <Typography.Text strong>{t('channels.alertLog')}</Typography.Text>
      {q.data.length === 0 && <Typography.Text type="secondary">{t('channels.alertLogNone')}</Typography.Text>}
      {q.data.map((d) => (
        <Space key={d.id} size={6} wrap>
          <Tag>{d.channel_name || `#${d.channel_id}`}</Tag>
          <Tooltip title={d.last_error ?? undefined}>
            <Tag color={COLOR[d.status]}>{t(`channels.statuses.${d.status}`)}</Tag>
          </Tooltip>
          {d.purpose === 'digest' && <Tag color="purple">{t('channels.purposes.digest')}</Tag>}
          <Typography.Text type="secondary">
            {t('channels.attempts')}: {d.attempts}
          </Typography.Text>
          <TimeAgo at={d.sent_at ?? d.last_attempt_at ?? d.created_at} />
        </Space>
      ))}
    </Space>
  );
}
