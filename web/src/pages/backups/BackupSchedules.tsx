// Application backup schedules (issue 18): the list (cron text and its words, retention, on/off, next and last run)
// and the create / edit dialog, whose refusals from the server land on the field they name.
import { useState } from 'react';
import { App, Button, Card, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import { ApiError } from '../../api/client';
import { listResources } from '../../api/resources';
import { ErrorAlert } from '../../components/common';
import { errorText } from '../../lib/errors';
import { formatDateTime, formatRelative } from '../../lib/format';
import { backupStatusColor, newestBySchedule, retention, scheduleBody, scheduleField, scheduleForm, scheduleInWords, type ScheduleForm } from '../../lib/appBackups';
import { createSchedule, deleteSchedule, updateSchedule, type AppBackupSchedule, type AppBackupView } from './api';

/** The cluster's namespaces for a picker (read when a dialog opens). */
export function useNamespaceOptions(clusterId: string, open: boolean) {
  const q = useQuery({
    queryKey: ['resources', clusterId, 'namespaces', 'options'],
    queryFn: () => listResources(clusterId, 'namespaces', { page_size: 500, sort: 'name' }),
    enabled: open,
    staleTime: 60_000,
    retry: false,
  });
  return { ...q, options: (q.data?.items ?? []).map((n) => ({ value: n.name, label: n.name })) };
}

const FIELDS = ['name', 'namespaces', 'label_selector', 'schedule', 'keep_count', 'keep_days'] as const;

/** The schedule's words, or the note that it runs as written (the cron text is always shown beside it). */
function ScheduleWords({ expr, testId }: { expr: string | undefined; testId?: string }) {
  const { t, lang } = useI18n();
  if (!expr?.trim()) return null;
  const words = scheduleInWords(expr, lang);
  return (
    <Typography.Text type={words ? undefined : 'secondary'} data-testid={testId}>
      {words ?? t('appBackups.schedules.asWritten')}
    </Typography.Text>
  );
}

function ScheduleModal({ clusterId, editing, open, onClose }: { clusterId: string; editing: AppBackupSchedule | null; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<ScheduleForm>();
  const namespaces = useNamespaceOptions(clusterId, open);
  const expr = Form.useWatch('schedule', form);
  const save = useMutation({
    mutationFn: async () => {
      form.setFields(FIELDS.map((name) => ({ name, errors: [] })));
      const body = scheduleBody(await form.validateFields());
      return editing ? updateSchedule(clusterId, editing.id, body) : createSchedule(clusterId, body);
    },
    onSuccess: (s) => {
      message.success(t('appBackups.schedules.saved', { name: s.name }));
      onClose();
    },
    onError: (e) => {
      const f = e instanceof ApiError ? scheduleField(e.field) : undefined;
      if (f) form.setFields([{ name: f, errors: [errorText(t, e)] }]);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: ['app-backup-schedules', clusterId] }),
  });
  const shownOnField = save.error instanceof ApiError && !!scheduleField(save.error.field);
  const initial: ScheduleForm = editing ? scheduleForm(editing) : { name: '', namespaces: [], label_selector: '', schedule: '', keep_count: null, keep_days: null, enabled: true };
  return (
    <Modal
      open={open}
      title={editing ? t('appBackups.schedules.edit', { name: editing.name }) : t('appBackups.schedules.new')}
      onCancel={onClose}
      destroyOnClose
      okText={t('common.save')}
      onOk={() => save.mutate()}
      okButtonProps={{ loading: save.isPending, 'data-testid': 'app-schedule-submit' }}
      cancelButtonProps={{ disabled: save.isPending }}
      maskClosable={!save.isPending}
    >
      <Form form={form} layout="vertical" initialValues={initial} preserve={false} data-testid="app-schedule-form">
        <Form.Item name="name" label={t('appBackups.schedules.name')} extra={t('appBackups.schedules.nameHelp')} rules={[{ required: true, whitespace: true, message: t('appBackups.schedules.nameRequired') }]}>
          <Input maxLength={64} placeholder="nightly" data-testid="app-schedule-name" />
        </Form.Item>
        <Form.Item name="namespaces" label={t('appBackups.namespaces')} rules={[{ required: true, message: t('appBackups.namespacesRequired') }]}>
          <Select
            mode="multiple"
            allowClear
            showSearch
            loading={namespaces.isLoading}
            options={namespaces.options}
            placeholder={t('appBackups.namespacesPlaceholder')}
            data-testid="app-schedule-namespaces"
          />
        </Form.Item>
        <Form.Item name="label_selector" label={t('appBackups.labelSelector')} extra={t('appBackups.labelSelectorHelp')}>
          <Input className="kd-mono" placeholder="app=web" data-testid="app-schedule-selector" />
        </Form.Item>
        <Form.Item
          name="schedule"
          label={t('appBackups.schedules.schedule')}
          rules={[{ required: true, whitespace: true, message: t('appBackups.schedules.scheduleRequired') }]}
          extra={
            <Space direction="vertical" size={0}>
              <ScheduleWords expr={expr} testId="app-schedule-form-words" />
              <span>{t('appBackups.schedules.scheduleHelp')}</span>
            </Space>
          }
        >
          <Input className="kd-mono" style={{ maxWidth: 240 }} placeholder="0 3 * * *" data-testid="app-schedule-cron" />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="keep_count" label={t('appBackups.schedules.keepCountLabel')}>
            <InputNumber min={1} max={1000} precision={0} placeholder="7" data-testid="app-schedule-keep-count" />
          </Form.Item>
          <Form.Item name="keep_days" label={t('appBackups.schedules.keepDaysLabel')}>
            <InputNumber min={1} max={3650} precision={0} placeholder="30" data-testid="app-schedule-keep-days" />
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary" style={{ marginTop: -12 }}>
          {t('appBackups.schedules.keepHelp')}
        </Typography.Paragraph>
        <Form.Item name="enabled" label={t('appBackups.schedules.enabled')} valuePropName="checked">
          <Switch data-testid="app-schedule-enabled" />
        </Form.Item>
      </Form>
      <ErrorAlert error={shownOnField ? null : (save.error ?? namespaces.error)} style={{ marginBottom: 0 }} />
    </Modal>
  );
}

/** When a schedule runs next, in the user's time (UTC in the tooltip), or "off". */
function NextRun({ s }: { s: AppBackupSchedule }) {
  const { t, lang } = useI18n();
  if (!s.enabled || !s.next_run_at) return <Typography.Text type="secondary">{t('appBackups.schedules.off')}</Typography.Text>;
  return (
    <Tooltip title={t('appBackups.schedules.utcAt', { at: s.next_run_at.replace('T', ' ').replace(/\.\d+/, '') })}>
      <span>
        {formatDateTime(s.next_run_at, lang)} <Typography.Text type="secondary">({formatRelative(s.next_run_at, lang)})</Typography.Text>
      </span>
    </Tooltip>
  );
}

export function BackupSchedules({
  clusterId,
  schedules,
  backups,
  loading,
  error,
}: {
  clusterId: string;
  schedules: AppBackupSchedule[];
  backups: AppBackupView[];
  loading: boolean;
  error: unknown;
}) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  // the dialog is made anew for each opening (its form starts from the schedule edited)
  const [dialog, setDialog] = useState<{ seq: number; open: boolean; editing: AppBackupSchedule | null }>({ seq: 0, open: false, editing: null });
  const openDialog = (editing: AppBackupSchedule | null) => setDialog((d) => ({ seq: d.seq + 1, open: true, editing }));
  const refresh = () => qc.invalidateQueries({ queryKey: ['app-backup-schedules', clusterId] });
  const toggle = useMutation({
    mutationFn: ({ s, enabled }: { s: AppBackupSchedule; enabled: boolean }) => updateSchedule(clusterId, s.id, scheduleBody({ ...scheduleForm(s), enabled })),
    onSettled: refresh,
  });
  const del = useMutation({ mutationFn: (s: AppBackupSchedule) => deleteSchedule(clusterId, s.id), onSettled: refresh });
  const newest = newestBySchedule(backups);

  return (
    <Card
      title={t('appBackups.schedules.title')}
      data-testid="app-schedules-card"
      extra={
        <Button icon={<PlusOutlined />} onClick={() => openDialog(null)} data-testid="app-schedule-new">
          {t('appBackups.schedules.new')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('appBackups.schedules.help')}</Typography.Paragraph>
      <ErrorAlert error={error ?? toggle.error ?? del.error} style={{ marginBottom: 12 }} />
      <Table<AppBackupSchedule>
        rowKey="id"
        size="small"
        loading={loading}
        dataSource={schedules}
        data-testid="app-schedules"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t('appBackups.schedules.none') }}
        columns={[
          { title: t('appBackups.schedules.col.name'), key: 'name', render: (_, s) => <span data-testid={`app-schedule-name-${s.id}`}>{s.name}</span> },
          {
            title: t('appBackups.schedules.col.namespaces'),
            key: 'namespaces',
            render: (_, s) => (
              <Space size={[0, 4]} wrap>
                {s.namespaces.map((n) => (
                  <Tag key={n}>{n}</Tag>
                ))}
                {s.label_selector && <Typography.Text type="secondary" className="kd-mono" style={{ fontSize: 12 }}>{s.label_selector}</Typography.Text>}
              </Space>
            ),
          },
          {
            title: t('appBackups.schedules.col.schedule'),
            key: 'schedule',
            render: (_, s) => (
              <Space direction="vertical" size={0}>
                <Typography.Text code data-testid={`app-schedule-cron-${s.id}`}>
                  {s.schedule}
                </Typography.Text>
                <ScheduleWords expr={s.schedule} testId={`app-schedule-words-${s.id}`} />
              </Space>
            ),
          },
          {
            title: t('appBackups.schedules.col.retention'),
            key: 'retention',
            render: (_, s) => {
              const r = retention(s);
              return <span data-testid={`app-schedule-retention-${s.id}`}>{t(r.key, r.vars)}</span>;
            },
          },
          {
            title: t('appBackups.schedules.col.enabled'),
            key: 'enabled',
            render: (_, s) => (
              <Switch
                size="small"
                checked={s.enabled}
                loading={toggle.isPending && toggle.variables?.s.id === s.id}
                onChange={(enabled) => toggle.mutate({ s, enabled })}
                data-testid={`app-schedule-enabled-${s.id}`}
              />
            ),
          },
          {
            title: t('appBackups.schedules.col.nextRun'),
            key: 'next',
            render: (_, s) => (
              <span data-testid={`app-schedule-next-${s.id}`}>
                <NextRun s={s} />
              </span>
            ),
          },
          {
            title: t('appBackups.schedules.col.lastRun'),
            key: 'last',
            render: (_, s) => {
              const b = newest.get(s.id);
              return (
                <Space size={4} data-testid={`app-schedule-last-${s.id}`}>
                  {s.last_scheduled_at ? formatDateTime(s.last_scheduled_at, lang) : <Typography.Text type="secondary">{t('appBackups.schedules.notYet')}</Typography.Text>}
                  {b && (
                    <Tooltip title={b.error ?? b.name}>
                      <Tag color={backupStatusColor(b.status)}>{t(`appBackups.status.${b.status}`)}</Tag>
                    </Tooltip>
                  )}
                </Space>
              );
            },
          },
          {
            title: '',
            key: 'actions',
            render: (_, s) => (
              <Space>
                <Button size="small" icon={<EditOutlined />} onClick={() => openDialog(s)} title={t('common.edit')} data-testid={`app-schedule-edit-${s.id}`} />
                <Popconfirm title={t('appBackups.schedules.deleteConfirm', { name: s.name })} onConfirm={() => del.mutate(s)} okButtonProps={{ 'data-testid': `app-schedule-delete-confirm-${s.id}` }}>
                  <Button size="small" danger icon={<DeleteOutlined />} title={t('common.delete')} data-testid={`app-schedule-delete-${s.id}`} />
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <ScheduleModal key={dialog.seq} clusterId={clusterId} open={dialog.open} editing={dialog.editing} onClose={() => setDialog((d) => ({ ...d, open: false }))} />
    </Card>
  );
}
