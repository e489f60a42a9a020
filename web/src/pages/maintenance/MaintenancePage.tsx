// A cluster's maintenance (issue 18, spec 7.2 维护模式): start now or schedule a window, see it and its history,
// end it early; application windows per namespace or workload (one-off or cron, with their next starts) and the
// policy "deploy only inside windows". Changing anything needs maintenance.admin; everyone who sees the cluster
// sees this page.
import { useState } from 'react';
import { App, Button, Card, DatePicker, Form, Input, InputNumber, Popconfirm, Radio, Space, Switch, Table, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import dayjs, { type Dayjs } from 'dayjs';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { ErrorAlert, PageHeader } from '../../components/common';
import { cronInWords } from '../../lib/cronWords';
import { formatDateTime } from '../../lib/format';
import {
  createAppWindow,
  deleteAppWindow,
  endMaintenance,
  getAppWindows,
  getMaintenance,
  getPolicy,
  maintenanceKey,
  setPolicy,
  startMaintenance,
  type AppWindow,
  type MaintenanceWindow,
} from './maintenance';

const stateColor: Record<MaintenanceWindow['state'], string> = {
  scheduled: 'blue',
  active: 'orange',
  ended: 'default',
  cancelled: 'default',
};

interface StartForm {
  reason: string;
  when: 'now' | 'later';
  starts_at?: Dayjs;
  minutes: number;
}

interface WindowForm {
  namespace: string;
  kind?: string;
  name?: string;
  recurring: boolean;
  schedule?: string;
  starts_at?: Dayjs;
  minutes: number;
  reason?: string;
}

export function MaintenancePage() {
  const { clusterId = '' } = useParams();
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const admin = can(me, 'maintenance.admin');
  const [startForm] = Form.useForm<StartForm>();
  const [windowForm] = Form.useForm<WindowForm>();
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [recurring, setRecurring] = useState(true);
  const list = useQuery({ queryKey: maintenanceKey(clusterId), queryFn: () => getMaintenance(clusterId), refetchInterval: 5000 });
  const windows = useQuery({ queryKey: ['maintenance-windows', clusterId], queryFn: () => getAppWindows(clusterId) });
  const policy = useQuery({ queryKey: ['maintenance-policy', clusterId], queryFn: () => getPolicy(clusterId) });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: maintenanceKey(clusterId) });
    void qc.invalidateQueries({ queryKey: ['maintenance-windows', clusterId] });
    void qc.invalidateQueries({ queryKey: ['maintenance-policy', clusterId] });
  };

  const start = useMutation({
    mutationFn: async () => {
      const v = await startForm.validateFields();
      const from = v.when === 'later' && v.starts_at ? v.starts_at : dayjs();
      return startMaintenance(clusterId, {
        reason: v.reason,
        starts_at: v.when === 'later' ? from.toISOString() : undefined,
        ends_at: from.add(v.minutes, 'minute').toISOString(),
      });
    },
    onSuccess: (w) => {
      message.success(w.state === 'active' ? t('maintenance.started') : t('maintenance.scheduled'));
      startForm.resetFields();
      refresh();
    },
  });
  const end = useMutation({
    mutationFn: (w: MaintenanceWindow) => endMaintenance(clusterId, w.id),
    onSuccess: () => {
      message.success(t('maintenance.ended'));
      refresh();
    },
  });
  const addWindow = useMutation({
    mutationFn: async () => {
      const v = await windowForm.validateFields();
      return createAppWindow(clusterId, {
        namespace: v.namespace,
        kind: v.kind || undefined,
        name: v.kind ? v.name : undefined,
        schedule: v.recurring ? v.schedule : undefined,
        starts_at: v.recurring ? undefined : v.starts_at?.toISOString(),
        duration_secs: v.minutes * 60,
        reason: v.reason ?? '',
      });
    },
    onSuccess: () => {
      windowForm.resetFields();
      refresh();
    },
  });
  const removeWindow = useMutation({ mutationFn: (w: AppWindow) => deleteAppWindow(clusterId, w.id), onSuccess: refresh });
  const savePolicy = useMutation({
    mutationFn: (on: boolean) => setPolicy(clusterId, { deploy_only_in_windows: on }),
    onSuccess: refresh,
  });

  const all = [...(list.data?.current ? [list.data.current] : []), ...(list.data?.windows ?? [])];
  return (
    <div data-testid="maintenance-page">
      <PageHeader title={t('maintenance.title')} />
      <Typography.Paragraph type="secondary">{t('maintenance.help')}</Typography.Paragraph>
      <ErrorAlert error={list.error ?? start.error ?? end.error ?? addWindow.error ?? savePolicy.error ?? removeWindow.error} />
      {admin && (
        <Card title={t('maintenance.new')} size="small" style={{ marginBottom: 16 }}>
          <Form form={startForm} layout="inline" initialValues={{ when: 'now', minutes: 60 }}>
            <Form.Item name="reason" label={t('maintenance.reason')} rules={[{ required: true, max: 500 }]}>
              <Input style={{ width: 260 }} data-testid="maintenance-reason" />
            </Form.Item>
            <Form.Item name="when">
              <Radio.Group onChange={(e) => setWhen(e.target.value)}>
                <Radio.Button value="now">{t('maintenance.now')}</Radio.Button>
                <Radio.Button value="later">{t('maintenance.later')}</Radio.Button>
              </Radio.Group>
            </Form.Item>
            {when === 'later' && (
              <Form.Item name="starts_at" label={t('maintenance.startsAt')} rules={[{ required: true }]}>
                <DatePicker showTime />
              </Form.Item>
            )}
            <Form.Item name="minutes" label={t('maintenance.minutes')} rules={[{ required: true }]}>
              <InputNumber min={1} max={43200} />
            </Form.Item>
            <Button type="primary" danger loading={start.isPending} onClick={() => start.mutate()} data-testid="maintenance-start">
              {when === 'now' ? t('maintenance.startNow') : t('maintenance.schedule')}
            </Button>
          </Form>
        </Card>
      )}
      <Card title={t('maintenance.windows')} size="small" style={{ marginBottom: 16 }}>
        <Table<MaintenanceWindow>
          rowKey="id"
          size="small"
          loading={list.isPending}
          dataSource={all}
          pagination={{ pageSize: 10 }}
          columns={[
            { title: t('maintenance.state'), dataIndex: 'state', render: (s: MaintenanceWindow['state']) => <Tag color={stateColor[s]}>{t(`maintenance.state.${s}`)}</Tag> },
            { title: t('maintenance.reason'), dataIndex: 'reason' },
            { title: t('maintenance.startsAt'), dataIndex: 'starts_at', render: (v: string) => formatDateTime(v, lang) },
            { title: t('maintenance.endsAt'), dataIndex: 'ends_at', render: (v: string) => formatDateTime(v, lang) },
            { title: t('maintenance.by'), render: (_, w) => (w.ended_by ? `${w.created_by} / ${w.ended_by}` : w.created_by) },
            {
              title: '',
              render: (_, w) =>
                admin && (w.state === 'active' || w.state === 'scheduled') ? (
                  <Popconfirm title={w.state === 'active' ? t('maintenance.endConfirm') : t('maintenance.cancelConfirm')} onConfirm={() => end.mutate(w)}>
                    <Button size="small" data-testid={`maintenance-end-${w.id}`}>
                      {w.state === 'active' ? t('maintenance.end') : t('maintenance.cancel')}
                    </Button>
                  </Popconfirm>
                ) : null,
            },
          ]}
        />
      </Card>
      <Card
        title={t('maintenance.appWindows')}
        size="small"
        extra={
          <Space>
            <Typography.Text>{t('maintenance.policy')}</Typography.Text>
            <Switch
              checked={policy.data?.deploy_only_in_windows ?? false}
              disabled={!admin}
              loading={savePolicy.isPending}
              onChange={(on) => savePolicy.mutate(on)}
              data-testid="maintenance-policy"
            />
          </Space>
        }
      >
        <Typography.Paragraph type="secondary">{t('maintenance.appHelp')}</Typography.Paragraph>
        {admin && (
          <Form form={windowForm} layout="inline" initialValues={{ recurring: true, minutes: 60, schedule: '0 2 * * *' }} style={{ marginBottom: 12, rowGap: 8 }}>
            <Form.Item name="namespace" label={t('maintenance.namespace')} rules={[{ required: true }]}>
              <Input style={{ width: 160 }} />
            </Form.Item>
            <Form.Item name="kind" label={t('maintenance.kind')}>
              <Input placeholder="deployments" style={{ width: 130 }} />
            </Form.Item>
            <Form.Item name="name" label={t('maintenance.name')}>
              <Input style={{ width: 140 }} />
            </Form.Item>
            <Form.Item name="recurring" valuePropName="checked" label={t('maintenance.recurring')}>
              <Switch onChange={setRecurring} />
            </Form.Item>
            {recurring ? (
              <Form.Item name="schedule" label={t('maintenance.cron')} rules={[{ required: true }]}>
                <Input style={{ width: 140 }} />
              </Form.Item>
            ) : (
              <Form.Item name="starts_at" label={t('maintenance.startsAt')} rules={[{ required: true }]}>
                <DatePicker showTime />
              </Form.Item>
            )}
            <Form.Item name="minutes" label={t('maintenance.minutes')} rules={[{ required: true }]}>
              <InputNumber min={1} max={10080} />
            </Form.Item>
            <Form.Item name="reason" label={t('maintenance.reason')}>
              <Input style={{ width: 180 }} />
            </Form.Item>
            <Button onClick={() => addWindow.mutate()} loading={addWindow.isPending}>
              {t('maintenance.addWindow')}
            </Button>
          </Form>
        )}
        <Table<AppWindow>
          rowKey="id"
          size="small"
          loading={windows.isPending}
          dataSource={windows.data ?? []}
          pagination={false}
          columns={[
            { title: t('maintenance.namespace'), dataIndex: 'namespace' },
            { title: t('maintenance.workload'), render: (_, w) => (w.kind ? `${w.kind}/${w.name}` : t('maintenance.wholeNamespace')) },
            {
              title: t('maintenance.when'),
              render: (_, w) =>
                w.schedule ? (
                  <span title={w.schedule}>{cronInWords(w.schedule, lang === 'zh-CN' ? 'zh-CN' : 'en') ?? w.schedule}</span>
                ) : (
                  formatDateTime(w.starts_at, lang)
                ),
            },
            { title: t('maintenance.minutes'), render: (_, w) => Math.round(w.duration_secs / 60) },
            {
              title: t('maintenance.next'),
              render: (_, w) =>
                w.open ? (
                  <Tag color="green">{t('maintenance.openUntil', { end: formatDateTime(w.open_until, lang) })}</Tag>
                ) : (
                  w.next_starts.slice(0, 3).map((s) => formatDateTime(s, lang)).join(' · ') || '-'
                ),
            },
            {
              title: '',
              render: (_, w) =>
                admin ? (
                  <Popconfirm title={t('maintenance.deleteConfirm')} onConfirm={() => removeWindow.mutate(w)}>
                    <Button size="small" danger>
                      {t('maintenance.delete')}
                    </Button>
                  </Popconfirm>
                ) : null,
            },
          ]}
        />
      </Card>
    </div>
  );
}

export default MaintenancePage;
