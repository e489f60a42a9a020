import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Form, Input, InputNumber, Modal, Space, Table, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { cancelTask, drainNode, followTask, getTask } from '../../api/nodes';
import type { DrainOptions, DrainPodProgress, DrainProgress, DrainStarted, PlannedPod } from '../../api/types';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { taskFinished } from '../../lib/status';
import { kubectlDrainEquivalent } from '../../lib/view';

const verdictColor: Record<string, string> = { evict: 'blue', skip: 'default', refuse: 'red' };

function PlanTable({ pods }: { pods: PlannedPod[] }) {
  const { t } = useI18n();
  return (
    <Table<PlannedPod>
      size="small"
      rowKey={(p) => `${p.namespace}/${p.name}`}
      dataSource={pods}
      pagination={pods.length > 10 ? { pageSize: 10, size: 'small' } : false}
      columns={[
        { title: t('pod.namespace'), dataIndex: 'namespace' },
        { title: t('pod.name'), dataIndex: 'name' },
        { title: t('drain.verdict'), dataIndex: 'verdict', render: (v: string) => <Tag color={verdictColor[v] ?? 'default'}>{t(`drain.verdicts.${v}`)}</Tag> },
        { title: t('drain.message'), dataIndex: 'reason' },
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
  const [blocked, setBlocked] = useState<PlannedPod[] | null>(null);
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
      // 422 drain_blocked carries the plan: show which pods stop the drain
      const plan = e instanceof ApiError ? (e.body as unknown as { plan?: { pods?: PlannedPod[] } })?.plan : undefined;
      if (plan?.pods) setBlocked(plan.pods.filter((p) => p.verdict === 'refuse'));
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
              disabled={!preview || preview.plan.pods.some((p) => p.verdict === 'refuse')}
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
      {drain.error && <Alert type="error" showIcon message={errorText(t, drain.error)} style={{ marginBottom: 12 }} />}
      {!running && blocked && blocked.length > 0 && <PlanTable pods={blocked} />}
      {!running && preview && (
        <>
          <Typography.Title level={5}>
            {t('drain.willEvict', { count: preview.plan.pods.filter((p) => p.verdict === 'evict').length })}
            <Typography.Text type="secondary" style={{ fontSize: 12, marginLeft: 8 }}>
              {preview.eviction_api}
            </Typography.Text>
          </Typography.Title>
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
