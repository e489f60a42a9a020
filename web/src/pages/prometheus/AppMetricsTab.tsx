// A workload's application metrics from the cluster's Prometheus: request rate (all pods, and per pod), 5xx share and
// latency percentiles, plus saved queries; the same ranges as every chart (1 h / 6 h / 24 h / 7 d).
import { lazy, Suspense, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, Modal, Popconfirm, Radio, Row, Segmented, Space, Spin, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { ErrorAlert } from '../../components/common';
import { appMetrics, createSaved, deleteSaved, type AppMetrics, type PromSeries } from './api';
import { APP_RANGES, formatValue, seriesName, toChartPoints } from './view';

const EChart = lazy(() => import('../../components/EChart'));

function chartOption(title: string, series: PromSeries[], unit: string, data: AppMetrics) {
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatValue(v, unit) },
    legend: { show: series.length > 1, top: 0, right: 0, type: 'scroll', width: '60%' },
    grid: { left: 64, right: 16, top: 32, bottom: 32 },
    xAxis: { type: 'time', min: data.from * 1000, max: data.to * 1000 },
    yAxis: { type: 'value', min: 0, max: unit === 'ratio' ? 1 : undefined, axisLabel: { formatter: (v: number) => formatValue(v, unit) } },
    series: series.map((s) => ({ type: 'line', name: seriesName(s, series), data: toChartPoints(s), showSymbol: false, connectNulls: false })),
  };
}

export default function AppMetricsTab({ clusterId, plural, namespace, name }: { clusterId: string; plural: string; namespace: string; name: string }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [range, setRange] = useState<string>('1h');
  const [saving, setSaving] = useState(false);
  const key = ['app-metrics', clusterId, namespace, plural, name, range];
  const q = useQuery({ queryKey: key, queryFn: () => appMetrics(clusterId, namespace, plural, name, range), refetchInterval: 30_000, retry: false });
  const remove = useMutation({
    mutationFn: (id: number) => deleteSaved(clusterId, id),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['app-metrics', clusterId] }),
    onError: (e) => message.error(errorText(t, e)),
  });
  const writable = can(me, 'cluster.write');
  const notLinked = q.error instanceof ApiError && q.error.code === 'prometheus_not_linked';
  const d = q.data;
  const charts = d
    ? [
        d.request_rate && { key: 'rate', option: chartOption(t('appMetrics.requestRate'), d.request_rate.series, 'req/s', d), query: d.request_rate.query },
        d.request_rate_by_pod && { key: 'by-pod', option: chartOption(t('appMetrics.requestRateByPod'), d.request_rate_by_pod.series, 'req/s', d), query: d.request_rate_by_pod.query },
        d.error_ratio && { key: 'errors', option: chartOption(t('appMetrics.errorRatio'), d.error_ratio.series, 'ratio', d), query: d.error_ratio.query },
        d.latency && { key: 'latency', option: chartOption(t('appMetrics.latency'), d.latency.series.map((s) => ({ ...s, labels: { quantile: `p${Number(s.labels.quantile) * 100}` } })), 's', d), query: d.latency.query },
      ].filter((c): c is { key: string; option: ReturnType<typeof chartOption>; query: string } => Boolean(c))
    : [];
  return (
    <Card
      title={t('appMetrics.title')}
      data-testid="app-metrics"
      extra={
        <Space>
          {writable && !notLinked && (
            <Button size="small" onClick={() => setSaving(true)}>
              {t('appMetrics.saveQuery')}
            </Button>
          )}
          <Segmented options={APP_RANGES.map((r) => ({ value: r, label: t(`range.${r}`) }))} value={range} onChange={(v) => setRange(String(v))} />
        </Space>
      }
    >
      {notLinked ? (
        <Empty description={t('appMetrics.notLinked')} />
      ) : q.error ? (
        <ErrorAlert error={q.error} />
      ) : !d ? (
        <Spin />
      ) : (
        <Suspense fallback={<Spin />}>
          <Space direction="vertical" style={{ width: '100%' }} size="middle">
            <Space wrap>
              {d.family ? <Tag color="blue">{t('appMetrics.family', { family: d.family })}</Tag> : null}
              <Typography.Text type="secondary">{t('appMetrics.pods', { n: d.pods.length })}</Typography.Text>
            </Space>
            {d.reason && <Alert type="info" showIcon message={d.reason} />}
            <Row gutter={[16, 16]}>
              {charts.map((c) => (
                <Col xs={24} xl={12} key={c.key}>
                  <EChart option={c.option} height={240} />
                </Col>
              ))}
              {d.saved.map((s) => (
                <Col xs={24} xl={12} key={`saved-${s.id}`}>
                  <Card
                    size="small"
                    title={
                      <Space>
                        {s.name}
                        {s.cluster_wide && <Tag>{t('appMetrics.clusterWide')}</Tag>}
                      </Space>
                    }
                    extra={
                      writable && (
                        <Popconfirm title={t('appMetrics.deleteSaved')} onConfirm={() => remove.mutate(s.id)}>
                          <Button size="small" type="link" danger>
                            {t('common.delete')}
                          </Button>
                        </Popconfirm>
                      )
                    }
                  >
                    {s.error ? <Alert type="warning" message={s.error} /> : <EChart option={chartOption('', s.series, s.unit, d)} height={220} />}
                  </Card>
                </Col>
              ))}
            </Row>
          </Space>
        </Suspense>
      )}
      {saving && (
        <SaveQueryDialog
          clusterId={clusterId}
          namespace={namespace}
          workload={`${plural}/${name}`}
          onClose={() => setSaving(false)}
          onSaved={() => qc.invalidateQueries({ queryKey: ['app-metrics', clusterId] })}
        />
      )}
    </Card>
  );
}

function SaveQueryDialog({ clusterId, namespace, workload, onClose, onSaved }: { clusterId: string; namespace: string; workload: string; onClose: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);
  const save = useMutation({
    mutationFn: (v: { name: string; query: string; unit: string; scope: 'workload' | 'cluster' }) =>
      createSaved(clusterId, { name: v.name, query: v.query, unit: v.unit ?? '', ...(v.scope === 'workload' ? { namespace, workload } : {}) }),
    onSuccess: () => {
      onSaved();
      onClose();
    },
    onError: setError,
  });
  return (
    <Modal open title={t('appMetrics.saveQuery')} onCancel={onClose} onOk={() => form.submit()} confirmLoading={save.isPending} okText={t('common.save')} destroyOnHidden>
      {error ? <ErrorAlert error={error} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="vertical" initialValues={{ scope: 'workload', unit: '' }} onFinish={(v) => save.mutate(v)}>
        <Form.Item name="name" label={t('appMetrics.queryName')} rules={[{ required: true, max: 128 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="query" label="PromQL" rules={[{ required: true }]} extra={t('appMetrics.placeholders')}>
          <Input.TextArea rows={3} className="kd-mono" placeholder={'sum(rate(http_requests_total{namespace="$namespace",pod=~"$pods"}[$window]))'} />
        </Form.Item>
        <Form.Item name="unit" label={t('appMetrics.unit')} extra={t('appMetrics.unitHint')}>
          <Input maxLength={32} placeholder="req/s" />
        </Form.Item>
        <Form.Item name="scope" label={t('appMetrics.scope')}>
          <Radio.Group
            options={[
              { value: 'workload', label: t('appMetrics.scopeWorkload') },
              { value: 'cluster', label: t('appMetrics.scopeCluster') },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
