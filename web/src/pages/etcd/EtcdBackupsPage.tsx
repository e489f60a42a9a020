// etcd backups of a cluster (issue 18, spec 7.1 ETCD 备份): where its etcd is (endpoints, CA, client certificate;
// the key is never shown again), the snapshot schedule in words and the retention, and the snapshots — take one
// now, download it (what `etcdctl snapshot restore` takes), delete it. Everything needs etcd.admin.
import { useEffect } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Popconfirm, Select, Space, Spin, Table, Tag, Typography } from 'antd';
import { CameraOutlined, DeleteOutlined, DownloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { api, ApiError } from '../../api/client';
import type { components } from '../../api/schema';
import { ErrorAlert } from '../../components/common';
import { cronInWords } from '../../lib/cronWords';
import { formatBytes, formatDateTime } from '../../lib/format';

type Settings = components['schemas']['EtcdSettingsView'];
type SettingsInput = components['schemas']['EtcdSettingsInput'];
type Snapshot = components['schemas']['SnapshotView'];

const etcdPath = (id: string) => `/k8s/cluster/${id}/etcd`;

/** The settings, or null when the cluster has none yet. */
async function getSettings(id: string): Promise<Settings | null> {
  try {
    return await api<Settings>(etcdPath(id));
  } catch (e) {
    if (e instanceof ApiError && e.code === 'etcd_not_configured') return null;
    throw e;
  }
}

async function downloadSnapshot(id: string, s: Snapshot) {
  const res = await api<Response>(`${etcdPath(id)}/snapshots/${s.id}/download`, { raw: true, accept: 'application/octet-stream' });
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `etcd-${id}-${s.id}.db`;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

interface FormValues {
  endpoints: string[];
  ca?: string;
  client_cert?: string;
  client_key?: string;
  schedule?: string;
  keep_count?: number | null;
  keep_days?: number | null;
}

export function EtcdBackupsPage() {
  const { clusterId = '' } = useParams();
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const settings = useQuery({ queryKey: ['etcd', clusterId], queryFn: () => getSettings(clusterId) });
  const snapshots = useQuery({
    queryKey: ['etcd-snapshots', clusterId],
    queryFn: () => api<Snapshot[]>(`${etcdPath(clusterId)}/snapshots`),
    refetchInterval: 15_000,
  });
  const current = settings.data;
  useEffect(() => {
    if (current) form.setFieldsValue({ endpoints: current.endpoints, schedule: current.schedule ?? '', keep_count: current.keep_count, keep_days: current.keep_days });
  }, [current, form]);
  const schedule = Form.useWatch('schedule', form);
  const words = cronInWords(schedule, lang);

  const save = useMutation({
    mutationFn: async () => {
      const v = await form.validateFields();
      const body: SettingsInput = {
        endpoints: v.endpoints,
        ca: v.ca || undefined,
        client_cert: v.client_cert || undefined,
        client_key: v.client_key || undefined,
        schedule: v.schedule?.trim() || undefined,
        keep_count: v.keep_count ?? undefined,
        keep_days: v.keep_days ?? undefined,
      };
      return api<Settings>(etcdPath(clusterId), { method: 'PUT', body });
    },
    onSuccess: (d) => {
      message.success(t('etcd.saved', { version: d.members?.[0]?.version ?? '?' }));
      form.setFieldsValue({ ca: '', client_cert: '', client_key: '' });
      qc.setQueryData(['etcd', clusterId], d);
    },
  });
  const remove = useMutation({
    mutationFn: () => api<void>(etcdPath(clusterId), { method: 'DELETE' }),
    onSuccess: () => {
      form.resetFields();
      qc.setQueryData(['etcd', clusterId], null);
    },
  });
  const take = useMutation({
    mutationFn: () => api<Snapshot>(`${etcdPath(clusterId)}/snapshots`, { method: 'POST', body: {} }),
    onSuccess: () => message.success(t('etcd.taken')),
    onSettled: () => qc.invalidateQueries({ queryKey: ['etcd-snapshots', clusterId] }),
  });
  const del = useMutation({
    mutationFn: (s: Snapshot) => api<void>(`${etcdPath(clusterId)}/snapshots/${s.id}`, { method: 'DELETE' }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['etcd-snapshots', clusterId] }),
  });
  const dl = useMutation({ mutationFn: (s: Snapshot) => downloadSnapshot(clusterId, s) });

  if (settings.isLoading) return <Spin />;
  if (settings.error) return <ErrorAlert error={settings.error} />;

  const statusTag = (s: Snapshot) => {
    const color = s.status === 'succeeded' ? 'green' : s.status === 'failed' ? 'red' : 'blue';
    const tag = <Tag color={color} data-testid={`etcd-status-${s.id}`}>{t(`etcd.status.${s.status}` as 'etcd.status.succeeded')}</Tag>;
    return s.error ? <Space direction="vertical" size={0}>{tag}<Typography.Text type="secondary" style={{ fontSize: 12 }}>{s.error}</Typography.Text></Space> : tag;
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="etcd-page">
      <Card
        title={t('etcd.title')}
        extra={
          current ? (
            <Popconfirm title={t('etcd.removeConfirm')} onConfirm={() => remove.mutate()}>
              <Button danger loading={remove.isPending} data-testid="etcd-remove">
                {t('etcd.remove')}
              </Button>
            </Popconfirm>
          ) : null
        }
      >
        <Typography.Paragraph type="secondary">{t('etcd.help')}</Typography.Paragraph>
        {!current && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('etcd.notConfigured')} data-testid="etcd-not-configured" />}
        <Form form={form} layout="vertical" data-testid="etcd-form" initialValues={{ endpoints: [] }}>
          <Form.Item name="endpoints" label={t('etcd.endpoints')} extra={t('etcd.endpointsHelp')} rules={[{ required: true, message: t('etcd.endpointsRequired') }]}>
            <Select mode="tags" tokenSeparators={[',', ' ']} style={{ maxWidth: 560 }} placeholder="https://10.0.0.1:2379" data-testid="etcd-endpoints" />
          </Form.Item>
          <Form.Item name="ca" label={t('etcd.ca')} extra={current?.ca_set ? t('etcd.caSet') : t('etcd.caHelp')}>
            <Input.TextArea rows={3} className="kd-mono" placeholder="-----BEGIN CERTIFICATE-----" data-testid="etcd-ca" />
          </Form.Item>
          <Space align="start" wrap style={{ width: '100%' }}>
            <Form.Item name="client_cert" label={t('etcd.clientCert')} style={{ minWidth: 360 }}>
              <Input.TextArea rows={3} className="kd-mono" placeholder="-----BEGIN CERTIFICATE-----" data-testid="etcd-client-cert" />
            </Form.Item>
            <Form.Item name="client_key" label={t('etcd.clientKey')} style={{ minWidth: 360 }} extra={current?.client_cert_set ? t('etcd.clientCertSet') : t('etcd.clientKeyHelp')}>
              <Input.TextArea rows={3} className="kd-mono" placeholder="-----BEGIN PRIVATE KEY-----" data-testid="etcd-client-key" />
            </Form.Item>
          </Space>
          <Form.Item
            name="schedule"
            label={t('etcd.schedule')}
            extra={
              <span data-testid="etcd-schedule-words">
                {schedule?.trim() ? (words ?? t('etcd.scheduleAsWritten')) : t('etcd.scheduleNone')}
                {current?.next_run_at && schedule?.trim() === current.schedule ? ` · ${t('etcd.nextRun', { at: formatDateTime(current.next_run_at, lang) })}` : ''}
              </span>
            }
          >
            <Input style={{ maxWidth: 240 }} className="kd-mono" placeholder="0 3 * * *" data-testid="etcd-schedule" />
          </Form.Item>
          <Space wrap>
            <Form.Item name="keep_count" label={t('etcd.keepCount')}>
              <InputNumber min={1} max={1000} placeholder="7" data-testid="etcd-keep-count" />
            </Form.Item>
            <Form.Item name="keep_days" label={t('etcd.keepDays')}>
              <InputNumber min={1} max={3650} placeholder="30" data-testid="etcd-keep-days" />
            </Form.Item>
          </Space>
        </Form>
        <Button type="primary" onClick={() => save.mutate()} loading={save.isPending} data-testid="etcd-save">
          {t('etcd.save')}
        </Button>
        <ErrorAlert error={save.error ?? remove.error} style={{ marginTop: 12 }} />
      </Card>
      <Card
        title={t('etcd.snapshots')}
        extra={
          <Button type="primary" icon={<CameraOutlined />} disabled={!current} loading={take.isPending} onClick={() => take.mutate()} data-testid="etcd-snapshot-now">
            {t('etcd.snapshotNow')}
          </Button>
        }
      >
        <ErrorAlert error={take.error ?? del.error ?? dl.error ?? snapshots.error} style={{ marginBottom: 12 }} />
        <Table<Snapshot>
          rowKey="id"
          size="small"
          loading={snapshots.isLoading}
          dataSource={snapshots.data ?? []}
          data-testid="etcd-snapshots"
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: t('etcd.col.time'), key: 'time', render: (_, s) => formatDateTime(s.started_at, lang) },
            { title: t('etcd.col.trigger'), key: 'trigger', render: (_, s) => (s.trigger === 'schedule' ? t('etcd.trigger.schedule') : s.requested_by) },
            { title: t('etcd.col.status'), key: 'status', render: (_, s) => statusTag(s) },
            { title: t('etcd.col.size'), key: 'size', render: (_, s) => (s.size_bytes == null ? '-' : formatBytes(s.size_bytes)) },
            { title: t('etcd.col.revision'), key: 'revision', render: (_, s) => s.revision ?? '-' },
            { title: t('etcd.col.keys'), key: 'keys', render: (_, s) => s.total_keys ?? '-' },
            {
              title: t('etcd.col.hash'),
              key: 'hash',
              render: (_, s) =>
                s.sha256 ? (
                  <Typography.Text className="kd-mono" copyable={{ text: s.sha256 }} title={`SHA-256 ${s.sha256}`}>
                    {s.hash ?? ''} · {s.sha256.slice(0, 12)}…
                  </Typography.Text>
                ) : (
                  '-'
                ),
            },
            {
              title: '',
              key: 'actions',
              render: (_, s) => (
                <Space>
                  {s.status === 'succeeded' && (
                    <Button size="small" icon={<DownloadOutlined />} onClick={() => dl.mutate(s)} data-testid={`etcd-download-${s.id}`}>
                      {t('etcd.download')}
                    </Button>
                  )}
                  <Popconfirm title={t('etcd.deleteConfirm')} onConfirm={() => del.mutate(s)}>
                    <Button size="small" danger icon={<DeleteOutlined />} data-testid={`etcd-delete-${s.id}`} />
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
        <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
          {t('etcd.restoreHelp')}
        </Typography.Paragraph>
      </Card>
    </Space>
  );
}

export default EtcdBackupsPage;
