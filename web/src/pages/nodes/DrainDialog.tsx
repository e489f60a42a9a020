import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Form, Input, InputNumber, Modal, Space, Table, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cancelTask, drainNode, followTask, getTask } from '../../api/nodes';
import type { DrainOptions, DrainPlan, DrainPodProgress, DrainProgress, DrainStarted, PlannedPod } from '../../api/types';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { taskFinished } from '../../lib/status';
import { kubectlDrainEquivalent } from '../../lib/view';

const verdictColor: Record<string, string> = { evict: 'blue', skip: 'default', refuse: 'red' };

/** A reason code in the user's language (the server's English sentence when this console does not know the code). */
function reasonText(t: (k: string, v?: Record<string, string | number>) => string, p: { reason_code?: string | null; reason?: string | null }): string {
  const key = `drain.reasons.${p.reason_code}`;
  const said = p.reason_code ? t(key) : key;
  return said === key ? p.reason ?? '' : said;
}

/**
 * What the plan does, counted: pods per verdict and per reason (a node may hold tens of thousands of pods, so the
 * counts come first and the pods follow a page at a time).
 */
export function PlanSummary({ plan }: { plan: DrainPlan }) {
  const { t } = useI18n();
  const s = plan.summary;
  const codes = Object.entries(s.by_reason ?? {}).sort((a, b) => b[1] - a[1]);
  // every pod with one code shares its verdict: find it from the first such pod
  const verdictOf = (code: string) => plan.pods.find((p) => p.reason_code === code)?.verdict ?? 'evict';
  return (
    <div data-testid="drain-summary" style={{ marginBottom: 12 }}>
      <Space wrap style={{ marginBottom: 8 }}>
        <Typography.Text strong>{t('drain.summaryTotal', { count: s.total })}</Typography.Text>
        {(['refuse', 'evict', 'skip'] as const).map((v) =>
          s[v] > 0 ? (
            <Tag key={v} color={verdictColor[v]} data-testid={`drain-verdict-${v}`}>
              {t(`drain.verdicts.${v}`)}: {s[v].toLocaleString()}
            </Tag>
          ) : null,
        )}
      </Space>
      <ul style={{ margin: 0, paddingLeft: 20 }}>
        {codes.map(([code, n]) => (
          <li key={code} data-testid={`drain-reason-${code}`}>
            <Tag color={verdictColor[verdictOf(code)] ?? 'default'}>{n.toLocaleString()}</Tag>
            {reasonText(t, { reason_code: code })}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The plan's pods, ten to a page (the rows are data: only one page is rendered). */
function PlanTable({ pods }: { pods: PlannedPod[] }) {
  const { t } = useI18n();
  return (
    <Table<PlannedPod>
      size="small"
      rowKey={(p) => `${p.namespace}/${p.name}`}
      dataSource={pods}
      data-testid="drain-plan"
      pagination={pods.length > 10 ? { pageSize: 10, size: 'small', showSizeChanger: false, showTotal: (n) => t('pod.count', { count: n }) } : false}
      columns={[
        { title: t('pod.namespace'), dataIndex: 'namespace' },
        { title: t('pod.name'), dataIndex: 'name' },
        { title: t('drain.verdict'), dataIndex: 'verdict', render: (v: string) => <Tag color={verdictColor[v] ?? 'default'}>{t(`drain.verdicts.${v}`)}</Tag> },
        { title: t('drain.message'), key: 'reason', render: (_: unknown, p) => <span title={p.reason || undefined}>{reasonText(t, p)}</span> },
      ]}
    />
  );
}

const stateColor: Record<string, string> = {
  deleted: 'green',
  pending: 'default',
  evicting: 'processing',
  evicted: 'green',
  blocked_by_pdb: 'orange',
  failed: 'red',
  skipped: 'default',
};

function PodProgressTable({ pods }: { pods: DrainPodProgress[] }) {
  const { t } = useI18n();
  return (
    <Table<DrainPodProgress>
      size="small"
      rowKey={(p) => `${p.namespace}/${p.name}`}
      dataSource={pods}
      pagination={pods.length > 10 ? { pageSize: 10, size: 'small' } : false}
      columns={[
        { title: t('pod.namespace'), dataIndex: 'namespace' },
        { title: t('pod.name'), dataIndex: 'name' },
        { title: t('drain.state'), dataIndex: 'state', render: (s: string) => <Tag color={stateColor[s] ?? 'default'}>{t(`drain.states.${s}`) === `drain.states.${s}` ? s : t(`drain.states.${s}`)}</Tag> },
        { title: t('drain.message'), dataIndex: 'message', render: (v?: string | null) => v || '' },
      ]}
    />
  );
}

export function DrainDialog({ clusterId, node, onClose }: { clusterId: string; node: string | null; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [preview, setPreview] = useState<DrainStarted | null>(null);
  const [blocked, setBlocked] = useState<DrainPlan | null>(null);
  const [taskId, setTaskId] = useState<string | number | null>(null);
  const [opts, setOpts] = useState<DrainOptions>({ ignore_daemonsets: true, delete_emptydir_data: false, force: false, dry_run: true });

  useEffect(() => {
    if (!node) {
      setPreview(null);
      setTaskId(null);
      setBlocked(null);
    }
  }, [node]);

  const drain = useMutation({
    mutationFn: (o: DrainOptions) => drainNode(clusterId, node!, o),
    onMutate: () => setBlocked(null),
    onSuccess: (r, o) => {
      if (o.dry_run) setPreview(r);
      else if (r.task_id !== null && r.task_id !== undefined) setTaskId(r.task_id);
    },
    onError: (e) => {
      // 422 drain_blocked carries the plan: show its counts and the pods that stop the drain (never its message,
      // which is English and, for a big node, long)
      const plan = e instanceof ApiError && e.code === 'drain_blocked' ? (e.body as unknown as { plan?: DrainPlan })?.plan : undefined;
      if (plan?.pods) setBlocked(plan);
    },
  });
  const [streaming, setStreaming] = useState(false);
  const task = useQuery({
    queryKey: ['task', taskId],
    queryFn: () => getTask(taskId!),
    enabled: taskId !== null,
    // the event stream pushes every change; polling is the fallback when it is not available
    refetchInterval: (q) => (taskFinished(q.state.data?.status) ? false : streaming ? 10_000 : 1000),
  });
  useEffect(() => {
    if (taskId === null) return;
    const ctl = new AbortController();
    setStreaming(true);
    followTask(taskId, (t) => qc.setQueryData(['task', taskId], t), ctl.signal)
      .catch(() => undefined)
      .finally(() => setStreaming(false));
    return () => ctl.abort();
  }, [taskId, qc]);
  const cancel = useMutation({ mutationFn: () => cancelTask(taskId!) });
  useEffect(() => {
    if (taskFinished(task.data?.status)) qc.invalidateQueries({ queryKey: ['nodes', clusterId] });
  }, [task.data?.status, qc, clusterId]);

  const readOpts = (): DrainOptions => {
    const v = form.getFieldsValue();
    return {
      ignore_daemonsets: !!v.ignore_daemonsets,
      delete_emptydir_data: !!v.delete_emptydir_data,
      force: !!v.force,
      grace_period_seconds: v.grace_period_seconds ?? null,
      timeout_seconds: v.timeout_seconds ?? null,
      pod_selector: v.pod_selector?.trim() || null,
      dry_run: true,
    };
  };

  const running = taskId !== null;
  const done = taskFinished(task.data?.status);
  return (
    <Modal
      open={!!node}
      width={820}
      title={t('drain.title', { name: node })}
      onCancel={onClose}
      destroyOnHidden
      footer={
        running ? (
          <Space>
            {!done && (
              <Button danger onClick={() => cancel.mutate()} loading={cancel.isPending} data-testid="drain-cancel">
                {t('drain.cancel')}
              </Button>
            )}
            <Button onClick={onClose}>{t('common.close')}</Button>
          </Space>
        ) : (
          <Space>
            <Button onClick={onClose}>{t('common.cancel')}</Button>
            <Button onClick={() => { const o = readOpts(); setOpts(o); drain.mutate(o); }} loading={drain.isPending && drain.variables?.dry_run} data-testid="drain-preview">
              {t('drain.preview')}
            </Button>
            <Button
              type="primary"
              danger
              disabled={!preview || preview.plan.summary.refuse > 0}
              loading={drain.isPending && !drain.variables?.dry_run}
              onClick={() => drain.mutate({ ...readOpts(), dry_run: false })}
              data-testid="drain-confirm"
            >
              {t('drain.confirm', { name: node })}
            </Button>
          </Space>
        )
      }
    >
      {!running && (
        <Form
          form={form}
          layout="vertical"
          initialValues={{ ignore_daemonsets: true, delete_emptydir_data: false, force: false }}
          onValuesChange={() => {
            setPreview(null);
            setBlocked(null);
            setOpts(readOpts());
          }}
        >
          <Space wrap>
            <Form.Item name="ignore_daemonsets" valuePropName="checked" style={{ marginBottom: 8 }}>
              <Checkbox>{t('drain.ignoreDaemonsets')}</Checkbox>
            </Form.Item>
            <Form.Item name="delete_emptydir_data" valuePropName="checked" style={{ marginBottom: 8 }}>
              <Checkbox>{t('drain.deleteEmptydir')}</Checkbox>
            </Form.Item>
            <Form.Item name="force" valuePropName="checked" style={{ marginBottom: 8 }}>
              <Checkbox>{t('drain.force')}</Checkbox>
            </Form.Item>
          </Space>
          <Space wrap>
            <Form.Item name="grace_period_seconds" label={t('drain.gracePeriod')}>
              <InputNumber min={-1} placeholder={t('drain.podDefault')} style={{ width: 160 }} />
            </Form.Item>
            <Form.Item name="timeout_seconds" label={t('drain.timeout')}>
              <InputNumber min={0} placeholder="0 = ∞" style={{ width: 160 }} />
            </Form.Item>
            <Form.Item name="pod_selector" label={t('drain.podSelector')}>
              <Input className="kd-mono" placeholder="app=web" style={{ width: 240 }} />
            </Form.Item>
          </Space>
          <Typography.Paragraph type="secondary" copyable className="kd-mono">
            {kubectlDrainEquivalent(node ?? '', { ...opts, dry_run: false })}
          </Typography.Paragraph>
        </Form>
      )}
      {drain.error && !blocked && <Alert type="error" showIcon message={errorText(t, drain.error)} style={{ marginBottom: 12 }} />}
      {!running && blocked && (
        <>
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 12 }}
            data-testid="drain-blocked"
            message={t('drain.blocked', { count: blocked.summary.refuse, name: node })}
          />
          <PlanSummary plan={blocked} />
          <PlanTable pods={blocked.pods.filter((p) => p.verdict === 'refuse')} />
        </>
      )}
      {!running && preview && (
        <>
          <Typography.Title level={5}>
            {t('drain.willEvict', { count: preview.plan.summary.evict })}
            <Typography.Text type="secondary" style={{ fontSize: 12, marginLeft: 8 }}>
              {preview.eviction_api}
            </Typography.Text>
          </Typography.Title>
          <PlanSummary plan={preview.plan} />
          <PlanTable pods={preview.plan.pods} />
        </>
      )}
      {running && (
        <>
          <Space style={{ marginBottom: 12 }}>
            <span>{t('drain.task')}</span>
            <Tag color={done ? (task.data?.status === 'succeeded' ? 'green' : 'red') : 'processing'}>
              {task.data ? t(`task.states.${task.data.status}`) : t('common.loading')}
            </Tag>
            {task.data?.error && <Typography.Text type="danger">{task.data.error}</Typography.Text>}
            {task.data?.cancel_requested && !done && <Tag>{t('drain.cancelRequested')}</Tag>}
          </Space>
          {task.error && <Alert type="error" showIcon message={errorText(t, task.error)} />}
          {cancel.error && <Alert type="error" showIcon message={errorText(t, cancel.error)} />}
          {(task.data?.progress as DrainProgress | null)?.cordoned && <Tag color="orange">{t('node.cordonedTag')}</Tag>}
          <PodProgressTable pods={(task.data?.progress as DrainProgress | null)?.pods ?? []} />
        </>
      )}
    </Modal>
  );
}
