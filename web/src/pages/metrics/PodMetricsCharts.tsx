// Usage history charts of a pod (with its containers) or of a workload (the sum of its pods): CPU, memory,
// network and restarts over 1 h / 6 h / 24 h / 7 d.
import { lazy, Suspense, useMemo, useState } from 'react';
import { Card, Col, Empty, Row, Segmented, Space, Spin, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { metricsHistory, type PodMetricsHistory } from '../../api/podMetrics';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { formatBytes, formatCpu, formatRate } from '../../lib/format';
import { breakAtGaps, type Point } from '../../lib/series';

const EChart = lazy(() => import('../../components/EChart'));

// Pods are sampled every minute and kept as hourly averages beyond the last hour: steps no finer than that.
export const POD_RANGES: Record<string, { ms: number; step: number }> = {
  '1h': { ms: 3600e3, step: 60 },
  '6h': { ms: 6 * 3600e3, step: 300 },
  '24h': { ms: 24 * 3600e3, step: 900 },
  '7d': { ms: 7 * 86400e3, step: 3600 },
};

type Unit = 'cores' | 'bytes' | 'rate' | 'count';

const formatters: Record<Unit, (v: number) => string> = {
  cores: (v) => formatCpu(v),
  bytes: (v) => formatBytes(v),
  rate: (v) => formatRate(v),
  count: (v) => String(Math.round(v)),
};

export default function PodMetricsCharts({ clusterId, namespace, plural, name }: { clusterId: string; namespace: string; plural: string; name: string }) {
  const { t } = useI18n();
  const [range, setRange] = useState('1h');
  const workload = plural !== 'pods';
  const q = useQuery({
    queryKey: ['pod-metrics', clusterId, namespace, plural, name, range],
    queryFn: async () => {
      const to = new Date();
      const from = new Date(to.getTime() - POD_RANGES[range].ms);
      const h: PodMetricsHistory = await metricsHistory(clusterId, namespace, plural, name, { from: from.toISOString(), to: to.toISOString(), step: POD_RANGES[range].step });
      return { ...h, fromMs: from.getTime(), toMs: to.getTime() };
    },
    refetchInterval: 30_000,
    retry: false,
  });
  const points = useMemo(() => q.data?.items ?? [], [q.data]);
  const containers = useMemo(() => q.data?.containers ?? [], [q.data]);
  const step = POD_RANGES[range].step;
  const line = <T extends { timestamp: string }>(rows: T[], pick: (p: T) => number | null | undefined): Point[] =>
    breakAtGaps(
      rows.map((p): Point => [new Date(p.timestamp).getTime(), pick(p) ?? null]),
      step,
    );

  const base = (key: string, title: string, unit: Unit, lines: { name: string; data: Point[] }[]) => ({
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (v === null || v === undefined ? '-' : formatters[unit](v)) },
    legend: { show: lines.length > 1, top: 0, right: 0, type: 'scroll' },
    grid: { left: 64, right: 16, top: 32, bottom: 56 },
    xAxis: { type: 'time', min: q.data?.fromMs, max: q.data?.toMs },
    yAxis: { type: 'value', min: 0, minInterval: unit === 'count' ? 1 : undefined, axisLabel: { formatter: (v: number) => formatters[unit](v) } },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }],
    series: lines.map((l) => ({
      type: 'line',
      name: l.name,
      data: l.data,
      step: unit === 'count' ? 'end' : undefined,
      showSymbol: points.length < 40,
      symbolSize: 4,
      connectNulls: false,
      areaStyle: lines.length === 1 && unit !== 'count' ? { opacity: 0.15 } : undefined,
    })),
    key,
  });

  // a pod with several containers shows one line per container besides its total
  const perContainer = (pick: (c: { cpu_cores: number; memory_bytes: number }) => number) =>
    containers.map((c) => ({ name: c.name, data: line(c.items, pick) }));
  const total = workload ? t('podMetrics.allPods') : t('podMetrics.pod');
  const charts = [
    base('cpu', 'CPU', 'cores', [{ name: total, data: line(points, (p) => p.cpu_cores) }, ...perContainer((c) => c.cpu_cores)]),
    base('memory', t('node.memory'), 'bytes', [{ name: total, data: line(points, (p) => p.memory_bytes) }, ...perContainer((c) => c.memory_bytes)]),
    base('network', t('node.network'), 'rate', [
      { name: t('node.networkIn'), data: line(points, (p) => p.network_in) },
      { name: t('node.networkOut'), data: line(points, (p) => p.network_out) },
    ]),
    base('restarts', t('pod.restarts'), 'count', [{ name: t('pod.restarts'), data: line(points, (p) => p.restarts) }]),
  ];

  return (
    <Card
      data-testid="pod-metrics-charts"
      title={
        <Space>
          {workload ? t('podMetrics.workloadTitle') : t('node.metricsHistory')}
          {q.data?.stale && points.length > 0 && <Tag color="orange">{t('podMetrics.stale')}</Tag>}
          {workload && q.data && <Typography.Text type="secondary" data-testid="pod-metrics-pods-counted">{t('podMetrics.podsCounted', { n: q.data.pods_counted ?? 0 })}</Typography.Text>}
        </Space>
      }
      extra={<Segmented options={Object.keys(POD_RANGES).map((r) => ({ value: r, label: t(`range.${r}`) }))} value={range} onChange={(v) => setRange(String(v))} />}
    >
      {q.error ? (
        <Typography.Text type="secondary">{errorText(t, q.error)}</Typography.Text>
      ) : !q.isLoading && points.length === 0 ? (
        <Empty description={t('node.noMetrics')} />
      ) : (
        <Suspense fallback={<Spin />}>
          <Row gutter={[16, 16]}>
            {charts.map((c) => (
              <Col xs={24} xl={12} key={c.key} data-testid={`pod-metrics-${c.key}`}>
                {q.isLoading ? <Spin /> : <EChart option={c} height={240} />}
              </Col>
            ))}
          </Row>
        </Suspense>
      )}
    </Card>
  );
}
