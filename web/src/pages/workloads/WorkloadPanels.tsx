// What the generic detail page shows besides the row for workloads (issue 14): the rollout's progress (kept fresh by
// the change stream of the workload, its ReplicaSets and pods), a StatefulSet's and DaemonSet's update strategy and
// pods (ordinal, node), a Job's completions, parallelism, duration and pods, a CronJob's schedule in words, last
// schedule and active Jobs, an HPA's current/target figures with an edit form.
import { useState } from 'react';
import { Alert, Button, Card, Col, Descriptions, Progress, Row, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { ErrorAlert, StatusTag } from '../../components/common';
import { cronInWords } from '../../lib/cronWords';
import { isMissingRoute } from '../../lib/errors';
import { formatAge, formatDateTime, formatRelative } from '../../lib/format';
import { kubectlWord } from '../../lib/status';
import { canWriteKind, objectHref } from '../../lib/resources';
import { LIST_REFRESH_MS, LIVE_SAFETY_MS, useChangeStream, useKinds } from '../../lib/useKinds';
import { hasVerb, hpaView, isSuspended, jobView, rolloutTone, scheduleOf, statefulSetView, updateStrategyOf } from '../../lib/workloads';
import * as wl from './api';
import { HpaForm } from './HpaForm';
import { WorkloadPods } from './WorkloadPods';
import type { WorkloadProps } from './WorkloadActions';

/** The panel the overview tab gets for this kind, as a full-width column of its grid (none for most kinds). */
export function WorkloadOverview(props: WorkloadProps) {
  const { kind } = props;
  const is = (name: string, group: string) => kind.name === name && kind.group === group;
  const panels = [
    hasVerb(kind, 'rollout') && <RolloutPanel key="rollout" {...props} />,
    (is('statefulsets', 'apps') || is('daemonsets', 'apps')) && <PodSetPanel key="pods" {...props} />,
    is('jobs', 'batch') && <JobPanel key="job" {...props} />,
    is('cronjobs', 'batch') && <CronPanel key="cron" {...props} />,
    is('horizontalpodautoscalers', 'autoscaling') && <HpaPanel key="hpa" {...props} />,
  ].filter(Boolean);
  return panels.length ? (
    <Col xs={24} className="kd-workload-panel">
      <Space direction="vertical" style={{ width: '100%' }} size={16}>
        {panels}
      </Space>
    </Col>
  ) : null;
}

/** A StatefulSet's or DaemonSet's update strategy (partition, revisions) and its pods with ordinal / node. */
function PodSetPanel({ clusterId, kind, target, object }: WorkloadProps) {
  const { t } = useI18n();
  const sts = kind.name === 'statefulsets';
  const u = updateStrategyOf(object, sts ? 'statefulsets' : 'daemonsets');
  const s = statefulSetView(object);
  const mono = (v: string | number | null) => (v === null || v === '' ? '-' : <span className="kd-mono">{v}</span>);
  return (
    <Card size="small" title={sts ? t('workload.statefulSetTitle') : t('workload.daemonSetTitle')} data-testid="podset-panel">
      <Descriptions column={{ xs: 1, md: 3 }} size="small" data-testid="podset-strategy">
        <Descriptions.Item label={t('workload.updateStrategy')}>{mono(u.type)}</Descriptions.Item>
        {sts && <Descriptions.Item label={t('workload.partition')}>{u.partition === null ? '-' : <span data-testid="podset-partition">{u.partition}</span>}</Descriptions.Item>}
        {sts && <Descriptions.Item label={t('workload.podManagement')}>{mono(s.podManagementPolicy)}</Descriptions.Item>}
        {sts && <Descriptions.Item label={t('workload.serviceName')}>{mono(s.serviceName)}</Descriptions.Item>}
        {sts && <Descriptions.Item label={t('workload.currentRevision')}>{mono(s.currentRevision)}</Descriptions.Item>}
        {sts && <Descriptions.Item label={t('workload.updateRevision')}>{s.updateRevision ? <span className="kd-mono">{`${s.updateRevision} (${s.updated}/${s.replicas})`}</span> : '-'}</Descriptions.Item>}
        {!sts && <Descriptions.Item label={t('workload.maxUnavailable')}>{mono(u.maxUnavailable)}</Descriptions.Item>}
        {!sts && u.maxSurge !== null && <Descriptions.Item label={t('workload.maxSurge')}>{mono(u.maxSurge)}</Descriptions.Item>}
      </Descriptions>
      {sts && u.partition !== null && u.partition > 0 && <Alert type="info" showIcon style={{ marginBottom: 8 }} message={t('workload.partitionHint', { partition: u.partition })} />}
      <WorkloadPods clusterId={clusterId} namespace={target.namespace ?? 'default'} owner={{ kind: sts ? 'StatefulSet' : 'DaemonSet', name: target.name }} ordinals={sts} />
    </Card>
  );
}

/** A Job's completions, parallelism, pods' outcomes, duration, and its pods. */
function JobPanel({ clusterId, target, object }: WorkloadProps) {
  const { t, lang } = useI18n();
  const j = jobView(object);
  return (
    <Card
      size="small"
      title={
        <Space>
          {t('job.title')}
          <span data-testid="job-state" data-state={j.state}>
            <StatusTag tone={JOB_TONE[j.state]}>{kubectlWord(t, j.state)}</StatusTag>
          </span>
        </Space>
      }
      data-testid="job-panel"
    >
      <Row gutter={16} style={{ marginBottom: 12 }}>
        <Col xs={12} md={4}>
          <Statistic title={t('job.completions')} value={`${j.succeeded}/${j.completions ?? '-'}`} valueStyle={{ fontSize: 22 }} />
        </Col>
        <Col xs={12} md={4}>
          <Statistic title={t('job.parallelism')} value={j.parallelism} valueStyle={{ fontSize: 22 }} />
        </Col>
        <Col xs={8} md={4}>
          <Statistic title={t('job.active')} value={j.active} valueStyle={{ fontSize: 22 }} />
        </Col>
        <Col xs={8} md={4}>
          <Statistic title={t('job.succeeded')} value={j.succeeded} valueStyle={{ fontSize: 22, color: j.succeeded ? '#52c41a' : undefined }} />
        </Col>
        <Col xs={8} md={4}>
          <Statistic title={t('job.failed')} value={j.failed} valueStyle={{ fontSize: 22, color: j.failed ? '#ff4d4f' : undefined }} suffix={<span style={{ fontSize: 13 }}>{` / ${t('job.backoffLimit', { n: j.backoffLimit })}`}</span>} />
        </Col>
        <Col xs={12} md={4}>
          <Statistic title={t('job.duration')} value={j.durationSeconds === null ? '-' : formatAge(0, j.durationSeconds * 1000)} valueStyle={{ fontSize: 22 }} />
        </Col>
      </Row>
      <Descriptions column={{ xs: 1, md: 2 }} size="small">
        <Descriptions.Item label={t('job.start')}>{j.start ? formatDateTime(j.start, lang) : '-'}</Descriptions.Item>
        <Descriptions.Item label={t('job.completion')}>{j.completion ? formatDateTime(j.completion, lang) : '-'}</Descriptions.Item>
      </Descriptions>
      <WorkloadPods clusterId={clusterId} namespace={target.namespace ?? 'default'} owner={{ kind: 'Job', name: target.name }} />
    </Card>
  );
}
const JOB_TONE = { Complete: 'success', Failed: 'error', Suspended: 'default', Running: 'processing' } as const;

export function RolloutPanel({ clusterId, kind, target }: WorkloadProps) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const key = ['workload', clusterId, kind.name, target.namespace ?? null, target.name, 'rollout'];
  // the workload, its ReplicaSets and its pods: any notice may change the rollout
  const live = useChangeStream(clusterId, [kind.name, 'replicasets', 'pods'], () => qc.invalidateQueries({ queryKey: key }));
  const q = useQuery({ queryKey: key, queryFn: () => wl.getRollout(clusterId, kind, target), refetchInterval: live ? LIVE_SAFETY_MS : LIST_REFRESH_MS });
  // a server without the workload routes yet: no panel rather than an error on every workload's page
  if (isMissingRoute(q.error)) return null;
  if (q.error) return <ErrorAlert error={q.error} />;
  const r = q.data;
  const pct = (n: number) => (r && r.desired > 0 ? Math.round((n / r.desired) * 100) : r ? 100 : 0);
  // (only a Deployment rolls out through ReplicaSets; a StatefulSet's and DaemonSet's revisions are in their panel)
  const viaReplicaSets = kind.name === 'deployments';
  return (
    <Card
      size="small"
      loading={!r}
      title={
        <Space>
          {t('rollout.title')}
          {r && (
            <span data-testid="rollout-state" data-state={r.state}>
              <StatusTag tone={rolloutTone(r.state)}>{t(`rollout.state.${r.state}`)}</StatusTag>
            </span>
          )}
          <Tag color={live ? 'green' : 'default'} data-testid="rollout-live" data-pushed={live ? 'true' : 'false'}>
            {live ? t('resource.live') : t('rollout.polled')}
          </Tag>
        </Space>
      }
      data-testid="rollout-panel"
    >
      {r && (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          {(r.reason || r.message) && r.state !== 'complete' && (
            <Alert type={r.state === 'stalled' ? 'error' : r.state === 'paused' ? 'warning' : 'info'} showIcon message={r.reason || t(`rollout.state.${r.state}`)} description={r.message || undefined} data-testid="rollout-reason" />
          )}
          <Row gutter={16}>
            {(['desired', 'updated', 'ready', 'available'] as const).map((f) => (
              <Col xs={12} md={6} key={f}>
                <Statistic title={t(`rollout.${f}`)} value={r[f]} valueStyle={{ fontSize: 22 }} />
                {f !== 'desired' && <Progress percent={pct(r[f])} size="small" showInfo={false} status={r.state === 'stalled' ? 'exception' : undefined} />}
              </Col>
            ))}
          </Row>
          <Row gutter={16}>
            {viaReplicaSets && (
              <Col xs={24} xl={12}>
                <Typography.Text strong>{t('rollout.replicaSets')}</Typography.Text>
                <Table<wl.RolloutReplicaSet & { role: string }>
                  size="small"
                  pagination={false}
                  rowKey="name"
                  data-testid="rollout-replicasets"
                  locale={{ emptyText: t('rollout.noReplicaSets') }}
                  dataSource={[...(r.new_replicaset ? [{ ...r.new_replicaset, role: 'new' }] : []), ...r.old_replicasets.map((x) => ({ ...x, role: 'old' }))]}
                  columns={[
                    { title: '', key: 'role', width: 70, render: (_: unknown, x) => <Tag color={x.role === 'new' ? 'blue' : 'default'}>{t(`rollout.${x.role === 'new' ? 'newRs' : 'oldRs'}`)}</Tag> },
                    { title: t('resource.name'), key: 'name', render: (_: unknown, x) => <Link to={objectHref(clusterId, 'replicasets', target.namespace, x.name)}>{x.name}</Link> },
                    { title: t('history.revision'), key: 'rev', width: 90, render: (_: unknown, x) => (x.revision == null ? '-' : `#${x.revision}`) },
                    { title: t('rollout.readyOf'), key: 'ready', width: 100, render: (_: unknown, x) => `${x.ready}/${x.replicas}` },
                  ]}
                />
              </Col>
            )}
            <Col xs={24} xl={viaReplicaSets ? 12 : 24}>
              <Typography.Text strong>{t('rollout.conditions')}</Typography.Text>
              <Table<wl.RolloutCondition>
                size="small"
                pagination={false}
                rowKey="type"
                data-testid="rollout-conditions"
                dataSource={r.conditions}
                columns={[
                  { title: t('rollout.condition'), dataIndex: 'type', width: 130 },
                  { title: t('rollout.status'), dataIndex: 'status', width: 70 },
                  { title: t('rollout.reason'), key: 'reason', render: (_: unknown, c) => (c.message ? <Tooltip title={c.message}>{c.reason ?? '-'}</Tooltip> : c.reason ?? '-') },
                  { title: t('common.updated'), key: 'at', width: 110, render: (_: unknown, c) => (c.last_update ? <Tooltip title={formatDateTime(c.last_update, lang)}>{formatRelative(c.last_update, lang)}</Tooltip> : '-') },
                ]}
              />
            </Col>
          </Row>
          {r.failing_pods.length > 0 && (
            <div>
              <Typography.Text strong type="danger">
                {t('rollout.failingPods', { count: r.failing_pods.length })}
              </Typography.Text>
              <Table<wl.FailingPod>
                size="small"
                pagination={false}
                rowKey={(p) => `${p.name}/${p.container ?? ''}`}
                data-testid="rollout-failing"
                dataSource={r.failing_pods}
                columns={[
                  { title: t('nav.pods'), key: 'pod', render: (_: unknown, p) => <Link to={objectHref(clusterId, 'pods', target.namespace, p.name)}>{p.name}</Link> },
                  { title: t('workload.container'), key: 'c', render: (_: unknown, p) => p.container ?? '-' },
                  { title: t('rollout.reason'), key: 'reason', render: (_: unknown, p) => <Tag color="red">{p.reason ?? '-'}</Tag> },
                  { title: t('rollout.message'), key: 'message', render: (_: unknown, p) => <Typography.Text type="secondary">{p.message ?? ''}</Typography.Text> },
                ]}
              />
            </div>
          )}
        </Space>
      )}
    </Card>
  );
}

function CronPanel({ clusterId, target, object }: WorkloadProps) {
  const { t, lang } = useI18n();
  const schedule = scheduleOf(object);
  const words = cronInWords(schedule, lang);
  const status = ((object as { status?: { lastScheduleTime?: string; active?: { name: string }[] } }).status ?? {}) as { lastScheduleTime?: string; active?: { name: string; namespace?: string }[] };
  return (
    <Card size="small" title={t('cron.title')} data-testid="cron-panel">
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('cron.schedule')}>
          <Space>
            <span data-testid="cron-words">{words ?? schedule ?? '-'}</span>
            {words && <Typography.Text type="secondary" className="kd-mono">{schedule}</Typography.Text>}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('cron.suspended')}>{isSuspended(object) ? <Tag color="gold">{t('common.yes')}</Tag> : t('common.no')}</Descriptions.Item>
        <Descriptions.Item label={t('cron.lastSchedule')}>
          <span data-testid="cron-last-schedule">{status.lastScheduleTime ? <Tooltip title={formatDateTime(status.lastScheduleTime, lang)}>{formatRelative(status.lastScheduleTime, lang)}</Tooltip> : '-'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('cron.active')}>
          <span data-testid="cron-active">
            {status.active?.length ? (
              <Space size={[8, 4]} wrap>
                {status.active.map((a) => (
                  <Link key={a.name} to={objectHref(clusterId, 'jobs', a.namespace ?? target.namespace, a.name)}>
                    {a.name}
                  </Link>
                ))}
              </Space>
            ) : (
              '-'
            )}
          </span>
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function HpaPanel({ clusterId, kind, target, object }: WorkloadProps) {
  const { t } = useI18n();
  const { me } = useAuth();
  const registry = useKinds(clusterId);
  const [editing, setEditing] = useState(false);
  const v = hpaView(object);
  const [tk, tn] = v.target.split('/');
  const targetKind = registry.byKind(tk);
  return (
    <Card
      size="small"
      title={t('hpa.title')}
      data-testid="hpa-panel"
      extra={
        canWriteKind(me, kind) && (
          <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="hpa-edit">
            {t('hpa.editByForm')}
          </Button>
        )
      }
    >
      <Descriptions column={{ xs: 1, md: 2 }} size="small">
        <Descriptions.Item label={t('hpa.target')}>{targetKind ? <Link to={objectHref(clusterId, targetKind.name, target.namespace, tn)}>{v.target}</Link> : v.target}</Descriptions.Item>
        <Descriptions.Item label={t('hpa.minMax')}>{`${v.min} – ${v.max}`}</Descriptions.Item>
        <Descriptions.Item label={t('hpa.replicas')}>
          <span data-testid="hpa-replicas">{v.current === null ? '-' : t('hpa.replicasNow', { current: v.current, desired: v.desired ?? '-' })}</span>
        </Descriptions.Item>
      </Descriptions>
      <Table
        size="small"
        pagination={false}
        rowKey="resource"
        data-testid="hpa-metrics"
        dataSource={v.metrics}
        locale={{ emptyText: t('hpa.noMetrics') }}
        columns={[
          { title: t('hpa.metric'), key: 'r', render: (_: unknown, m: (typeof v.metrics)[number]) => t(`hpa.resource.${m.resource === 'memory' ? 'memory' : 'cpu'}`) },
          {
            title: t('hpa.currentTarget'),
            key: 'ct',
            render: (_: unknown, m: (typeof v.metrics)[number]) => (
              <Space>
                <span className="kd-mono">{`${m.current === null ? '<unknown>' : `${m.current}%`} / ${m.target === null ? '-' : `${m.target}%`}`}</span>
                {m.current !== null && m.target !== null && <Progress percent={Math.min(100, Math.round((m.current / m.target) * 100))} size="small" style={{ width: 120 }} status={m.current > m.target ? 'exception' : 'normal'} showInfo={false} />}
              </Space>
            ),
          },
        ]}
      />
      {v.conditions.length > 0 && (
        <Space wrap style={{ marginTop: 8 }}>
          {v.conditions.map((c) => (
            <Tooltip key={c.type} title={c.message}>
              <Tag color={c.status === 'True' ? 'green' : 'default'}>
                {c.type}: {c.reason ?? c.status}
              </Tag>
            </Tooltip>
          ))}
        </Space>
      )}
      {editing && <HpaForm clusterId={clusterId} namespace={target.namespace ?? 'default'} existing={object} onClose={() => setEditing(false)} />}
    </Card>
  );
}
