import { Alert, Button, Input, Select, Space, Table, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { listTasks } from '../../api/tasks';
import { listClusters } from '../../api/clusters';
import type { Task } from '../../api/types';
import { useI18n } from '../../i18n';
import { errorText, isMissingRoute } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { intParam, patchParams, tableChangePatch, type ParamPatch } from '../../lib/urlstate';
import { taskListPollMs, taskTargetLink } from '../../lib/tasks';
import { ErrorAlert, PageHeader, TimeAgo } from '../../components/common';
import { TaskStateTag, useTaskKindText } from './TaskDetailPage';

/** The task history (drains and other long-running work), newest first; the cluster filter and page live in the URL. */
export default function TaskListPage() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const kindText = useTaskKindText();
  const [params, setParams] = useSearchParams();
  const page = intParam(params.get('page'), 1);
  const pageSize = intParam(params.get('page_size'), 50, 500);
  const cluster = params.get('cluster') ?? undefined;
  const clusterId = cluster && /^[1-9][0-9]{0,17}$/.test(cluster) ? Number(cluster) : undefined;
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });

  const clusters = useQuery({ queryKey: ['clusters', 'switcher'], queryFn: () => listClusters({ page: 1, page_size: 200 }), staleTime: 30_000 });
  const clusterName = (id: number | null | undefined) => (id ? clusters.data?.items.find((c) => c.id === id)?.name ?? String(id) : '-');
  const q = useQuery({
    queryKey: ['tasks', { page, pageSize, clusterId }],
    queryFn: () => listTasks({ page, page_size: pageSize, cluster_id: clusterId }),
    placeholderData: keepPreviousData,
    // re-read while a listed task still runs
    refetchInterval: (query) => taskListPollMs(query.state.data?.items),
  });
  const missing = isMissingRoute(q.error);

  return (
    <>
      <PageHeader
        title={t('nav.tasks')}
        sub={q.data ? t('task.count', { count: q.data.total }) : undefined}
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
            {t('common.refresh')}
          </Button>
        }
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          allowClear
          placeholder={t('nav.cluster')}
          style={{ width: 220 }}
          value={cluster}
          onChange={(v) => set({ cluster: v })}
          options={clusters.data?.items.map((c) => ({ value: String(c.id), label: c.name }))}
        />
        <Input.Search
          placeholder={t('task.openById')}
          style={{ width: 200 }}
          enterButton={t('task.open')}
          onSearch={(v) => /^[1-9][0-9]*$/.test(v.trim()) && navigate(`/tasks/${v.trim()}`)}
          data-testid="task-open-id"
        />
      </Space>
      {missing ? (
        <Alert type="info" showIcon message={t('task.listUnavailable')} data-testid="task-list-unavailable" />
      ) : (
        <ErrorAlert error={q.error} />
      )}
      {!missing && (
        <Table<Task>
          rowKey="id"
          size="middle"
          loading={q.isLoading}
          dataSource={q.data?.items}
          scroll={{ x: 1000 }}
          onChange={(pagination, _, sorter, extra) => set(tableChangePatch(pagination, sorter, extra.action))}
          pagination={{ current: page, pageSize, total: q.data?.total, showSizeChanger: true }}
          locale={{ emptyText: q.error ? errorText(t, q.error) : t('task.none') }}
          columns={[
            { title: '#', dataIndex: 'id', render: (id: number) => <Link to={`/tasks/${id}`}>{id}</Link> },
            { title: t('task.kind'), dataIndex: 'kind', render: (k: string) => kindText(k) },
            { title: t('nav.cluster'), dataIndex: 'cluster_id', render: (id: number | null) => (id ? <Link to={`/clusters/${id}`}>{clusterName(id)}</Link> : '-') },
            {
              title: t('task.target'),
              dataIndex: 'target',
              render: (v: string, task) => {
                const to = taskTargetLink(task);
                return to ? <Link to={to}>{v}</Link> : v;
              },
            },
            { title: t('task.startedBy'), dataIndex: 'created_by' },
            { title: t('task.state'), dataIndex: 'status', render: (_: unknown, task) => <TaskStateTag task={task} /> },
            { title: t('task.started'), dataIndex: 'created_at', render: (v: string) => <TimeAgo at={v} /> },
            {
              title: t('task.finished'),
              dataIndex: 'finished_at',
              render: (v: string | null) => (v ? formatDateTime(v, lang) : <Typography.Text type="secondary">{t('task.notFinished')}</Typography.Text>),
            },
          ]}
        />
      )}
    </>
  );
}
