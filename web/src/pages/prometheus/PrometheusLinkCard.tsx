// The cluster's Prometheus in its overview: where it answers, whether credentials are kept (never shown), its version
// at the last check; admins (`cluster.write`) link, re-check and unlink it.
import { useState } from 'react';
import { App, Button, Card, Checkbox, Descriptions, Empty, Form, Input, InputNumber, Modal, Popconfirm, Radio, Space, Switch, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { ErrorAlert, TimeAgo } from '../../components/common';
import { deleteLink, getLink, putLink, testLink, type PrometheusLink, type PrometheusLinkInput } from './api';

export default function PrometheusLinkCard({ clusterId }: { clusterId: string }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const writable = can(me, 'cluster.write');
  const [editing, setEditing] = useState(false);
  const link = useQuery({ queryKey: ['prometheus', clusterId], queryFn: () => getLink(clusterId), retry: false });
  const notLinked = link.error instanceof ApiError && link.error.code === 'prometheus_not_linked';
  const refresh = () => qc.invalidateQueries({ queryKey: ['prometheus', clusterId] });
  const test = useMutation({
    mutationFn: () => testLink(clusterId),
    onSuccess: (r) => {
      message.success(t('prometheus.testOk', { version: r.version }));
      refresh();
    },
    onError: (e) => message.error(errorText(t, e)),
  });
  const unlink = useMutation({
    mutationFn: () => deleteLink(clusterId),
    onSuccess: () => {
      message.success(t('prometheus.unlinked'));
      refresh();
    },
    onError: (e) => message.error(errorText(t, e)),
  });
  const l = link.data;
  return (
    <Card
      title={t('prometheus.title')}
      data-testid="prometheus-link"
      extra={
        writable && (
          <Space>
            {l && (
              <Button size="small" loading={test.isPending} onClick={() => test.mutate()}>
                {t('prometheus.test')}
              </Button>
            )}
            <Button size="small" type={l ? 'default' : 'primary'} onClick={() => setEditing(true)}>
              {l ? t('common.edit') : t('prometheus.link')}
            </Button>
            {l && (
              <Popconfirm title={t('prometheus.unlinkConfirm')} onConfirm={() => unlink.mutate()}>
                <Button size="small" danger>
                  {t('prometheus.unlink')}
                </Button>
              </Popconfirm>
            )}
          </Space>
        )
      }
    >
      {notLinked ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('prometheus.notLinked')} />
      ) : link.error ? (
        <ErrorAlert error={link.error} />
      ) : l ? (
        <Descriptions column={1} size="small">
          <Descriptions.Item label="URL">
            <span className="kd-mono">{l.url}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('prometheus.auth')}>
            {t(`prometheus.auth.${l.auth}`)}
            {l.username ? ` (${l.username})` : ''} {l.credentials_set && <Tag color="green">{t('prometheus.credentialsSet')}</Tag>}
          </Descriptions.Item>
          {l.ca_pem && (
            <Descriptions.Item label={t('prometheus.ca')}>
              <Tag color="blue">{t('prometheus.caSet')}</Tag>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('prometheus.version')}>{l.version ?? <Typography.Text type="secondary">{t('prometheus.unchecked')}</Typography.Text>}</Descriptions.Item>
          <Descriptions.Item label={t('prometheus.checkedAt')}>
            <TimeAgo at={l.checked_at} />
          </Descriptions.Item>
        </Descriptions>
      ) : (
        <Card loading bordered={false} />
      )}
      {editing && <LinkDialog clusterId={clusterId} current={l} onClose={() => setEditing(false)} onSaved={refresh} />}
    </Card>
  );
}

function LinkDialog({ clusterId, current, onClose, onSaved }: { clusterId: string; current?: PrometheusLink; onClose: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const auth = Form.useWatch('auth', form) ?? current?.auth ?? 'none';
  const [error, setError] = useState<unknown>(null);
  const save = useMutation({
    mutationFn: (v: PrometheusLinkInput & { skip_check?: boolean }) => {
      const { skip_check, ...body } = v;
      // blank secrets are left out so the stored ones are kept
      if (!body.password) delete body.password;
      if (!body.token) delete body.token;
      return putLink(clusterId, body, !skip_check);
    },
    onSuccess: (l) => {
      message.success(l.version ? t('prometheus.linkedVersion', { version: l.version }) : t('prometheus.linked'));
      onSaved();
      onClose();
    },
    onError: setError,
  });
  return (
    <Modal open title={t('prometheus.linkTitle')} onCancel={onClose} onOk={() => form.submit()} confirmLoading={save.isPending} okText={t('common.save')} destroyOnHidden>
      {error ? <ErrorAlert error={error} style={{ marginBottom: 12 }} /> : null}
      <Form
        form={form}
        layout="vertical"
        initialValues={{ url: current?.url ?? '', auth: current?.auth ?? 'none', username: current?.username ?? '', insecure_skip_tls_verify: current?.insecure_skip_tls_verify ?? false, ca_pem: current?.ca_pem ?? '', timeout_secs: current?.timeout_secs ?? 10 }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="url" label="URL" rules={[{ required: true, pattern: /^https?:\/\/.+/, message: t('prometheus.urlHint') }]} extra={t('prometheus.urlHint')}>
          <Input placeholder="http://prometheus.monitoring:9090" />
        </Form.Item>
        <Form.Item name="auth" label={t('prometheus.auth')}>
          <Radio.Group
            options={(['none', 'basic', 'bearer'] as const).map((a) => ({ value: a, label: t(`prometheus.auth.${a}`) }))}
            optionType="button"
          />
        </Form.Item>
        {auth === 'basic' && (
          <>
            <Form.Item name="username" label={t('prometheus.username')} rules={[{ required: true }]}>
              <Input autoComplete="off" />
            </Form.Item>
            <Form.Item name="password" label={t('prometheus.password')} extra={current?.credentials_set ? t('prometheus.keepSecret') : undefined} rules={[{ required: !current?.credentials_set }]}>
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          </>
        )}
        {auth === 'bearer' && (
          <Form.Item name="token" label={t('prometheus.token')} extra={current?.credentials_set ? t('prometheus.keepSecret') : undefined} rules={[{ required: !current?.credentials_set }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Space size="large">
          <Form.Item name="timeout_secs" label={t('prometheus.timeout')}>
            <InputNumber min={1} max={60} addonAfter="s" />
          </Form.Item>
          <Form.Item name="insecure_skip_tls_verify" label={t('prometheus.insecure')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Space>
        <Form.Item name="ca_pem" label={t('prometheus.ca')} extra={t('prometheus.caHelp')}>
          <Input.TextArea rows={3} className="kd-mono" placeholder="-----BEGIN CERTIFICATE-----" data-testid="prometheus-ca" />
        </Form.Item>
        <Form.Item name="skip_check" valuePropName="checked">
          <Checkbox>{t('prometheus.skipCheck')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
