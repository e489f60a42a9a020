import { useState } from 'react';
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, HistoryOutlined, PlusOutlined, SendOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  CHANNEL_KINDS,
  SEVERITIES,
  createChannel,
  defaultRate,
  deleteChannel,
  kindFields,
  listChannels,
  listDeliveries,
  testChannel,
  updateChannel,
  type Channel,
  type ChannelInput,
  type ChannelKind,
  type Delivery,
} from '../../api/notify';
import { listClusters } from '../../api/clusters';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { ErrorAlert, PageHeader, TimeAgo } from '../../components/common';

const STATUS_COLOR: Record<Delivery['status'], string> = {
  queued: 'blue',
  sending: 'processing',
  sent: 'green',
  failed: 'red',
  digested: 'purple',
};

/** The channel's target as far as it may be shown: the URL's host, or the SMTP server and recipients. */
function target(c: Channel): string {
  if (c.kind === 'email') return `${c.config.smtp_host ?? '-'}:${c.config.smtp_port ?? ''} → ${c.config.to.join(', ')}`;
  return c.config.url_host ?? '-';
}

export default function ChannelsPage() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message, modal } = App.useApp();
  const [editing, setEditing] = useState<Channel | 'new' | null>(null);
  const [log, setLog] = useState<Channel | null>(null);
  const channels = useQuery({ queryKey: ['channels'], queryFn: listChannels });
  const clusters = useQuery({ queryKey: ['clusters', 'switcher'], queryFn: () => listClusters({ page: 1, page_size: 200 }) });
  const clusterName = (id: number) => clusters.data?.items.find((c) => String(c.id) === String(id))?.name ?? `#${id}`;

  const del = useMutation({
    mutationFn: (c: Channel) => deleteChannel(c.id),
    onSuccess: (_, c) => {
      message.success(t('channels.deleted', { name: c.name }));
      qc.invalidateQueries({ queryKey: ['channels'] });
    },
    onError: (e) => message.error(errorText(t, e)),
  });
  const test = useMutation({
    mutationFn: (c: Channel) => testChannel(c.id),
    onSuccess: (r, c) => {
      qc.invalidateQueries({ queryKey: ['deliveries', c.id] });
      if (r.ok) {
        modal.success({ title: t('channels.testOk', { name: c.name }), content: <span data-testid="test-result">{t('channels.testOkHint')}</span> });
      } else {
        modal.error({
          title: t('channels.testFailed', { name: c.name }),
          content: (
            <Typography.Paragraph className="kd-mono" data-testid="test-result" style={{ whiteSpace: 'pre-wrap' }}>
              {r.delivery.last_error}
            </Typography.Paragraph>
          ),
        });
      }
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  return (
    <>
      <PageHeader
        title={t('nav.channels')}
        sub={t('channels.sub')}
        extra={
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="create-channel">
            {t('channels.create')}
          </Button>
        }
      />
      <ErrorAlert error={channels.error} />
      <Table<Channel>
        rowKey="id"
        size="small"
        loading={channels.isLoading}
        dataSource={channels.data}
        pagination={false}
        scroll={{ x: 1000 }}
        columns={[
          { title: t('channels.name'), dataIndex: 'name', render: (v: string) => <strong>{v}</strong> },
          { title: t('channels.kind'), dataIndex: 'kind', render: (k: ChannelKind) => <Tag>{t(`channels.kinds.${k}`)}</Tag> },
          { title: t('channels.language'), dataIndex: 'language', render: (l: string) => (l === 'zh-CN' ? '简体中文' : 'English') },
          { title: t('channels.target'), render: (_: unknown, c) => <span className="kd-mono">{target(c)}</span> },
          {
            title: t('channels.filters'),
            render: (_: unknown, c) => (
              <Space size={4} wrap>
                {c.cluster_ids.length ? c.cluster_ids.map((id) => <Tag key={id}>{clusterName(id)}</Tag>) : <Tag>{t('channels.allClusters')}</Tag>}
                <Tag color="orange">≥ {t(`channels.severities.${c.min_severity}`)}</Tag>
              </Space>
            ),
          },
          {
            title: t('channels.rate'),
            dataIndex: 'rate_per_minute',
            render: (v: number | null) => (v ? t('channels.ratePerMinute', { count: v }) : t('channels.noLimit')),
          },
          {
            title: t('channels.state'),
            dataIndex: 'enabled',
            render: (v: boolean) => (v ? <Tag color="green">{t('channels.enabled')}</Tag> : <Tag>{t('channels.disabled')}</Tag>),
          },
          {
            title: t('common.actions'),
            width: 300,
            render: (_: unknown, c) => (
              <Space size={4} wrap>
                <Button size="small" icon={<SendOutlined />} loading={test.isPending && test.variables?.id === c.id} onClick={() => test.mutate(c)} data-testid={`test-${c.name}`}>
                  {t('channels.test')}
                </Button>
                <Button size="small" icon={<HistoryOutlined />} onClick={() => setLog(c)} data-testid={`log-${c.name}`}>
                  {t('channels.deliveries')}
                </Button>
                <Tooltip title={t('common.edit')}>
                  <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(c)} aria-label={t('common.edit')} />
                </Tooltip>
                <Popconfirm title={t('channels.deleteConfirm', { name: c.name })} onConfirm={() => del.mutate(c)}>
                  <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <ChannelForm
          channel={editing === 'new' ? null : editing}
          clusters={(clusters.data?.items ?? []).map((c) => ({ value: Number(c.id), label: c.name }))}
          onClose={() => setEditing(null)}
        />
      )}
      <Drawer width={960} open={!!log} onClose={() => setLog(null)} title={log ? t('channels.deliveriesOf', { name: log.name }) : ''} destroyOnClose>
        {log && <DeliveryLog channel={log} />}
      </Drawer>
    </>
  );
}

/** How to get the robot's URL and secret, per kind. */
function KindHelp({ kind }: { kind: ChannelKind }) {
  const { t } = useI18n();
  return <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t(`channels.help.${kind}`)} data-testid="kind-help" />;
}

interface FormValues {
  name: string;
  kind: ChannelKind;
  language: string;
  enabled: boolean;
  cluster_ids: number[];
  min_severity: string;
  rate_per_minute?: number | null;
  url?: string;
  secret?: string;
  bearer_token?: string;
  username?: string;
  password?: string;
  smtp_host?: string;
  smtp_port?: number;
  smtp_security?: 'starttls' | 'tls' | 'none';
  smtp_ca_pem?: string;
  from?: string;
  to?: string[];
}

function ChannelForm({ channel, clusters, onClose }: { channel: Channel | null; clusters: { value: number; label: string }[]; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const kind: ChannelKind = Form.useWatch('kind', form) ?? channel?.kind ?? 'dingtalk';
  const fields = kindFields(kind);
  const save = useMutation({
    mutationFn: (v: FormValues) => {
      const config: ChannelInput['config'] = {};
      for (const f of fields) {
        const value = v[f];
        // a secret left empty on an edit is kept by the server: send nothing for it
        if (value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length)) continue;
        (config as Record<string, unknown>)[f] = value;
      }
      const body: ChannelInput = {
        name: v.name,
        kind: v.kind,
        language: v.language,
        enabled: v.enabled,
        cluster_ids: v.cluster_ids ?? [],
        min_severity: v.min_severity,
        rate_per_minute: v.rate_per_minute === null || v.rate_per_minute === undefined ? undefined : v.rate_per_minute,
        config,
      };
      return channel ? updateChannel(channel.id, body) : createChannel(body);
    },
    onSuccess: (c) => {
      message.success(t('channels.saved', { name: c.name }));
      qc.invalidateQueries({ queryKey: ['channels'] });
      onClose();
    },
  });
  const secretPlaceholder = (set: boolean) => (channel && set ? t('channels.secretKept') : undefined);
  const s = channel?.config;
  return (
    <Modal
      open
      width={720}
      title={channel ? t('channels.editTitle', { name: channel.name }) : t('channels.create')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'save-channel' } as never}
      destroyOnClose
    >
      <ErrorAlert error={save.error} />
      <Form<FormValues>
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={{
          name: channel?.name,
          kind: channel?.kind ?? 'dingtalk',
          language: channel?.language ?? 'zh-CN',
          enabled: channel?.enabled ?? true,
          cluster_ids: channel?.cluster_ids ?? [],
          min_severity: channel?.min_severity ?? 'warning',
          rate_per_minute: channel?.rate_per_minute ?? undefined,
          username: s?.username ?? undefined,
          smtp_host: s?.smtp_host ?? undefined,
          smtp_port: s?.smtp_port ?? undefined,
          smtp_security: s?.smtp_security ?? 'starttls',
          from: s?.from ?? undefined,
          to: s?.to ?? [],
        }}
      >
        <Space.Compact block>
          <Form.Item name="name" label={t('channels.name')} rules={[{ required: true }]} style={{ flex: 2 }}>
            <Input data-testid="channel-name" maxLength={128} />
          </Form.Item>
          <Form.Item name="kind" label={t('channels.kind')} style={{ flex: 1 }}>
            <Select data-testid="channel-kind" options={CHANNEL_KINDS.map((k) => ({ value: k, label: t(`channels.kinds.${k}`) }))} />
          </Form.Item>
          <Form.Item name="language" label={t('channels.language')} style={{ flex: 1 }}>
            <Select options={[{ value: 'zh-CN', label: '简体中文' }, { value: 'en', label: 'English' }]} />
          </Form.Item>
        </Space.Compact>
        <KindHelp kind={kind} />
        {fields.includes('url') && (
          <Form.Item
            name="url"
            label={t('channels.url')}
            extra={s?.url_host ? t('channels.urlKept', { host: s.url_host }) : t(`channels.urlHint.${kind}`)}
            rules={[{ required: !channel, message: t('channels.urlRequired') }]}
          >
            <Input.Password visibilityToggle placeholder={secretPlaceholder(!!s?.url_set)} data-testid="channel-url" autoComplete="off" />
          </Form.Item>
        )}
        {fields.includes('secret') && (
          <Form.Item name="secret" label={t('channels.secret')} extra={t(`channels.secretHint.${kind}`)}>
            <Input.Password placeholder={secretPlaceholder(!!s?.secret_set)} data-testid="channel-secret" autoComplete="off" />
          </Form.Item>
        )}
        {fields.includes('bearer_token') && (
          <Form.Item name="bearer_token" label={t('channels.bearerToken')}>
            <Input.Password placeholder={secretPlaceholder(!!s?.bearer_token_set)} autoComplete="off" />
          </Form.Item>
        )}
        {fields.includes('smtp_host') && (
          <Space.Compact block>
            <Form.Item name="smtp_host" label={t('channels.smtpHost')} rules={[{ required: true }]} style={{ flex: 3 }}>
              <Input placeholder="smtp.example.com" />
            </Form.Item>
            <Form.Item name="smtp_port" label={t('channels.smtpPort')} style={{ flex: 1 }}>
              <InputNumber min={1} max={65535} placeholder="587" style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item name="smtp_security" label={t('channels.smtpSecurity')} style={{ flex: 2 }}>
              <Select options={(['starttls', 'tls', 'none'] as const).map((v) => ({ value: v, label: t(`channels.security.${v}`) }))} />
            </Form.Item>
          </Space.Compact>
        )}
        {fields.includes('username') && (
          <Space.Compact block>
            <Form.Item name="username" label={t('channels.username')} style={{ flex: 1 }}>
              <Input autoComplete="off" />
            </Form.Item>
            <Form.Item name="password" label={t('channels.password')} style={{ flex: 1 }}>
              <Input.Password placeholder={secretPlaceholder(!!s?.password_set)} autoComplete="new-password" />
            </Form.Item>
          </Space.Compact>
        )}
        {fields.includes('from') && (
          <Form.Item name="from" label={t('channels.from')} rules={[{ required: true, type: 'email' }]}>
            <Input placeholder="kubedeck@example.com" />
          </Form.Item>
        )}
        {fields.includes('to') && (
          <Form.Item name="to" label={t('channels.to')} rules={[{ required: true }]}>
            <Select mode="tags" tokenSeparators={[',', ' ']} placeholder="oncall@example.com" />
          </Form.Item>
        )}
        {fields.includes('smtp_ca_pem') && (
          <Form.Item name="smtp_ca_pem" label={t('channels.smtpCa')} extra={s?.smtp_ca_set ? t('channels.secretKept') : t('channels.smtpCaHint')}>
            <Input.TextArea rows={3} className="kd-mono" placeholder="-----BEGIN CERTIFICATE-----" />
          </Form.Item>
        )}
        <Space.Compact block>
          <Form.Item name="cluster_ids" label={t('channels.clusters')} extra={t('channels.clustersHint')} style={{ flex: 2 }}>
            <Select mode="multiple" allowClear options={clusters} placeholder={t('channels.allClusters')} />
          </Form.Item>
          <Form.Item name="min_severity" label={t('channels.minSeverity')} style={{ flex: 1 }}>
            <Select options={SEVERITIES.map((v) => ({ value: v, label: t(`channels.severities.${v}`) }))} />
          </Form.Item>
        </Space.Compact>
        <Space.Compact block>
          <Form.Item
            name="rate_per_minute"
            label={t('channels.rate')}
            extra={defaultRate(kind) ? t('channels.rateDefault', { count: defaultRate(kind) ?? 0 }) : t('channels.rateNone')}
            style={{ flex: 2 }}
          >
            <InputNumber min={0} max={10000} placeholder={String(defaultRate(kind) ?? 0)} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="enabled" label={t('channels.enabled')} valuePropName="checked" style={{ flex: 1 }}>
            <Switch />
          </Form.Item>
        </Space.Compact>
      </Form>
    </Modal>
  );
}

function DeliveryLog({ channel }: { channel: Channel }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['deliveries', channel.id, page],
    queryFn: () => listDeliveries(channel.id, { page, page_size: 50 }),
    placeholderData: keepPreviousData,
    refetchInterval: 5000,
  });
  return (
    <>
      <ErrorAlert error={q.error} />
      <Table<Delivery>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items}
        data-testid="delivery-log"
        pagination={{ current: page, pageSize: 50, total: q.data?.total, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: t('channels.queuedAt'), dataIndex: 'created_at', width: 110, render: (v: string) => <TimeAgo at={v} /> },
          { title: t('channels.purpose'), dataIndex: 'purpose', width: 90, render: (v: string) => t(`channels.purposes.${v}`) },
          { title: t('channels.message'), dataIndex: 'title', render: (v: string, d) => <span>{v} {d.alert_count > 1 && <Tag>{d.alert_count}</Tag>}</span> },
          {
            title: t('channels.status'),
            dataIndex: 'status',
            width: 120,
            render: (v: Delivery['status'], d) => (
              <Tooltip title={d.digest_id ? t('channels.digestedInto', { id: d.digest_id }) : d.last_error}>
                <Tag color={STATUS_COLOR[v]}>{t(`channels.statuses.${v}`)}</Tag>
              </Tooltip>
            ),
          },
          { title: t('channels.attempts'), dataIndex: 'attempts', width: 80 },
          { title: 'HTTP', dataIndex: 'http_status', width: 70, render: (v: number | null) => v ?? '-' },
          {
            title: t('channels.lastError'),
            dataIndex: 'last_error',
            render: (v: string | null) => (v ? <Typography.Text type="danger" className="kd-mono" style={{ fontSize: 12 }}>{v}</Typography.Text> : '-'),
          },
          { title: t('channels.sentAt'), dataIndex: 'sent_at', width: 110, render: (v: string | null) => <TimeAgo at={v} /> },
        ]}
      />
    </>
  );
}
