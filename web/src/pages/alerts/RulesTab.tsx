// A cluster's alert rules (issue 16): the built-in rules under kube-prometheus' names and the cluster's own
// threshold rules; enable or disable, threshold, `for`, severity, namespaces; add or remove a threshold rule.
import { App, Button, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/common';
import { can } from '../../lib/permissions';
import { createRule, deleteRule, listRules, updateRule, type AlertRule } from './api';
import { builtinText, severityColor, shortDuration } from './view';

const METRICS = ['node_cpu_percent', 'node_memory_percent', 'node_disk_percent', 'volume_used_percent', 'pod_restarts'];

interface RuleForm {
  name?: string;
  metric?: string;
  operator?: string;
  threshold?: number | null;
  for_secs?: number;
  severity?: string;
  namespaces?: string;
  group_by?: string[];
}

// labels the built-in rules' alerts carry, offered for grouping (any other label name can be typed)
const GROUP_LABELS = ['namespace', 'severity', 'node', 'pod', 'deployment', 'persistentvolumeclaim'];

export function RulesTab({ clusterId }: { clusterId: string }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const admin = can(me, 'alert.admin');
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const q = useQuery({ queryKey: ['alert-rules', clusterId], queryFn: () => listRules(clusterId) });
  const done = () => qc.invalidateQueries({ queryKey: ['alert-rules', clusterId] });
  const toggle = useMutation({
    mutationFn: (r: AlertRule) => updateRule(clusterId, r.name, { enabled: !r.enabled }),
    onSuccess: () => (message.success(t('common.saved')), done()),
  });
  const remove = useMutation({ mutationFn: (r: AlertRule) => deleteRule(clusterId, r.name), onSuccess: done });

  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Typography.Text type="secondary">{t('alerts.rulesHelp')}</Typography.Text>
        {admin && (
          <Button icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="rule-add">
            {t('alerts.addRule')}
          </Button>
        )}
      </Space>
      <ErrorAlert error={q.error ?? toggle.error ?? remove.error} />
      <Table<AlertRule>
        rowKey="name"
        size="small"
        loading={q.isLoading}
        dataSource={q.data}
        pagination={false}
        data-testid="rules-table"
        columns={[
          {
            title: t('alerts.enabled'),
            dataIndex: 'enabled',
            width: 80,
            render: (v: boolean, r) => <Switch size="small" checked={v} disabled={!admin} loading={toggle.isPending && toggle.variables?.name === r.name} onChange={() => toggle.mutate(r)} data-testid={`rule-enabled-${r.name}`} />,
          },
          {
            title: t('alerts.rule'),
            dataIndex: 'name',
            width: 260,
            render: (n: string, r) => (
              <Space size={4}>
                <span className="kd-mono">{n}</span>
                {r.custom && <Tag>{t('alerts.custom')}</Tag>}
                {!r.custom && r.changed && <Tag color="blue">{t('alerts.changed')}</Tag>}
              </Space>
            ),
          },
          { title: t('alerts.condition'), dataIndex: 'condition', render: (c: string, r) => (r.custom ? c : t(builtinText('condition', r.name) ?? c)) },
          {
            title: t('alerts.threshold'),
            key: 'threshold',
            width: 110,
            render: (_: unknown, r) => (r.threshold == null ? '-' : `${r.threshold}${r.unit === 'percent' ? '%' : r.unit === 'days' ? ` ${t('alerts.days')}` : ''}`),
          },
          { title: t('alerts.for'), dataIndex: 'for_secs', width: 80, render: (s: number) => shortDuration(s) },
          { title: t('alerts.severity'), dataIndex: 'severity', width: 100, render: (s: string) => <Tag color={severityColor(s)}>{t(`alerts.severity.${s}`)}</Tag> },
          { title: t('alerts.namespaces'), dataIndex: 'namespaces', width: 140, render: (ns: string[]) => (ns.length ? ns.join(', ') : t('alerts.allNamespaces')) },
          { title: t('alerts.groupBy'), dataIndex: 'group_by', width: 120, render: (g: string[]) => <span data-testid="rule-group-by">{g.length ? g.join(', ') : '-'}</span> },
          {
            title: t('common.actions'),
            key: 'actions',
            width: 160,
            render: (_: unknown, r) =>
              admin ? (
                <Space size={4}>
                  <Button size="small" onClick={() => setEditing(r)} data-testid={`rule-edit-${r.name}`}>
                    {t('common.edit')}
                  </Button>
                  {(r.custom || r.changed) && (
                    <Popconfirm title={r.custom ? t('alerts.deleteRule') : t('alerts.resetRule')} onConfirm={() => remove.mutate(r)}>
                      <Button size="small" danger>
                        {r.custom ? t('common.delete') : t('alerts.reset')}
                      </Button>
                    </Popconfirm>
                  )}
                </Space>
              ) : null,
          },
        ]}
      />
      {editing && <RuleDialog clusterId={clusterId} rule={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onDone={done} />}
    </>
  );
}

function RuleDialog({ clusterId, rule, onClose, onDone }: { clusterId: string; rule: AlertRule | null; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<RuleForm>();
  const m = useMutation({
    mutationFn: (v: RuleForm) => {
      const namespaces = (v.namespaces ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (!rule) {
        return createRule(clusterId, { name: v.name ?? '', metric: v.metric ?? '', operator: v.operator ?? '>', threshold: v.threshold ?? 0, for_secs: v.for_secs ?? 0, severity: v.severity, namespaces, group_by: v.group_by ?? [] });
      }
      return updateRule(clusterId, rule.name, { threshold: rule.threshold == null && v.threshold == null ? undefined : v.threshold ?? null, for_secs: v.for_secs ?? null, severity: v.severity ?? null, namespaces, group_by: v.group_by ?? [] });
    },
    onSuccess: () => (onDone(), onClose()),
  });
  return (
    <Modal open title={rule ? rule.name : t('alerts.addRule')} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: m.isPending, 'data-testid': 'rule-save' }}>
      <ErrorAlert error={m.error} />
      {rule && <Typography.Paragraph type="secondary">{rule.custom ? rule.condition : t(builtinText('condition', rule.name) ?? rule.condition)}</Typography.Paragraph>}
      <Form
        form={form}
        layout="vertical"
        initialValues={rule ? { threshold: rule.threshold, for_secs: rule.for_secs, severity: rule.severity, namespaces: rule.namespaces.join(', '), group_by: rule.group_by } : { operator: '>', for_secs: 300, severity: 'warning', group_by: [] }}
        onFinish={(v) => m.mutate(v)}
      >
        {!rule && (
          <>
            <Form.Item name="name" label={t('alerts.ruleName')} rules={[{ required: true, pattern: /^[A-Za-z0-9_]{1,128}$/ }]}>
              <Input placeholder="PodRestartsHigh" />
            </Form.Item>
            <Space>
              <Form.Item name="metric" label={t('alerts.metric')} rules={[{ required: true }]}>
                <Select style={{ width: 220 }} options={METRICS.map((m) => ({ value: m, label: t(`alerts.metric.${m}`) }))} />
              </Form.Item>
              <Form.Item name="operator" label=" ">
                <Select style={{ width: 70 }} options={['>', '>=', '<', '<='].map((o) => ({ value: o, label: o }))} />
              </Form.Item>
            </Space>
          </>
        )}
        {(!rule || rule.threshold != null || rule.default_threshold != null) && (
          <Form.Item name="threshold" label={t('alerts.threshold')} rules={rule ? [] : [{ required: true }]}>
            <InputNumber style={{ width: 160 }} data-testid="rule-threshold" />
          </Form.Item>
        )}
        <Form.Item name="for_secs" label={t('alerts.forSecs')}>
          <InputNumber min={0} max={604800} style={{ width: 160 }} data-testid="rule-for" />
        </Form.Item>
        <Form.Item name="severity" label={t('alerts.severity')}>
          <Select style={{ width: 160 }} options={['critical', 'warning', 'info'].map((s) => ({ value: s, label: t(`alerts.severity.${s}`) }))} />
        </Form.Item>
        <Form.Item name="namespaces" label={t('alerts.namespaces')} extra={t('alerts.namespacesHelp')}>
          <Input placeholder="prod, shop" />
        </Form.Item>
        <Form.Item name="group_by" label={t('alerts.groupBy')} extra={t('alerts.groupByHelp')}>
          <Select mode="tags" style={{ width: '100%' }} tokenSeparators={[',', ' ']} options={GROUP_LABELS.map((l) => ({ value: l, label: l }))} data-testid="rule-group-by-select" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
