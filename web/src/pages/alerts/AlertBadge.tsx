// The header's alert badge (issue 16): how many alerts fire now in the clusters the user may read; opens /alerts.
import { Badge, Button, Tooltip } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { firingCount } from './api';

export function AlertBadge() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const q = useQuery({ queryKey: ['alerts-firing'], queryFn: firingCount, refetchInterval: 30_000, retry: false });
  const n = q.data ?? 0;
  return (
    <Tooltip title={t('alerts.badge', { count: n })}>
      <Button type="text" onClick={() => navigate('/alerts?state=firing')} data-testid="alert-badge" aria-label={t('alerts.badge', { count: n })}>
        <Badge count={n} size="small" overflowCount={99}>
          <BellOutlined />
        </Badge>
      </Button>
    </Tooltip>
  );
}
