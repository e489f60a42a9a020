import { App, Button, Card, Descriptions, Result, Space, Table, Tag, Typography } from 'antd';
import { RedoOutlined, ReloadOutlined, StopOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { cancelTask, getTask, resumeTask } from '../../api/tasks';
import { getCluster } from '../../api/clusters';
import { ApiError } from '../../api/client';
import type { DrainPodProgress, PlannedPod, Task } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { taskFinished } from '../../lib/status';
import { drainView, taskPollMs, taskStateTone, taskTargetLink } from '../../lib/tasks';
import { ErrorAlert, PageHeader, StatusTag, TimeAgo } from '../../components/common';

const podStateColor: Record<string, string> = {
  deleted: 'green',
  pending: 'default',
  evicting: 'processing',
  evicted: 'green',
  blocked_by_pdb: 'orange',
  failed: 'red',
  skipped: 'default',
};

/** A drain pod state in the user's language (an unknown state as the server wrote it). */
export function usePodStateText() {
  const { t } = useI18n();
  return (s: string) => (t(`drain.states.${s}`) === `drain.states.${s}` ? s : t(`drain.states.${s}`));
}

/** The kind of a task in words ("Drain node"), or the server's kind when we have none for it. */
export function useTaskKindText() {
  const { t } = useI18n();
  return (k: string) => (t(`task.kinds.${k}`) === `task.kinds.${k}` ? k : t(`task.kinds.${k}`));
}

export function TaskStateTag({ task }: { task: Pick<Task, 'status' | 'cancel_requested'> }) {
  const { t } = useI18n();
  return (
    <Space size={4}>
      <StatusTag tone={taskStateTone(task.status)}>{t(`task.states.${task.status}`)}</StatusTag>
      {task.cancel_requested && !taskFinished(task.status) && <Tag>{t('drain.cancelRequested')}</Tag>}
    </Space>
  );
}

export default function TaskDetailPage() {
  const { taskId = '' } = useParams();
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const stateText = usePodStateText();
  const kindText = useTaskKindText();
  const valid = /^[1-9][0-9]{0,17}$/.test(taskId);

  const q = useQuery({
    queryKey: ['task', taskId],
    queryFn: () => getTask(taskId),
    enabled: valid,
    // re-read while the task runs, stop once it ended
    refetchInterval: (query) => taskPollMs(query.state.data?.status),
  });
  const clusterId = q.data?.cluster_id;
  const cluster = useQuery({ queryKey: ['cluster', String(clusterId)], queryFn: () => getCluster(clusterId!), enabled: !!clusterId, staleTime: 30_000 });
  const cancel = useMutation({
    mutationFn: () => cancelTask(taskId),
    onSuccess: () => {
      message.success(t('task.cancelAsked'));
      qc.invalidateQueries({ queryKey: ['task', taskId] });
      qc.invalidateQueries({ queryKey: ['tasks'] });
    },
    onError: (e) => message.error(errorText(t, e)),
  });
  const resume = useMutation({
    mutationFn: () => resumeTask(taskId),
    onSuccess: (r) => {
      message.success(t('task.resumedAs', { id: r.task_id }));
      qc.invalidateQueries({ queryKey: ['tasks'] });
      navigate(`/tasks/${r.task_id}`);
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  if (!valid || (q.error instanceof ApiError && q.error.status === 404))
    return (
      <div data-testid="task-not-found">
        <Result status="404" title={t('task.notFound', { id: taskId })} extra={<Button type="primary" onClick={() => navigate('/tasks')}>{t('task.backToList')}</Button>} />
      </div>
    );
  if (q.error) return <ErrorAlert error={q.error} />;
  const task = q.data;
  if (!task) return <Card loading />;
  const drain = drainView(task);
  const target = taskTargetLink(task);
  const running = !taskFinished(task.status);
  // cancelling needs the write permission of what the task does (the server checks it again)
  const mayCancel = can(me, task.kind.startsWith('node.') ? 'node.write' : 'cluster.write');
  // a drain whose replica stopped (interrupted) or that failed goes on in a new task, with the same options
  const mayResume = mayCancel && task.kind === 'node.drain' && (task.status === 'interrupted' || task.status === 'failed');
  const resumedFrom = drain?.resumedFrom ?? undefined;

  return (
    <>
      <PageHeader
        title={
          <Space>
            {t('task.title', { id: task.id })}
            <TaskStateTag task={task} />
          </Space>
        }
        sub={`${kindText(task.kind)} · ${task.target}`}
        extra={
          <>
            <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
              {t('common.refresh')}
            </Button>
            {running && mayCancel && (
              <Button danger icon={<StopOutlined />} loading={cancel.isPending} disabled={task.cancel_requested} onClick={() => cancel.mutate()} data-testid="task-cancel">
                {t('task.cancel')}
              </Button>
            )}
            {mayResume && (
              <Button type="primary" icon={<RedoOutlined />} loading={resume.isPending} onClick={() => resume.mutate()} data-testid="task-resume">
                {t('task.resume')}
              </Button>
            )}
          </>
        }
      />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions column={{ xs: 1, md: 2 }} size="small" data-testid="task-facts">
          <Descriptions.Item label={t('task.kind')}>
            {kindText(task.kind)} <Typography.Text type="secondary" className="kd-mono">{task.kind}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('task.state')}>
            <TaskStateTag task={task} />
          </Descriptions.Item>
          <Descriptions.Item label={t('nav.cluster')}>
            {task.cluster_id ? <Link to={`/clusters/${task.cluster_id}`}>{cluster.data?.name ?? task.cluster_id}</Link> : '-'}
          </Descriptions.Item>
          <Descriptions.Item label={t('task.target')}>{target ? <Link to={target}>{task.target}</Link> : task.target}</Descriptions.Item>
          <Descriptions.Item label={t('task.startedBy')}>{task.created_by}</Descriptions.Item>
          {resumedFrom !== undefined && (
            <Descriptions.Item label={t('task.resumedFrom')}>
              <Link to={`/tasks/${resumedFrom}`}>{t('task.title', { id: resumedFrom })}</Link>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('task.started')}>
            {formatDateTime(task.created_at, lang)} (<TimeAgo at={task.created_at} />)
          </Descriptions.Item>
          <Descriptions.Item label={t('task.finished')}>{task.finished_at ? formatDateTime(task.finished_at, lang) : t('task.notFinished')}</Descriptions.Item>
          {drain?.evictionApi && <Descriptions.Item label={t('task.evictionApi')}>{drain.evictionApi}</Descriptions.Item>}
          {task.error && (
            <Descriptions.Item label={t('task.error')} span={2}>
              <Typography.Text type="danger">{task.error}</Typography.Text>
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      {drain && (
        <Card
          title={t('task.drainPods', { count: drain.pods.length })}
          extra={
            <Space size={[4, 4]} wrap data-testid="task-pod-counts">
              {drain.cordoned && <Tag color="orange">{t('node.cordonedTag')}</Tag>}
              {drain.counts.map((c) => (
                <Tag key={c.state} color={podStateColor[c.state] ?? 'default'}>
                  {stateText(c.state)}: {c.count}
                </Tag>
              ))}
            </Space>
          }
          style={{ marginBottom: 16 }}
        >
          <Table<DrainPodProgress>
            size="small"
            data-testid="task-pods"
            rowKey={(p) => `${p.namespace}/${p.name}`}
            dataSource={drain.pods}
            pagination={drain.pods.length > 50 ? { pageSize: 50, size: 'small' } : false}
            columns={[
              { title: t('pod.namespace'), dataIndex: 'namespace' },
              {
                title: t('pod.name'),
                dataIndex: 'name',
                render: (v: string, p) =>
                  task.cluster_id ? <Link to={`/clusters/${task.cluster_id}/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(v)}`}>{v}</Link> : v,
              },
              { title: t('drain.state'), dataIndex: 'state', render: (s: string) => <Tag color={podStateColor[s] ?? 'default'}>{stateText(s)}</Tag> },
              { title: t('drain.message'), dataIndex: 'message', render: (v?: string | null) => v || '' },
            ]}
          />
          {drain.skipped.length > 0 && (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>
                {t('task.skippedPods', { count: drain.skipped.length })}
              </Typography.Title>
              <Table<PlannedPod>
                size="small"
                data-testid="task-skipped"
                rowKey={(p) => `${p.namespace}/${p.name}`}
                dataSource={drain.skipped}
                pagination={drain.skipped.length > 50 ? { pageSize: 50, size: 'small' } : false}
                columns={[
                  { title: t('pod.namespace'), dataIndex: 'namespace' },
                  { title: t('pod.name'), dataIndex: 'name' },
                  { title: t('drain.message'), dataIndex: 'reason' },
                ]}
              />
            </>
          )}
        </Card>
      )}
      {!drain && (
        <Card title={t('task.progress')}>
          <pre className="kd-mono" style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
            {JSON.stringify(task.progress, null, 2)}
          </pre>
        </Card>
      )}
      {running && <Typography.Text type="secondary">{t('task.live')}</Typography.Text>}
    </>
  );
}
