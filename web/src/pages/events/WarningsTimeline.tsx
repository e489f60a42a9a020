// Warning events per hour over the last day or week (ECharts), from the event archive, with how many in the range.
import { lazy, Suspense, useState } from 'react';
import { Card, Empty, Segmented, Space, Spin, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { warningTimeline } from './api';

const EChart = lazy(() => import('../../components/EChart'));

const RANGES: Record<string, number> = { '24h': 24 * 3600e3, '7d': 7 * 86400e3 };

export function WarningsTimeline({ clusterId }: { clusterId: string }) {
  const { t } = useI18n();
  const [range, setRange] = useState('24h');
  const q = useQuery({
    queryKey: ['events-timeline', clusterId, range],
    queryFn: () => {
      const to = new Date();
      const from = new Date(to.getTime() - RANGES[range]);
      return warningTimeline(clusterId, from.toISOString(), to.toISOString());
    },
    refetchInterval: 60_000,
  });
  const items = q.data?.items ?? [];
  const total = items.reduce((n, h) => n + h.events, 0);
  const option = {
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 16, bottom: 48 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', minInterval: 1 },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }],
    series: [
      {
        type: 'line',
        name: t('eventsPage.warnings'),
        step: 'start',
        showSymbol: false,
        areaStyle: { opacity: 0.2 },
        color: '#fa8c16',
        data: items.map((h) => [new Date(h.hour).getTime(), h.events]),
      },
    ],
  };
  return (
    <Card
      size="small"
      title={t('eventsPage.timeline')}
      data-testid="events-timeline"
      extra={
        <Space>
          {q.data && (
            <Typography.Text type="secondary" data-testid="events-timeline-total">
              {t('eventsPage.timelineTotal', { count: total })}
            </Typography.Text>
          )}
          <Segmented size="small" options={Object.keys(RANGES).map((r) => ({ value: r, label: t(`range.${r}`) }))} value={range} onChange={(v) => setRange(String(v))} />
        </Space>
      }
    >
      {q.error ? (
        <Typography.Text type="secondary">{errorText(t, q.error)}</Typography.Text>
      ) : q.isLoading ? (
        <Spin />
      ) : total === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('eventsPage.noWarnings')} />
      ) : (
        <Suspense fallback={<Spin />}>
          <EChart option={option} height={200} />
        </Suspense>
      )}
    </Card>
  );
}
