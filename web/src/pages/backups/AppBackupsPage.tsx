// Application backups of a cluster (issue 18, spec 7.1 应用备份): back up namespaces as cleaned manifests (Secrets
// sealed on the server), see what a backup holds and what it left out and why, download it, delete it, and restore it
// into this or another cluster under mapped namespace names — a dry run first, each object's outcome shown.
// Schedules take backups on a cron time with retention; a failed or interrupted backup can be taken again; a downloaded
// archive can be imported back. Everything needs backup.admin (a backup holds its namespaces' Secrets).
import { useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Drawer, Form, Input, Modal, Popconfirm, Radio, Select, Space, Spin, Table, Tag, Tooltip, Typography } from 'antd';
import { ClockCircleOutlined, DeleteOutlined, DownloadOutlined, PlusOutlined, RedoOutlined, RollbackOutlined, UploadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { useI18n, type TFunc } from '../../i18n';
import { ApiError } from '../../api/client';
import { listClusters } from '../../api/clusters';
import { ErrorAlert } from '../../components/common';
import { errorText } from '../../lib/errors';
import { formatBytes, formatDateTime } from '../../lib/format';
import {
  ARCHIVE_LIMIT_BYTES,
  archiveProblemKey,
  backupStatusColor,
  canTakeAgain,
  countOutcomes,
  failuresFirst,
  kindRows,
  leftOutKey,
  mappingCollisions,
  outcomeColor,
  restoreBody,
  takenBySchedule,
  volumeNoteKey,
} from '../../lib/appBackups';
import { BackupSchedules, useNamespaceOptions } from './BackupSchedules';
import {
  createAppBackup,
  deleteAppBackup,
  downloadAppBackup,
  getAppBackup,
  importAppBackup,
  listAppBackups,
  listSchedules,
  restoreAppBackup,
  type AppBackupView,
  type BackupReport,
  type RestoreReport,
  type RestoreResult,
} from './api';

function StatusCell({ b }: { b: AppBackupView }) {
  const { t } = useI18n();
  const tag = (
    <Tooltip title={b.error}>
      <Tag color={backupStatusColor(b.status)} data-testid={`app-backup-status-${b.id}`}>
        {t(`appBackups.status.${b.status}`)}
      </Tag>
    </Tooltip>
  );
  // a failure's reason is read on the row; an interrupted backup's (the replica stopped) on hover
  return b.error && b.status === 'failed' ? (
    <Space direction="vertical" size={0}>
      {tag}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {b.error}
      </Typography.Text>
    </Space>
  ) : (
    tag
  );
}

/** The volume note in the user's language, a warning whenever the backup holds claims (their data is not in it). */
function VolumeNote({ report, testId }: { report: BackupReport; testId: string }) {
  const { t } = useI18n();
  return (
    <Alert
      type={report.claims > 0 ? 'warning' : 'info'}
      showIcon
      data-testid={testId}
      message={report.claims > 0 ? t('appBackups.volume.title', { claims: report.claims }) : t('appBackups.volume.titleNone')}
      description={t(volumeNoteKey(report))}
    />
  );
}

// ---- new backup ------------------------------------------------------------------------------------------------------

interface NewValues {
  namespaces: string[];
  label_selector?: string;
  name?: string;
}

/** The form field a refusal names: `namespaces[1]` → namespaces. */
const newField = (field?: string) => (field?.startsWith('namespaces') ? 'namespaces' : field === 'label_selector' || field === 'name' ? field : undefined);

/** The new-backup dialog; `from` (a backup that did not finish) prefills its namespaces and selector ("take again"). */
function NewBackupModal({ clusterId, open, from, onClose }: { clusterId: string; open: boolean; from: AppBackupView | null; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<NewValues>();
  const namespaces = useNamespaceOptions(clusterId, open);
  const create = useMutation({
    mutationFn: async () => {
      // the server's last refusal goes; the form's own rules run again
      form.setFields((['namespaces', 'label_selector', 'name'] as const).map((name) => ({ name, errors: [] })));
      const v = await form.validateFields();
      return createAppBackup(clusterId, { namespaces: v.namespaces, label_selector: v.label_selector?.trim() || undefined, name: v.name?.trim() || undefined });
    },
    onSuccess: (b) => {
      message.success(t('appBackups.created', { name: b.name, objects: b.object_count ?? 0 }));
      form.resetFields();
      onClose();
    },
    onError: (e) => {
      const f = e instanceof ApiError ? newField(e.field) : undefined;
      if (f) form.setFields([{ name: f, errors: [errorText(t, e)] }]);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: ['app-backups', clusterId] }),
  });
  // a refusal put on its field is not repeated above the buttons
  const shownOnField = create.error instanceof ApiError && !!newField(create.error.field);
  return (
    <Modal
      open={open}
      title={from ? t('appBackups.takeAgainTitle', { name: from.name }) : t('appBackups.new')}
      onCancel={onClose}
      destroyOnClose
      okText={t('appBackups.backUp')}
      onOk={() => create.mutate()}
      okButtonProps={{ loading: create.isPending, 'data-testid': 'app-backup-create-submit' }}
      cancelButtonProps={{ disabled: create.isPending }}
      maskClosable={!create.isPending}
    >
      {from && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('appBackups.takeAgainHelp', { name: from.name })} data-testid="app-backup-again-note" />}
      <Typography.Paragraph type="secondary">{t('appBackups.newHelp')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        data-testid="app-backup-form"
        initialValues={{ namespaces: from?.namespaces ?? [], label_selector: from?.label_selector ?? undefined }}
      >
        <Form.Item name="namespaces" label={t('appBackups.namespaces')} rules={[{ required: true, message: t('appBackups.namespacesRequired') }]}>
          <Select
            mode="multiple"
            allowClear
            showSearch
            loading={namespaces.isLoading}
            options={namespaces.options}
            placeholder={t('appBackups.namespacesPlaceholder')}
            data-testid="app-backup-namespaces"
          />
        </Form.Item>
        <Form.Item name="label_selector" label={t('appBackups.labelSelector')} extra={t('appBackups.labelSelectorHelp')}>
          <Input className="kd-mono" placeholder="app=web" data-testid="app-backup-selector" />
        </Form.Item>
        <Form.Item name="name" label={t('appBackups.name')} extra={t('appBackups.nameHelp')}>
          <Input maxLength={128} placeholder="before-migration" data-testid="app-backup-name" />
        </Form.Item>
      </Form>
      <ErrorAlert error={shownOnField ? null : (create.error ?? namespaces.error)} style={{ marginBottom: 0 }} />
      {create.isPending && <Typography.Text type="secondary">{t('appBackups.creating')}</Typography.Text>}
    </Modal>
  );
}

// ---- detail ----------------------------------------------------------------------------------------------------------

function BackupDrawer({ clusterId, backup, onClose }: { clusterId: string; backup: AppBackupView | null; onClose: () => void }) {
  const { t, lang } = useI18n();
  const detail = useQuery({ queryKey: ['app-backup', clusterId, backup?.id], queryFn: () => getAppBackup(clusterId, backup!.id), enabled: !!backup });
  const b = detail.data ?? backup;
  const report = b?.report ?? null;
  return (
    <Drawer open={!!backup} onClose={onClose} width={760} title={b ? t('appBackups.detailTitle', { name: b.name }) : ''} destroyOnClose>
      {b && (
        <Space direction="vertical" style={{ width: '100%' }} size="middle" data-testid="app-backup-detail">
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('appBackups.col.namespaces')}>{b.namespaces.join(', ')}</Descriptions.Item>
            <Descriptions.Item label={t('appBackups.labelSelector')}>{b.label_selector ? <span className="kd-mono">{b.label_selector}</span> : t('appBackups.noSelector')}</Descriptions.Item>
            <Descriptions.Item label={t('appBackups.col.status')}>
              <StatusCell b={b} />
            </Descriptions.Item>
            <Descriptions.Item label={t('appBackups.col.objects')}>{b.object_count == null ? '-' : t('appBackups.objectsSecrets', { objects: b.object_count, secrets: b.secret_count ?? 0 })}</Descriptions.Item>
            <Descriptions.Item label={t('appBackups.col.by')}>{b.requested_by}</Descriptions.Item>
            <Descriptions.Item label={t('appBackups.col.time')}>{formatDateTime(b.started_at, lang)}</Descriptions.Item>
            <Descriptions.Item label={t('appBackups.col.size')}>{b.size_bytes == null ? '-' : formatBytes(b.size_bytes)}</Descriptions.Item>
            <Descriptions.Item label="SHA-256">
              {b.sha256 ? (
                <Typography.Text className="kd-mono" copyable={{ text: b.sha256 }}>
                  {b.sha256.slice(0, 16)}…
                </Typography.Text>
              ) : (
                '-'
              )}
            </Descriptions.Item>
          </Descriptions>
          {report && <VolumeNote report={report} testId="app-backup-volume-note" />}
          <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
            {t('appBackups.secretsSealed')}
          </Typography.Paragraph>
          {report && (
            <>
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t('appBackups.kinds')}
              </Typography.Title>
              <Table
                rowKey="kind"
                size="small"
                pagination={false}
                dataSource={kindRows(report.kinds)}
                data-testid="app-backup-kinds"
                columns={[
                  { title: t('appBackups.col.kind'), dataIndex: 'kind' },
                  { title: t('appBackups.col.count'), dataIndex: 'count', align: 'right' },
                ]}
              />
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t('appBackups.leftOut', { count: report.left_out.length })}
              </Typography.Title>
              <Table
                rowKey={(r) => `${r.kind}/${r.namespace}/${r.name}`}
                size="small"
                dataSource={report.left_out}
                data-testid="app-backup-left-out"
                pagination={{ pageSize: 10, hideOnSinglePage: true }}
                locale={{ emptyText: t('appBackups.nothingLeftOut') }}
                columns={[
                  { title: t('appBackups.col.kind'), dataIndex: 'kind' },
                  { title: t('appBackups.col.object'), key: 'obj', render: (_, r) => `${r.namespace}/${r.name}` },
                  {
                    title: t('appBackups.col.why'),
                    key: 'why',
                    render: (_, r) => {
                      const k = leftOutKey(r.why);
                      return k ? t(k) : r.why;
                    },
                  },
                ]}
              />
              {report.not_served.length > 0 && (
                <Typography.Paragraph type="secondary" style={{ margin: 0 }} data-testid="app-backup-not-served">
                  {t('appBackups.notServed', { kinds: report.not_served.join(', ') })}
                </Typography.Paragraph>
              )}
            </>
          )}
          <Typography.Title level={5} style={{ margin: 0 }}>
            {t('appBackups.objects')}
          </Typography.Title>
          <ErrorAlert error={detail.error} />
          <Table
            rowKey={(o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`}
            size="small"
            loading={detail.isLoading}
            dataSource={detail.data?.objects ?? []}
            data-testid="app-backup-objects"
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: t('appBackups.col.kind'), dataIndex: 'kind' },
              { title: t('appBackups.col.namespace'), dataIndex: 'namespace', render: (v: string | null) => v ?? '-' },
              { title: t('appBackups.col.name'), dataIndex: 'name' },
              { title: 'apiVersion', dataIndex: 'api_version', render: (v: string) => <span className="kd-mono">{v}</span> },
            ]}
          />
        </Space>
      )}
    </Drawer>
  );
}

// ---- restore ---------------------------------------------------------------------------------------------------------

function ResultTable({ report, t }: { report: RestoreReport; t: TFunc }) {
  const c = countOutcomes(report.results);
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid={report.dry_run ? 'app-restore-dry-run' : 'app-restore-report'}>
      <Alert
        type={c.failed ? 'error' : report.dry_run ? 'info' : 'success'}
        showIcon
        data-testid="app-restore-summary"
        message={t(report.dry_run ? 'appBackups.restore.dryRunSummary' : 'appBackups.restore.summary', { created: c.created, skipped: c.skipped, replaced: c.replaced, failed: c.failed })}
        description={report.dry_run ? t('appBackups.restore.dryRunNothingChanged') : undefined}
      />
      <Table<RestoreResult>
        rowKey={(r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`}
        size="small"
        dataSource={failuresFirst(report.results)}
        pagination={{ pageSize: 15, hideOnSinglePage: true }}
        data-testid="app-restore-results"
        columns={[
          { title: t('appBackups.col.kind'), dataIndex: 'kind' },
          { title: t('appBackups.col.namespace'), dataIndex: 'namespace', render: (v: string | null) => v ?? '-' },
          { title: t('appBackups.col.name'), dataIndex: 'name' },
          {
            title: t('appBackups.col.outcome'),
            key: 'outcome',
            render: (_, r) => (
              <Tag color={outcomeColor(r.outcome)} data-testid={`app-restore-outcome-${r.kind}-${r.name}`}>
                {t(`appBackups.outcome.${r.outcome}`)}
              </Tag>
            ),
          },
          {
            title: t('appBackups.col.error'),
            key: 'error',
            render: (_, r) =>
              r.error ? (
                <Typography.Text type="danger" style={{ fontSize: 12 }}>
                  {errorText(t, new ApiError(422, { ...r.error, field: r.error.field ?? undefined } as ConstructorParameters<typeof ApiError>[1]))}
                </Typography.Text>
              ) : null,
          },
        ]}
      />
    </Space>
  );
}

interface RestoreValues {
  target: number;
  mapping: Record<string, string>;
  existing: 'skip' | 'replace';
}

/** The form field a refusal names: `namespace_mapping.shop` → ['mapping', 'shop']. */
function restoreField(field?: string): ['mapping', string] | ['existing'] | ['target'] | undefined {
  if (!field) return undefined;
  if (field.startsWith('namespace_mapping.')) return ['mapping', field.slice('namespace_mapping.'.length)];
  if (field === 'existing') return ['existing'];
  if (field === 'target_cluster_id') return ['target'];
  return undefined;
}

function RestoreModal({ clusterId, backup, onClose }: { clusterId: string; backup: AppBackupView | null; onClose: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<RestoreValues>();
  const source = Number(clusterId);
  const [report, setReport] = useState<RestoreReport | null>(null);
  const clusters = useQuery({ queryKey: ['clusters', 'switcher'], queryFn: () => listClusters({ page: 1, page_size: 200 }), enabled: !!backup, staleTime: 30_000 });
  const initial = useMemo(
    () => ({ target: source, existing: 'skip' as const, mapping: Object.fromEntries((backup?.namespaces ?? []).map((n) => [n, n])) }),
    [backup, source],
  );
  const mapping = Form.useWatch('mapping', form) as Record<string, string> | undefined;
  const existing = Form.useWatch('existing', form);
  const collisions = mappingCollisions(mapping ?? {});
  const run = useMutation({
    mutationFn: async (dryRun: boolean) => {
      form.setFields([{ name: 'target', errors: [] }, { name: 'existing', errors: [] }, ...(backup?.namespaces ?? []).map((ns) => ({ name: ['mapping', ns] as ['mapping', string], errors: [] }))]);
      const v = await form.validateFields();
      return restoreAppBackup(clusterId, backup!.id, restoreBody({ target: v.target, source, mapping: v.mapping ?? {}, existing: v.existing, dryRun }));
    },
    onMutate: () => setReport(null),
    onSuccess: (r) => setReport(r),
    onError: (e) => {
      const f = e instanceof ApiError ? restoreField(e.field) : undefined;
      if (f) form.setFields([{ name: f, errors: [errorText(t, e)] }]);
    },
  });
  const shownOnField = run.error instanceof ApiError && !!restoreField(run.error.field);
  const close = () => {
    setReport(null);
    run.reset();
    onClose();
  };
  // a form change makes the last report out of date
  const changed = () => {
    if (report) setReport(null);
  };
  return (
    <Modal
      open={!!backup}
      title={backup ? t('appBackups.restore.title', { name: backup.name }) : ''}
      onCancel={close}
      width={860}
      destroyOnClose
      maskClosable={!run.isPending}
      footer={
        <Space>
          <Button onClick={close} disabled={run.isPending}>
            {t('common.close')}
          </Button>
          <Button onClick={() => run.mutate(true)} loading={run.isPending && run.variables === true} disabled={run.isPending} data-testid="app-restore-dry-run-button">
            {t('appBackups.restore.dryRun')}
          </Button>
          <Popconfirm title={t('appBackups.restore.confirm')} onConfirm={() => run.mutate(false)} okButtonProps={{ 'data-testid': 'app-restore-confirm' }}>
            <Button type="primary" danger={existing === 'replace'} loading={run.isPending && run.variables === false} disabled={run.isPending} data-testid="app-restore-submit">
              {t('appBackups.restore.run')}
            </Button>
          </Popconfirm>
        </Space>
      }
    >
      {backup && (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Form form={form} layout="vertical" initialValues={initial} onValuesChange={changed} data-testid="app-restore-form" preserve={false}>
            <Form.Item name="target" label={t('appBackups.restore.target')} extra={t('appBackups.restore.targetHelp')}>
              <Select
                style={{ maxWidth: 360 }}
                loading={clusters.isLoading}
                data-testid="app-restore-target"
                options={(clusters.data?.items ?? [{ id: source, name: String(source) }]).map((c) => ({
                  value: c.id,
                  label: c.id === source ? t('appBackups.restore.thisCluster', { name: c.name }) : c.name,
                }))}
              />
            </Form.Item>
            <Form.Item label={t('appBackups.restore.mapping')} extra={t('appBackups.restore.mappingHelp')} style={{ marginBottom: 8 }}>
              <Space direction="vertical" style={{ width: '100%' }} data-testid="app-restore-mapping">
                {backup.namespaces.map((ns) => (
                  <Space key={ns} align="baseline" wrap>
                    <Typography.Text className="kd-mono" style={{ display: 'inline-block', minWidth: 180 }}>
                      {ns}
                    </Typography.Text>
                    <span aria-hidden>→</span>
                    <Form.Item name={['mapping', ns]} noStyle={false} style={{ marginBottom: 0 }}>
                      <Input className="kd-mono" style={{ width: 260 }} placeholder={ns} data-testid={`app-restore-map-${ns}`} />
                    </Form.Item>
                  </Space>
                ))}
              </Space>
            </Form.Item>
            {collisions.length > 0 && <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('appBackups.restore.collision', { names: collisions.join(', ') })} />}
            <Form.Item name="existing" label={t('appBackups.restore.existing')}>
              <Radio.Group data-testid="app-restore-existing">
                <Radio value="skip">{t('appBackups.restore.skip')}</Radio>
                <Radio value="replace">{t('appBackups.restore.replace')}</Radio>
              </Radio.Group>
            </Form.Item>
          </Form>
          {backup.report && backup.report.claims > 0 && <VolumeNote report={backup.report} testId="app-restore-volume-note" />}
          <ErrorAlert error={shownOnField ? null : (run.error ?? clusters.error)} style={{ marginBottom: 0 }} />
          {report && <ResultTable report={report} t={t} />}
        </Space>
      )}
    </Modal>
  );
}

// ---- importing an archive --------------------------------------------------------------------------------------------

/** A refusal made here, before anything was sent: a message key and its values. */
class LocalProblem extends Error {
  constructor(
    readonly key: string,
    readonly vars?: Record<string, string>,
  ) {
    super(key);
  }
}

/** Why an archive was not imported, in the user's words: what is wrong with it (the `field` of `archive_invalid`). */
function ImportError({ file, error, onClose }: { file: string; error: unknown; onClose: () => void }) {
  const { t } = useI18n();
  const problem = error instanceof ApiError && error.code === 'archive_invalid' ? archiveProblemKey(error.field) : null;
  const why = error instanceof LocalProblem ? t(error.key, error.vars) : problem ? t(problem) : errorText(t, error);
  return (
    <Alert
      type="error"
      showIcon
      closable
      onClose={onClose}
      style={{ marginBottom: 12 }}
      data-testid="app-backup-import-error"
      message={t('appBackups.import.failed', { file })}
      description={why}
    />
  );
}

/** Reads the picked file and imports it; a file over the server's limit or not JSON is refused before it is sent. */
async function importFile(clusterId: string, file: File): Promise<AppBackupView> {
  if (file.size > ARCHIVE_LIMIT_BYTES) throw new LocalProblem('appBackups.import.tooLarge', { size: formatBytes(file.size) });
  const text = await file.text();
  try {
    JSON.parse(text);
  } catch {
    throw new LocalProblem('appBackups.import.notJson');
  }
  return importAppBackup(clusterId, text);
}

// ---- the page --------------------------------------------------------------------------------------------------------

export function AppBackupsPage() {
  const { clusterId = '' } = useParams();
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  // the new-backup dialog is made anew for each opening, prefilled from a backup to take again
  const [creating, setCreating] = useState<{ seq: number; open: boolean; from: AppBackupView | null }>({ seq: 0, open: false, from: null });
  const openNew = (from: AppBackupView | null) => setCreating((c) => ({ seq: c.seq + 1, open: true, from }));
  const [shown, setShown] = useState<AppBackupView | null>(null);
  const [restoring, setRestoring] = useState<AppBackupView | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const backups = useQuery({ queryKey: ['app-backups', clusterId], queryFn: () => listAppBackups(clusterId), refetchInterval: 15_000 });
  const schedules = useQuery({ queryKey: ['app-backup-schedules', clusterId], queryFn: () => listSchedules(clusterId), refetchInterval: 15_000 });
  const del = useMutation({
    mutationFn: (b: AppBackupView) => deleteAppBackup(clusterId, b.id),
    onSettled: () => qc.invalidateQueries({ queryKey: ['app-backups', clusterId] }),
  });
  const dl = useMutation({ mutationFn: (b: AppBackupView) => downloadAppBackup(clusterId, b) });
  const imp = useMutation({
    mutationFn: (file: File) => importFile(clusterId, file),
    onSuccess: (b) => {
      message.success(t('appBackups.import.done', { name: b.name, objects: b.object_count ?? 0 }));
      setShown(b);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: ['app-backups', clusterId] }),
  });

  if (backups.isLoading) return <Spin />;

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="app-backups-page">
      <Card
        title={t('appBackups.title')}
        extra={
          <Space>
            <Tooltip title={t('appBackups.import.tip')}>
              <Button icon={<UploadOutlined />} loading={imp.isPending} onClick={() => fileInput.current?.click()} data-testid="app-backup-import">
                {t('appBackups.import.button')}
              </Button>
            </Tooltip>
            <input
              ref={fileInput}
              type="file"
              accept=".json,application/json"
              hidden
              data-testid="app-backup-import-file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                // the same file can be picked again after a fix
                e.target.value = '';
                if (file) imp.mutate(file);
              }}
            />
            <Button type="primary" icon={<PlusOutlined />} onClick={() => openNew(null)} data-testid="app-backup-new">
              {t('appBackups.new')}
            </Button>
          </Space>
        }
      >
        <Typography.Paragraph type="secondary">{t('appBackups.help')}</Typography.Paragraph>
        {imp.isError && <ImportError file={imp.variables?.name ?? ''} error={imp.error} onClose={() => imp.reset()} />}
        <ErrorAlert error={backups.error ?? del.error ?? dl.error} style={{ marginBottom: 12 }} />
        <Table<AppBackupView>
          rowKey="id"
          size="small"
          dataSource={backups.data ?? []}
          data-testid="app-backups"
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: t('appBackups.none') }}
          columns={[
            {
              title: t('appBackups.col.name'),
              key: 'name',
              render: (_, b) => (
                <Typography.Link onClick={() => setShown(b)} data-testid={`app-backup-open-${b.id}`}>
                  {b.name}
                </Typography.Link>
              ),
            },
            {
              title: t('appBackups.col.namespaces'),
              key: 'namespaces',
              render: (_, b) => (
                <Space size={[0, 4]} wrap>
                  {b.namespaces.map((n) => (
                    <Tag key={n}>{n}</Tag>
                  ))}
                  {b.label_selector && <Typography.Text type="secondary" className="kd-mono" style={{ fontSize: 12 }}>{b.label_selector}</Typography.Text>}
                </Space>
              ),
            },
            { title: t('appBackups.col.status'), key: 'status', render: (_, b) => <StatusCell b={b} /> },
            {
              title: t('appBackups.col.schedule'),
              key: 'schedule',
              render: (_, b) => {
                const name = takenBySchedule(b, schedules.data ?? []);
                return (
                  <span data-testid={`app-backup-schedule-${b.id}`}>
                    {name ? (
                      <Tag icon={<ClockCircleOutlined />} color="geekblue">
                        {name}
                      </Tag>
                    ) : (
                      <Typography.Text type="secondary">{t('appBackups.onDemand')}</Typography.Text>
                    )}
                  </span>
                );
              },
            },
            {
              title: t('appBackups.col.objects'),
              key: 'objects',
              render: (_, b) => (b.object_count == null ? '-' : <span data-testid={`app-backup-counts-${b.id}`}>{`${b.object_count} / ${b.secret_count ?? 0}`}</span>),
            },
            { title: t('appBackups.col.size'), key: 'size', render: (_, b) => (b.size_bytes == null ? '-' : formatBytes(b.size_bytes)) },
            { title: t('appBackups.col.by'), dataIndex: 'requested_by' },
            { title: t('appBackups.col.time'), key: 'time', render: (_, b) => formatDateTime(b.started_at, lang) },
            {
              title: '',
              key: 'actions',
              render: (_, b) => (
                <Space>
                  {b.status === 'succeeded' && (
                    <>
                      <Button size="small" icon={<RollbackOutlined />} onClick={() => setRestoring(b)} data-testid={`app-backup-restore-${b.id}`}>
                        {t('appBackups.restore.open')}
                      </Button>
                      <Button size="small" icon={<DownloadOutlined />} onClick={() => dl.mutate(b)} title={t('appBackups.download')} data-testid={`app-backup-download-${b.id}`} />
                    </>
                  )}
                  {canTakeAgain(b.status) && (
                    <Button size="small" icon={<RedoOutlined />} onClick={() => openNew(b)} data-testid={`app-backup-again-${b.id}`}>
                      {t('appBackups.takeAgain')}
                    </Button>
                  )}
                  <Popconfirm title={t('appBackups.deleteConfirm', { name: b.name })} onConfirm={() => del.mutate(b)} okButtonProps={{ 'data-testid': `app-backup-delete-confirm-${b.id}` }}>
                    <Button size="small" danger icon={<DeleteOutlined />} title={t('common.delete')} data-testid={`app-backup-delete-${b.id}`} />
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <BackupSchedules clusterId={clusterId} schedules={schedules.data ?? []} backups={backups.data ?? []} loading={schedules.isLoading} error={schedules.error} />
      <NewBackupModal key={creating.seq} clusterId={clusterId} open={creating.open} from={creating.from} onClose={() => setCreating((c) => ({ ...c, open: false }))} />
      <BackupDrawer clusterId={clusterId} backup={shown} onClose={() => setShown(null)} />
      <RestoreModal clusterId={clusterId} backup={restoring} onClose={() => setRestoring(null)} />
    </Space>
  );
}

export default AppBackupsPage;
