// One detail page for every kind (issue 13): overview (the row's cells, status, owner, labels, annotations,
// related objects), events, the YAML, edit in the YAML editor, delete with a propagation choice.
import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Row, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, EyeOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { deleteResource, getResource, getResourceEvents, type KindInfo, type RelatedObject } from '../../api/resources';
import type { KubeEvent } from '../../api/types';
import { ErrorAlert, LabelTags, PageHeader } from '../../components/common';
import { EventsTable } from '../nodes/NodeDetailPage';
import { formatAge, formatDateTime } from '../../lib/format';
import { patchParams } from '../../lib/urlstate';
import { canDeleteKind, canWriteKind, cellsByKey, formatCell, isSecretKind, kindHref, kindPlural, namespaceOfParam, NONE, objectHref, relatedHref } from '../../lib/resources';
import { LIST_REFRESH_MS, LIVE_SAFETY_MS, useChanges, useKinds } from '../../lib/useKinds';
import { DeleteDialog, HealthTag, ResourceYaml, YamlEditor, type DeleteOptions } from './common';
// workload verbs, rollout, history, schedule and HPA panels (issue 14), per kind
import { hasVerb } from '../../lib/workloads';
import { WorkloadActions } from '../workloads/WorkloadActions';
import { WorkloadOverview } from '../workloads/WorkloadPanels';
import PodMetricsCharts from '../metrics/PodMetricsCharts';
import { WORKLOAD_METRIC_KINDS } from '../../api/podMetrics';
import { HistoryTab } from '../workloads/HistoryTab';
import AppMetricsTab from '../prometheus/AppMetricsTab';
import { APP_METRIC_KINDS } from '../prometheus/view';
// Service, Ingress, Secret and ConfigMap panels (issue 15)
import { KindInsight } from '../network/KindInsight';
// namespace, quota, limit range, claim and storage class panels (issue 15), per kind
import { KindOverview } from '../storage/KindOverview';
import { NamespaceDeleteContents } from '../namespaces/NamespacePanels';

export default function ResourceDetailPage() {
  const { clusterId = '', name = '', ns, objname = '' } = useParams();
  const namespace = namespaceOfParam(ns);
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'overview';
  const registry = useKinds(clusterId);
  const known = registry.byName(name);
  const registrySettled = registry.query.isFetched || registry.query.isError;
  const kind: KindInfo = known ?? {
    name,
    kind: name,
    group: '',
    version: null,
    namespaced: namespace !== null,
    category: 'custom_resources',
    tier: 'platform',
    columns: [],
  };
  const ref = { name: objname, namespace };
  const secret = isSecretKind(kind);
  const mayReveal = secret && can(me, 'secret.read');
  // revealed values are asked for once (each reveal is audited), never polled
  const [reveal, setReveal] = useState(false);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  // refetched on the server's change notices for the kind when they are live, polled when not
  const pushed = useChanges(registrySettled ? clusterId : undefined, [name]);
  const q = useQuery({
    queryKey: ['resource', clusterId, name, namespace, objname, reveal],
    queryFn: () => getResource(clusterId, kind, ref, reveal),
    enabled: registrySettled,
    refetchInterval: reveal ? false : pushed ? LIVE_SAFETY_MS : LIST_REFRESH_MS,
  });
  const events = useQuery({
    queryKey: ['resource-events', clusterId, name, namespace, objname],
    queryFn: () => getResourceEvents(clusterId, kind, ref),
    enabled: registrySettled && tab === 'events',
    refetchInterval: 10_000,
  });
  const del = useMutation({
    mutationFn: (o: DeleteOptions) => deleteResource(clusterId, kind, ref, { propagation: o.propagation, grace_period_seconds: o.grace ?? undefined }),
    onSuccess: () => {
      message.success(t('resource.deleted', { kind: kind.kind, name: objname }));
      qc.invalidateQueries({ queryKey: ['resources', clusterId, name] });
      navigate(kindHref(clusterId, name) + (namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''));
    },
  });

  const d = q.data;
  const columns = d?.columns ?? kind.columns;
  const cells = useMemo(() => (d ? cellsByKey(columns, d.row.cells) : []), [d, columns]);
  const annotations = (d?.object?.metadata?.annotations ?? {}) as Record<string, string>;
  const dataKeys = Object.keys(((d?.object as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>);
  const label = kindPlural(kind.kind);
  const mayWrite = canWriteKind(me, kind) && (!secret || mayReveal);
  const mayDelete = canDeleteKind(me, kind);
  const setTab = (k: string) => setParams((prev) => patchParams(prev, { tab: k === 'overview' ? undefined : k, page: undefined }), { replace: true });

  if (q.error) return <ErrorAlert error={q.error} />;
  if (!d) return <Card loading />;
  const owner = d.row.owner;
  const ownerKind = owner ? registry.byKind(owner.kind) : undefined;

  return (
    <>
      <PageHeader
        title={
          <Space>
            <span data-testid="resource-title">{d.row.name}</span>
            {d.row.status && <HealthTag status={d.row.status} health={d.row.health} />}
          </Space>
        }
        sub={
          <span>
            <Link to={kindHref(clusterId, name)}>{label}</Link>
            {namespace && (
              <>
                {' · '}
                <Link to={`${kindHref(clusterId, name)}?namespace=${encodeURIComponent(namespace)}`}>{namespace}</Link>
              </>
            )}
            {' · '}
            <span className="kd-mono">{d.api_version}</span>
          </span>
        }
        extra={
          <>
            <WorkloadActions clusterId={clusterId} kind={kind} target={ref} object={d.object} />
            {mayReveal && d.redacted && (
              <Button icon={<EyeOutlined />} onClick={() => setReveal(true)} data-testid="secret-reveal">
                {t('resource.reveal')}
              </Button>
            )}
            {mayWrite && (
              <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="resource-edit" disabled={kind.version === null && !!known}>
                {t('common.edit')}
              </Button>
            )}
            {mayDelete && (
              <Button danger icon={<DeleteOutlined />} onClick={() => setDeleting(true)} data-testid="resource-delete">
                {t('common.delete')}
              </Button>
            )}
          </>
        }
      />
      {secret && d.redacted && <Alert type="info" showIcon style={{ marginBottom: 16 }} message={mayReveal ? t('resource.redactedMayReveal') : t('resource.redacted')} />}
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: 'overview',
            label: t('node.tab.overview'),
            children: (
              <Row gutter={[16, 16]}>
                <WorkloadOverview clusterId={clusterId} kind={kind} target={ref} object={d.object} />
                <KindInsight clusterId={clusterId} kind={kind} target={ref} object={d.object} />
                <KindOverview clusterId={clusterId} kind={kind} target={ref} object={d.object} />
                <Col xs={24} xl={12}>
                  <Card size="small" title={d.kind}>
                    <Descriptions column={1} size="small" data-testid="resource-overview">
                      <Descriptions.Item label={t('resource.name')}>{d.row.name}</Descriptions.Item>
                      {namespace && <Descriptions.Item label={t('resource.namespace')}>{namespace}</Descriptions.Item>}
                      {d.row.status && (
                        <Descriptions.Item label={t('resource.status')}>
                          <HealthTag status={d.row.status} health={d.row.health} />
                        </Descriptions.Item>
                      )}
                      {cells.map(({ column, value }) => (
                        <Descriptions.Item key={column.key} label={column.header}>
                          {formatCell(column, value) === NONE ? (
                            <Typography.Text type="secondary">{NONE}</Typography.Text>
                          ) : column.type === 'date' ? (
                            <Tooltip title={formatDateTime(value, lang)}>{formatCell(column, value)}</Tooltip>
                          ) : (
                            <span className="kd-mono">{value}</span>
                          )}
                        </Descriptions.Item>
                      ))}
                      <Descriptions.Item label={t('resource.owner')}>
                        {owner ? (
                          <span>
                            <Tag>{owner.kind}</Tag>
                            {ownerKind ? <Link to={objectHref(clusterId, ownerKind.name, ownerKind.namespaced ? namespace : null, owner.name)}>{owner.name}</Link> : owner.name}
                          </span>
                        ) : (
                          <Typography.Text type="secondary">-</Typography.Text>
                        )}
                      </Descriptions.Item>
                      <Descriptions.Item label={t('common.age')}>
                        <Tooltip title={formatDateTime(d.row.created_at, lang)}>{formatAge(d.row.created_at)}</Tooltip>
                      </Descriptions.Item>
                      {dataKeys.length > 0 && (
                        <Descriptions.Item label={t('resource.dataKeys')}>
                          <Space size={[4, 4]} wrap>
                            {dataKeys.map((k) => (
                              <Tag key={k} className="kd-mono">
                                {k}
                              </Tag>
                            ))}
                          </Space>
                        </Descriptions.Item>
                      )}
                    </Descriptions>
                  </Card>
                </Col>
                <Col xs={24} xl={12}>
                  <Card size="small" title={t('node.labels')} style={{ marginBottom: 16 }}>
                    <LabelTags labels={d.row.labels} max={40} />
                  </Card>
                  <Card size="small" title={t('pod.annotations')} style={{ marginBottom: 16 }}>
                    <LabelTags labels={annotations} max={20} />
                  </Card>
                  <Card size="small" title={t('resource.related')}>
                    <RelatedTable clusterId={clusterId} related={d.related} kinds={registry.kinds} />
                  </Card>
                </Col>
              </Row>
            ),
          },
          ...(WORKLOAD_METRIC_KINDS.includes(kind.name) && ref.namespace
            ? [{ key: 'metrics', label: t('node.metricsHistory'), children: <PodMetricsCharts clusterId={clusterId} namespace={ref.namespace} plural={kind.name} name={ref.name} /> }]
            : []),
          ...(hasVerb(kind, 'history') ? [{ key: 'history', label: t('history.tab'), children: <HistoryTab clusterId={clusterId} kind={kind} target={ref} object={d.object} /> }] : []),
          ...(APP_METRIC_KINDS.includes(kind.name) && ref.namespace
            ? [{ key: 'app-metrics', label: t('appMetrics.tab'), children: <AppMetricsTab clusterId={clusterId} plural={kind.name} namespace={ref.namespace} name={ref.name} /> }]
            : []),
          { key: 'events', label: t('node.events'), children: events.error ? <ErrorAlert error={events.error} /> : <EventsTable events={(events.data?.items ?? []) as KubeEvent[]} /> },
          {
            key: 'yaml',
            label: 'YAML',
            children: <ResourceYaml clusterId={clusterId} kind={kind} target={ref} reveal={reveal} enabled={registrySettled && tab === 'yaml'} />,
          },
        ]}
      />
      {editing && (
        <YamlEditor
          clusterId={clusterId}
          kind={kind}
          mode="edit"
          target={ref}
          onClose={() => setEditing(false)}
          onApplied={() => {
            setEditing(false);
            qc.invalidateQueries({ queryKey: ['resource', clusterId, name, namespace, objname] });
            qc.invalidateQueries({ queryKey: ['resource-yaml', clusterId, name, namespace, objname] });
            qc.invalidateQueries({ queryKey: ['resources', clusterId, name] });
          }}
        />
      )}
      {deleting && (
        <DeleteDialog
          names={[namespace ? `${namespace}/${objname}` : objname]}
          kindLabel={kind.kind}
          extra={kind.name === 'namespaces' && !namespace ? <NamespaceDeleteContents clusterId={clusterId} name={objname} /> : undefined}
          pending={del.isPending}
          error={del.error}
          onConfirm={(o) => del.mutate(o)}
          onCancel={() => {
            setDeleting(false);
            del.reset();
          }}
        />
      )}
    </>
  );
}

export function RelatedTable({ clusterId, related, kinds }: { clusterId: string; related: RelatedObject[]; kinds: KindInfo[] }) {
  const { t } = useI18n();
  return (
    <Table<RelatedObject>
      size="small"
      rowKey={(r, i) => `${r.relation}/${r.kind}/${r.namespace}/${r.name}/${i}`}
      dataSource={related}
      pagination={related.length > 20 ? { pageSize: 20 } : false}
      locale={{ emptyText: t('resource.noRelated') }}
      data-testid="resource-related"
      columns={[
        {
          title: t('resource.relation'),
          key: 'relation',
          width: 140,
          render: (_: unknown, r) => {
            const key = `resource.relations.${r.relation}`;
            const s = t(key);
            return s === key ? r.relation : s;
          },
        },
        { title: t('resource.kind'), dataIndex: 'kind', width: 160 },
        {
          title: t('resource.name'),
          key: 'name',
          render: (_: unknown, r) => {
            const href = relatedHref(clusterId, r, kinds);
            const text = r.namespace ? `${r.namespace}/${r.name}` : r.name;
            return href ? <Link to={href}>{text}</Link> : <span>{text}</span>;
          },
        },
      ]}
    />
  );
}
