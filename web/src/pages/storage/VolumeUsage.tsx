// A claim's volume usage (spec 存储使用监控, issue 15): used / capacity and inodes from the kubelets' volume stats,
// and their history as a chart.
import { lazy, Suspense, useState } from 'react';
import { Card, Col, Empty, Progress, Row, Segmented, Spin, Statistic, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { formatBytes, formatDateTime } from '../../lib/format';
import type { KindInfo, ObjectRef } from '../../api/resources';
import { getVolumeHistory, type ClaimVolume } from '../namespaces/api';

const EChart = lazy(() => import('../../components/EChart'));
const HOURS: Record<string, number> = { '1h': 1, '6h': 6, '24h': 24, '7d': 168 };

export function VolumeUsagePanel({ clusterId, kind, target, usage }: { clusterId: string; kind: KindInfo; target: ObjectRef; usage: ClaimVolume['usage'] }) {
  const { t, lang } = useI18n();
  const [range, setRange] = useState('1h');
  const h = useQuery({
    queryKey: ['volume-history', clusterId, target.namespace, target.name, range],
    queryFn: () => getVolumeHistory(clusterId, kind, target, HOURS[range]),
    refetchInterval: 30_000,
  });
  const pct = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : 0);
  const points = h.data?.points ?? [];
  const option = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatBytes(v) },
    legend: { top: 0, right: 0 },
    grid: { left: 64, right: 16, top: 32, bottom: 32 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => formatBytes(v, 0) } },
    series: [
      { type: 'line', name: t('volume.used'), data: points.map((p) => [new Date(p.at).getTime(), p.used_bytes]), showSymbol: points.length < 40, areaStyle: { opacity: 0.15 } },
      { type: 'line', name: t('volume.capacity'), data: points.map((p) => [new Date(p.at).getTime(), p.capacity_bytes]), showSymbol: false, lineStyle: { type: 'dashed' } },
    ],
  };
  return (
    <Card
      size="small"
      title={t('volume.title')}
      extra={<Segmented size="small" options={Object.keys(HOURS).map((r) => ({ value: r, label: t(`range.${r}`) }))} value={range} onChange={(v) => setRange(String(v))} />}
    >
      {!usage ? (
        <Empty description={t('volume.none')} data-testid="volume-usage-none" />
      ) : (
        <Row gutter={[16, 16]} data-testid="volume-usage">
          <Col xs={24} lg={8}>
            <Statistic title={t('volume.usedOfCapacity')} value={`${formatBytes(usage.used_bytes)} / ${formatBytes(usage.capacity_bytes)}`} valueStyle={{ fontSize: 18 }} />
            <Progress percent={pct(usage.used_bytes, usage.capacity_bytes)} status={usage.used_bytes >= usage.capacity_bytes * 0.9 ? 'exception' : 'normal'} data-testid="volume-used-percent" />
            <Statistic title={t('volume.inodes')} value={`${usage.inodes_used.toLocaleString()} / ${usage.inodes.toLocaleString()}`} valueStyle={{ fontSize: 16 }} />
            <Progress percent={pct(usage.inodes_used, usage.inodes)} size="small" />
            <Typography.Text type="secondary">
              {t('volume.measured', { at: formatDateTime(usage.at, lang) })} {usage.stale && <Tag color="orange">{t('volume.stale')}</Tag>}
            </Typography.Text>
          </Col>
          <Col xs={24} lg={16}>
            {h.error ? (
              <Typography.Text type="secondary">{errorText(t, h.error)}</Typography.Text>
            ) : (
              <Suspense fallback={<Spin />}>{h.isLoading ? <Spin /> : <EChart option={option} height={220} />}</Suspense>
            )}
          </Col>
        </Row>
      )}
    </Card>
  );
}
