// The banner every page of a cluster in maintenance shows (issue 18): why, until when, and that changes are
// refused. Read once a minute and whenever a page refetches; a read never costs the server a database write.
import { Alert } from 'antd';
import { ToolOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { getMaintenance, maintenanceKey, minutesLeft } from './maintenance';

export function MaintenanceBanner({ clusterId }: { clusterId: string }) {
  const { t, lang } = useI18n();
  const q = useQuery({
    queryKey: maintenanceKey(clusterId),
    queryFn: () => getMaintenance(clusterId),
    refetchInterval: 60_000,
  });
  const w = q.data?.current;
  if (!w) return null;
  return (
    <Alert
      type="warning"
      showIcon
      icon={<ToolOutlined />}
      banner
      data-testid="maintenance-banner"
      style={{ marginBottom: 16 }}
      message={t('maintenance.banner', {
        reason: w.reason,
        end: formatDateTime(w.ends_at, lang),
        minutes: minutesLeft(w.ends_at),
      })}
      description={t('maintenance.bannerHelp')}
      action={<Link to={`/clusters/${clusterId}/maintenance`}>{t('maintenance.details')}</Link>}
    />
  );
}
