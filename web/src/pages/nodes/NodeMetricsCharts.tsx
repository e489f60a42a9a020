import { lazy, Suspense, useMemo, useState } from 'react';
import { Card, Col, Empty, Row, Segmented, Spin, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { nodeMetricsHistory } from '../../api/nodes';
import type { NodeMetricsPoint } from '../../api/types';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { formatRate } from '../../lib/format';
import { breakAtGaps, type Point } from '../../lib/series';

const EChart = lazy(() => import('../../components/EChart'));

export const RANGES: Record<string, { ms: number; step: number }> = {
  '1h': { ms: 3600e3, step: 30 },
  '6h': { ms: 6 * 3600e3, step: 60 },
  '24h': { ms: 24 * 3600e3, step: 300 },
  '7d': { ms: 7 * 86400e3, step: 1800 },
  '30d': { ms: 30 * 86400e3, step: 3600 },
};

export default function NodeMetricsCharts({ clusterId, node }: { clusterId: string; node: string }) {
  const { t } = useI18n();
  const [range, setRange] = useState('1h');
  const q = useQuery({
    queryKey: ['node-metrics', clusterId, node, range],
    queryFn: async () => {
      const to = new Date();
      const from = new Date(to.getTime() - RANGES[range].ms);
      const h = await nodeMetricsHistory(clusterId, node, { from: from.toISOString(), to: to.toISOString(), step: RANGES[range].step });
      return { ...h, fromMs: from.getTime(), toMs: to.getTime() };
    },
    refetchInterval: 30_000,
    retry: false,
  });
  const points: NodeMetricsPoint[] = useMemo(() => q.data?.items ?? [], [q.data]);

  // periods without samples break the line (a null point there) instead of being bridged by a straight line
  const series = (pick: (p: NodeMetricsPoint) => number | null | undefined) =>
    breakAtGaps(
      points.map((p): Point => [new Date(p.timestamp).getTime(), pick(p) ?? null]),
      RANGES[range].step,
    );
  const base = (title: string, unit: 'percent' | 'bytes', lines: { name: string; data: Point[] }[]) => ({
    title: { text: title },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (v === null || v === undefined ? '-' : unit === 'percent' ? `${v.toFixed(1)}%` : formatRate(v)) },
    legend: { show: lines.length > 1, top: 0, right: 0 },
    grid: { left: 56, right: 16, top: 32, bottom: 56 },
    // the whole selected range, so a node that only just started reporting is not stretched over the chart
    xAxis: { type: 'time', min: q.data?.fromMs, max: q.data?.toMs },
    yAxis: unit === 'percent' ? { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } } : { type: 'value', axisLabel: { formatter: (v: number) => formatRate(v) } },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }],
    series: lines.map((l) => ({ type: 'line', name: l.name, data: l.data, showSymbol: points.length < 40, symbolSize: 4, connectNulls: false, areaStyle: unit === 'percent' ? { opacity: 0.15 } : undefined })),
  });

  const charts = [
    { key: 'cpu', option: base('CPU', 'percent', [{ name: 'CPU', data: series((p) => p.cpu_usage) }]) },
    { key: 'memory', option: base(t('node.memory'), 'percent', [{ name: t('node.memory'), data: series((p) => p.memory_usage) }]) },
    { key: 'disk', option: base(t('node.disk'), 'percent', [{ name: t('node.disk'), data: series((p) => p.disk_usage) }]) },
    {
      key: 'net',
      option: base(t('node.network'), 'bytes', [
        { name: t('node.networkIn'), data: series((p) => p.network_in) },
        { name: t('node.networkOut'), data: series((p) => p.network_out) },
      ]),
    },
  ];

  return (
    <Card
      title={t('node.metricsHistory')}
      extra={<Segmented options={Object.keys(RANGES).map((r) => ({ value: r, label: t(`range.${r}`) }))} value={range} onChange={(v) => setRange(String(v))} />}
    >
      {q.error ? (
        <Typography.Text type="secondary">{errorText(t, q.error)}</Typography.Text>
      ) : !q.isLoading && points.length === 0 ? (
        <Empty description={t('node.noMetrics')} />
      ) : (
        <Suspense fallback={<Spin />}>
          <Row gutter={[16, 16]}>
            {charts.map((c) => (
              <Col xs={24} xl={12} key={c.key}>
                {q.isLoading ? <Spin /> : <EChart option={{ ...c.option, title: { ...c.option.title, textStyle: { fontSize: 13 } } }} height={240} />}
              </Col>
            ))}
          </Row>
        </Suspense>
      )}
    </Card>
  );
}
