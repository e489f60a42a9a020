// The cluster dashboard's metrics: CPU, memory and storage in use now, the node, pod, service and deployment counts,
// and their history (1 h / 6 h / 24 h / 7 d) from GET .../metrics and .../metrics/history.
import { lazy, Suspense, useMemo, useState } from 'react';
import { Card, Col, Empty, Progress, Row, Segmented, Space, Spin, Statistic, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { clusterMetricsHistory, clusterMetricsLatest, type ClusterMetricsPoint } from '../../api/metrics';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { formatBytes, formatCpu } from '../../lib/format';
import { CLUSTER_RANGES, countSeries, usageSeries } from '../../lib/clusterMetrics';
import { TimeAgo } from '../../components/common';

const EChart = lazy(() => import('../../components/EChart'));

export default function ClusterMetricsPanel({ clusterId }: { clusterId: string }) {
  const { t } = useI18n();
  const [range, setRange] = useState('1h');
  const latest = useQuery({ queryKey: ['cluster-metrics', clusterId], queryFn: () => clusterMetricsLatest(clusterId), refetchInterval: 15_000, retry: false });
  const history = useQuery({
    queryKey: ['cluster-metrics', clusterId, 'history', range],
    queryFn: async () => {
      const to = new Date();
      const from = new Date(to.getTime() - CLUSTER_RANGES[range].ms);
      const h = await clusterMetricsHistory(clusterId, { from: from.toISOString(), to: to.toISOString(), step: CLUSTER_RANGES[range].step });
      return { ...h, fromMs: from.getTime(), toMs: to.getTime() };
    },
    refetchInterval: 30_000,
    retry: false,
  });
  const points: ClusterMetricsPoint[] = useMemo(() => history.data?.items ?? [], [history.data]);
  const step = CLUSTER_RANGES[range].step;
  const d = latest.data?.data ?? null;

  const chart = (title: string, percent: boolean, lines: { name: string; data: [number, number | null][] }[]) => ({
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (v === null || v === undefined ? '-' : percent ? `${v}%` : String(v)) },
    legend: { top: 0, right: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 56 },
    xAxis: { type: 'time', min: history.data?.fromMs, max: history.data?.toMs },
    yAxis: percent ? { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } } : { type: 'value', minInterval: 1 },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 8 }],
    series: lines.map((l) => ({ type: 'line', name: l.name, data: l.data, showSymbol: points.length < 40, symbolSize: 4, connectNulls: false })),
  });
  const usageChart = chart(t('metrics.usage'), true, [
    { name: 'CPU', data: usageSeries(points, 'cpu_usage', step) },
    { name: t('node.memory'), data: usageSeries(points, 'memory_usage', step) },
    { name: t('metrics.storage'), data: usageSeries(points, 'storage_usage', step) },
  ]);
  const countChart = chart(t('metrics.counts'), false, [
    { name: t('metrics.nodes'), data: countSeries(points, 'node_count', step) },
    { name: t('metrics.pods'), data: countSeries(points, 'pod_count', step) },
    { name: t('metrics.services'), data: countSeries(points, 'service_count', step) },
    { name: t('metrics.deployments'), data: countSeries(points, 'deployment_count', step) },
  ]);

  const bar = (label: string, pct: number, detail: string) => (
    <div>
      <Typography.Text>
        {label} · {detail}
      </Typography.Text>
      <Progress percent={Math.round(pct * 10) / 10} />
    </div>
  );

  return (
    <Card
      title={t('metrics.title')}
      data-testid="cluster-metrics"
      extra={
        <Space wrap>
          <Link to={`/clusters/${clusterId}/top`}>{t('metrics.top')}</Link>
          <Segmented options={Object.keys(CLUSTER_RANGES).map((r) => ({ value: r, label: t(`range.${r}`) }))} value={range} onChange={(v) => setRange(String(v))} />
        </Space>
      }
    >
      {latest.error ? (
        <Typography.Text type="secondary">{errorText(t, latest.error)}</Typography.Text>
      ) : latest.data && !d ? (
        <Typography.Paragraph type="secondary">
          {latest.data.collected_at ? (
            <>
              <Tag>{t('volume.stale')}</Tag>
              {t('metrics.staleSince')} <TimeAgo at={latest.data.collected_at} />
            </>
          ) : (
            t('metrics.none')
          )}
        </Typography.Paragraph>
      ) : (
        d && (
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={12}>
              <Space direction="vertical" style={{ width: '100%' }}>
                {bar('CPU', d.cpu_usage, `${formatCpu(d.cpu_used_cores)} / ${formatCpu(d.cpu_allocatable_cores)}`)}
                {bar(t('node.memory'), d.memory_usage, `${formatBytes(d.memory_used_bytes)} / ${formatBytes(d.memory_allocatable_bytes)}`)}
                {bar(t('metrics.storage'), d.storage_usage, `${formatBytes(d.storage_used_bytes)} / ${formatBytes(d.storage_capacity_bytes)}`)}
                <Typography.Text type="secondary">
                  {t('metrics.reporting', { reporting: d.reporting_nodes, nodes: d.node_count })} · <TimeAgo at={d.timestamp} />
                </Typography.Text>
              </Space>
            </Col>
            <Col xs={24} lg={12}>
              <Row gutter={16}>
                <Col span={12}>
                  <Statistic title={t('metrics.nodes')} value={d.node_count} />
                </Col>
                <Col span={12}>
                  <Statistic title={t('metrics.pods')} value={d.pod_count} />
                </Col>
                <Col span={12}>
                  <Statistic title={t('metrics.services')} value={d.service_count} />
                </Col>
                <Col span={12}>
                  <Statistic title={t('metrics.deployments')} value={d.deployment_count} />
                </Col>
              </Row>
            </Col>
          </Row>
        )
      )}
      <div style={{ marginTop: 16 }}>
        {history.error ? (
          <Typography.Text type="secondary">{errorText(t, history.error)}</Typography.Text>
        ) : !history.isLoading && points.length === 0 ? (
          <Empty description={t('metrics.noHistory')} />
        ) : (
          <Suspense fallback={<Spin />}>
            <Row gutter={[16, 16]}>
              <Col xs={24} xl={12}>{history.isLoading ? <Spin /> : <EChart option={usageChart} height={240} />}</Col>
              <Col xs={24} xl={12}>{history.isLoading ? <Spin /> : <EChart option={countChart} height={240} />}</Col>
            </Row>
          </Suspense>
        )}
      </div>
    </Card>
  );
}
