// The Alerts page (issue 16): a cluster's alerts (`/clusters/:id/alerts`, with its rules and silences as tabs) or
// every cluster's (`/alerts`). Filters and page live in the URL; firing, pending and resolved alerts have their
// own colours; acknowledge, resolve with a reason, and silence from an alert with its labels prefilled.
import { App, Button, Form, Input, InputNumber, Modal, Select, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { CheckOutlined, ReloadOutlined, StopOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { ErrorAlert, PageHeader, TimeAgo } from '../../components/common';
import { can } from '../../lib/permissions';
import { intParam, patchParams, type ParamPatch } from '../../lib/urlstate';
import { ackAlert, createSilence, filtersFromParams, listAlerts, resolveAlert, type Alert, type Matcher } from './api';
import { RulesTab } from './RulesTab';
import { SilencesTab } from './SilencesTab';
import { alertObject, builtinText, MATCH_OPS, matcherOf, matchersFor, opOf, severityColor, stateColor, type MatchOp } from './view';
import AlertDeliveries from '../channels/AlertDeliveries';

export default function AlertsPage() {
  const { clusterId } = useParams();
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'alerts';
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  if (!clusterId) {
    return (
      <>
        <PageHeader title={t('alerts.titleAll')} />
        <AlertTable />
      </>
    );
  }
  return (
    <>
      <PageHeader title={t('nav.alerts')} />
      <Tabs
        activeKey={tab}
        onChange={(k) => set({ tab: k === 'alerts' ? undefined : k, page: undefined })}
        items={[
          { key: 'alerts', label: t('alerts.tab.alerts'), children: <AlertTable clusterId={clusterId} /> },
          { key: 'rules', label: t('alerts.tab.rules'), children: <RulesTab clusterId={clusterId} /> },
          { key: 'silences', label: t('alerts.tab.silences'), children: <SilencesTab clusterId={clusterId} /> },
        ]}
      />
    </>
  );
}

function AlertTable({ clusterId }: { clusterId?: string }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const page = intParam(params.get('page'), 1);
  const pageSize = intParam(params.get('page_size'), 50, 500);
  const filters = filtersFromParams(params);
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  const [resolving, setResolving] = useState<Alert | null>(null);
  const [silencing, setSilencing] = useState<Alert | null>(null);
  const write = can(me, 'alert.write');

  const q = useQuery({
    queryKey: ['alerts', clusterId ?? 'all', filters, page, pageSize],
    queryFn: () => listAlerts(clusterId, filters, page, pageSize),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const done = () => {
    qc.invalidateQueries({ queryKey: ['alerts'] });
    qc.invalidateQueries({ queryKey: ['alerts-firing'] });
  };
  const ack = useMutation({ mutationFn: (a: Alert) => ackAlert(a.cluster_id, a.id), onSuccess: () => (message.success(t('alerts.acked')), done()) });

  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          allowClear
          placeholder={t('alerts.state')}
          style={{ width: 140 }}
          value={filters.state}
          onChange={(v) => set({ state: v, page: undefined })}
          options={['firing', 'pending', 'resolved'].map((v) => ({ value: v, label: t(`alerts.state.${v}`) }))}
          data-testid="alerts-filter-state"
        />
        <Select
          allowClear
          placeholder={t('alerts.severity')}
          style={{ width: 140 }}
          value={filters.severity}
          onChange={(v) => set({ severity: v, page: undefined })}
          options={['critical', 'warning', 'info'].map((v) => ({ value: v, label: t(`alerts.severity.${v}`) }))}
        />
        <Input.Search
          key={`rule-${filters.rule ?? ''}`}
          allowClear
          defaultValue={filters.rule}
          placeholder={t('alerts.rule')}
          style={{ width: 240 }}
          onSearch={(v) => set({ rule: v.trim(), page: undefined })}
        />
        <Input.Search
          key={`ns-${filters.namespace ?? ''}`}
          allowClear
          defaultValue={filters.namespace}
          placeholder={t('alerts.namespace')}
          style={{ width: 180 }}
          onSearch={(v) => set({ namespace: v.trim(), page: undefined })}
        />
        <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
          {t('common.refresh')}
        </Button>
      </Space>
      <ErrorAlert error={q.error ?? ack.error} />
      <Table<Alert>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items}
        data-testid="alerts-table"
        locale={{ emptyText: t('alerts.none') }}
        scroll={{ x: 1100 }}
        pagination={{ current: page, pageSize, total: q.data?.total, showSizeChanger: true, onChange: (p, ps) => set({ page: p, page_size: ps }) }}
        expandable={{ expandedRowRender: (a) => <AlertDetail alert={a} /> }}
        columns={[
          {
            title: t('alerts.state'),
            dataIndex: 'state',
            width: 120,
            render: (s: string, a) => (
              <Space size={2}>
                <Tag color={stateColor(s)} data-testid={`alert-state-${a.id}`}>
                  {t(`alerts.state.${s}`)}
                </Tag>
                {a.silenced_by != null && (
                  <Tooltip title={t('alerts.silencedBy', { id: a.silenced_by })}>
                    <StopOutlined />
                  </Tooltip>
                )}
              </Space>
            ),
          },
          { title: t('alerts.severity'), dataIndex: 'severity', width: 100, render: (s: string) => <Tag color={severityColor(s)}>{t(`alerts.severity.${s}`)}</Tag> },
          { title: t('alerts.rule'), dataIndex: 'rule', width: 230, render: (r: string) => <span className="kd-mono">{r}</span> },
          ...(clusterId ? [] : [{ title: t('alerts.cluster'), key: 'cluster', width: 140, render: (_: unknown, a: Alert) => <Link to={`/clusters/${a.cluster_id}/alerts`}>{a.labels.cluster ?? a.cluster_id}</Link> }]),
          { title: t('alerts.object'), key: 'object', width: 220, render: (_: unknown, a: Alert) => <span className="kd-mono">{alertObject(a.labels)}</span> },
          {
            title: t('alerts.summary'),
            key: 'summary',
            render: (_: unknown, a: Alert) => {
              const key = builtinText('summary', a.rule, a.source);
              return key ? t(key) : (a.annotations.summary ?? '');
            },
          },
          { title: t('alerts.since'), key: 'since', width: 110, render: (_: unknown, a: Alert) => <TimeAgo at={a.starts_at ?? a.active_at} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            width: 250,
            render: (_: unknown, a: Alert) =>
              write && a.state !== 'resolved' ? (
                <Space size={4}>
                  <Button size="small" disabled={!!a.acknowledged_by} onClick={() => ack.mutate(a)} data-testid={`alert-ack-${a.id}`}>
                    {a.acknowledged_by ? t('alerts.ackedBy', { user: a.acknowledged_by }) : t('alerts.ack')}
                  </Button>
                  <Button size="small" icon={<CheckOutlined />} onClick={() => setResolving(a)} data-testid={`alert-resolve-${a.id}`}>
                    {t('alerts.resolve')}
                  </Button>
                  <Button size="small" icon={<StopOutlined />} onClick={() => setSilencing(a)} data-testid={`alert-silence-${a.id}`}>
                    {t('alerts.silence')}
                  </Button>
                </Space>
              ) : null,
          },
        ]}
      />
      {resolving && <ResolveDialog alert={resolving} onClose={() => setResolving(null)} onDone={done} />}
      {silencing && <SilenceDialog clusterId={silencing.cluster_id} matchers={matchersFor(silencing.labels)} onClose={() => setSilencing(null)} onDone={done} />}
    </>
  );
}

function AlertDetail({ alert: a }: { alert: Alert }) {
  const { t } = useI18n();
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }}>
      {a.annotations.description && <Typography.Text>{a.annotations.description}</Typography.Text>}
      <div>
        {Object.entries(a.labels).map(([k, v]) => (
          <Tag key={k} className="kd-mono">
            {k}={v}
          </Tag>
        ))}
      </div>
      <Typography.Text type="secondary">
        {t('alerts.detail', { source: a.source, notified: t(`alerts.notified.${a.notified_state}`), fingerprint: a.fingerprint.slice(0, 12) })}
      </Typography.Text>
      {a.resolved_by && <Typography.Text type="secondary">{t('alerts.resolvedBy', { user: a.resolved_by, why: a.resolved_why ?? '' })}</Typography.Text>}
      <AlertDeliveries clusterId={a.cluster_id} alertId={a.id} />
    </Space>
  );
}

function ResolveDialog({ alert, onClose, onDone }: { alert: Alert; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const m = useMutation({ mutationFn: () => resolveAlert(alert.cluster_id, alert.id, reason.trim()), onSuccess: () => (onDone(), onClose()) });
  return (
    <Modal open title={t('alerts.resolveTitle', { rule: alert.rule })} onCancel={onClose} onOk={() => m.mutate()} okButtonProps={{ disabled: !reason.trim(), loading: m.isPending, 'data-testid': 'alert-resolve-ok' }}>
      <Typography.Paragraph type="secondary">{t('alerts.resolveHelp')}</Typography.Paragraph>
      <ErrorAlert error={m.error} />
      <Input.TextArea rows={3} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('alerts.reason')} data-testid="alert-resolve-reason" />
    </Modal>
  );
}

export function SilenceDialog({ clusterId, matchers, onClose, onDone }: { clusterId: number | string; matchers: Matcher[]; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  type Row = { name: string; op: MatchOp; value: string };
  const [form] = Form.useForm<{ matchers: Row[]; hours: number; comment: string }>();
  const rows: Row[] = matchers.map((x) => ({ name: x.name, op: opOf(x), value: x.value }));
  const m = useMutation({
    mutationFn: (v: { matchers: Row[]; hours: number; comment: string }) =>
      createSilence(clusterId, { matchers: v.matchers.map((x) => matcherOf(x.name, x.op, x.value ?? '')), duration_secs: Math.round(v.hours * 3600), comment: v.comment ?? '' }),
    onSuccess: () => (onDone(), onClose()),
  });
  return (
    <Modal open title={t('alerts.silenceTitle')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: m.isPending, 'data-testid': 'silence-ok' }} width={640}>
      <Typography.Paragraph type="secondary">{t('alerts.silenceHelp')}</Typography.Paragraph>
      <ErrorAlert error={m.error} />
      <Form form={form} layout="vertical" initialValues={{ matchers: rows, hours: 2, comment: '' }} onFinish={(v) => m.mutate(v)}>
        <Form.List name="matchers">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline">
                  <Form.Item name={[f.name, 'name']} rules={[{ required: true }]}>
                    <Input placeholder={t('alerts.label')} style={{ width: 180 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'op']} tooltip={t('alerts.matchOpHelp')}>
                    <Select style={{ width: 76 }} options={MATCH_OPS.map((op) => ({ value: op, label: op }))} data-testid="silence-op" />
                  </Form.Item>
                  <Form.Item name={[f.name, 'value']}>
                    <Input placeholder={t('alerts.value')} style={{ width: 220 }} />
                  </Form.Item>
                  <Button type="link" onClick={() => remove(f.name)}>
                    {t('common.delete')}
                  </Button>
                </Space>
              ))}
              <Button onClick={() => add({ name: '', value: '', op: '=' })}>{t('alerts.addMatcher')}</Button>
            </>
          )}
        </Form.List>
        <Form.Item name="hours" label={t('alerts.silenceHours')} rules={[{ required: true }]} style={{ marginTop: 16 }}>
          <InputNumber min={0.1} max={8760} step={1} />
        </Form.Item>
        <Form.Item name="comment" label={t('alerts.comment')}>
          <Input maxLength={1000} data-testid="silence-comment" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
