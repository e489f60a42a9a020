// A namespace's page beyond the generic detail (issue 15): what it holds (objects per kind, from the server's
// watched stores), why a Terminating namespace is stuck (its finalizers and conditions), and a labels/annotations
// editor that saves through the engine's replace (guarded by the resourceVersion it read).
import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/common';
import { replaceResource, type KindInfo, type KubeObject } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { canWriteKind, kindHref } from '../../lib/resources';
import { useAuth } from '../../auth';
import { toYaml } from '../../lib/yaml';
import { getNamespaceContents, type KindCount, type NamespaceContents } from './api';
import { parseLabels } from './form';

const contentsKey = (clusterId: string, name: string) => ['namespace-contents', clusterId, name];

export function useNamespaceContents(clusterId: string, name: string, refetchInterval: number | false = 10_000) {
  return useQuery({ queryKey: contentsKey(clusterId, name), queryFn: () => getNamespaceContents(clusterId, name), refetchInterval });
}

/** Objects per kind, each kind linking to its list filtered to the namespace. */
export function ContentsTable({ clusterId, contents }: { clusterId: string; contents: NamespaceContents }) {
  const { t } = useI18n();
  return (
    <Table<KindCount>
      size="small"
      rowKey="resource"
      dataSource={contents.kinds}
      pagination={false}
      locale={{ emptyText: t('namespace.empty') }}
      data-testid="namespace-contents"
      columns={[
        {
          title: t('resource.kind'),
          key: 'kind',
          width: 200,
          render: (_: unknown, k) => <Link to={`${kindHref(clusterId, k.resource)}?namespace=${encodeURIComponent(contents.namespace)}`}>{k.kind}</Link>,
        },
        { title: t('namespace.count'), dataIndex: 'count', width: 90, render: (n: number) => <span data-testid={`namespace-count-${n}`}>{n}</span> },
        {
          title: t('resource.name'),
          key: 'names',
          render: (_: unknown, k) => (
            <Typography.Text className="kd-mono" type="secondary">
              {k.names.join(', ')}
              {k.count > k.names.length ? ` ${t('resource.andMore', { count: k.count - k.names.length })}` : ''}
            </Typography.Text>
          ),
        },
      ]}
    />
  );
}

/** What the delete confirmation shows: everything that goes with the namespace. */
export function NamespaceDeleteContents({ clusterId, name }: { clusterId: string; name: string }) {
  const { t } = useI18n();
  // kept current while the dialog is open: what goes with the namespace may change
  const q = useNamespaceContents(clusterId, name, 5_000);
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data) return <Card loading size="small" />;
  return (
    <div data-testid="namespace-delete-contents" style={{ marginBottom: 12 }}>
      <Alert
        type={q.data.total > 0 ? 'warning' : 'info'}
        showIcon
        style={{ marginBottom: 8 }}
        message={q.data.total > 0 ? t('namespace.deleteHolds', { count: q.data.total, kinds: q.data.kinds.length }) : t('namespace.deleteEmpty')}
        description={q.data.not_counted.length > 0 ? t('namespace.notCounted', { kinds: q.data.not_counted.join(', ') }) : undefined}
      />
      <div style={{ maxHeight: 240, overflow: 'auto' }}>
        <ContentsTable clusterId={clusterId} contents={q.data} />
      </div>
    </div>
  );
}

/** The overview panel: contents, and while terminating what it waits for. */
export function NamespacePanel({ clusterId, kind, object }: { clusterId: string; kind: KindInfo; object: KubeObject }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const name = object.metadata?.name ?? '';
  const q = useNamespaceContents(clusterId, name);
  const [editing, setEditing] = useState(false);
  if (q.error) return <ErrorAlert error={q.error} />;
  const c = q.data;
  const term = c?.termination;
  const terminating = term?.phase === 'Terminating' || !!term?.deletion_requested_at;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size={16}>
      {terminating && term && (
        <Alert
          type="warning"
          showIcon
          data-testid="namespace-terminating"
          message={t('namespace.terminating', { since: term.deletion_requested_at ?? '' })}
          description={
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('namespace.finalizers')}>
                <Space wrap>
                  {[...term.finalizers, ...term.metadata_finalizers].map((f) => (
                    <Tag key={f} className="kd-mono">
                      {f}
                    </Tag>
                  ))}
                  {term.finalizers.length + term.metadata_finalizers.length === 0 && '-'}
                </Space>
              </Descriptions.Item>
              {term.conditions
                .filter((cd) => cd.status === 'True')
                .map((cd) => (
                  <Descriptions.Item key={cd.type} label={<span className="kd-mono">{cd.type}</span>}>
                    <span data-testid="namespace-condition">{cd.message ?? cd.reason}</span>
                  </Descriptions.Item>
                ))}
              <Descriptions.Item label={t('namespace.remaining')}>{t('namespace.remainingCount', { count: c?.total ?? 0 })}</Descriptions.Item>
            </Descriptions>
          }
        />
      )}
      <Card
        size="small"
        loading={!c}
        title={c ? t('namespace.holds', { count: c.total }) : t('namespace.contents')}
        extra={
          canWriteKind(me, kind) && (
            <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="namespace-edit-metadata">
              {t('namespace.editMetadata')}
            </Button>
          )
        }
      >
        {c && <ContentsTable clusterId={clusterId} contents={c} />}
      </Card>
      {editing && <MetadataEditor clusterId={clusterId} kind={kind} object={object} onClose={() => setEditing(false)} />}
    </Space>
  );
}

const asLines = (m: Record<string, string> | undefined) =>
  Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

/** Labels and annotations as `key=value` lines, saved by replacing the object read (a concurrent change is a 409). */
function MetadataEditor({ clusterId, kind, object, onClose }: { clusterId: string; kind: KindInfo; object: KubeObject; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const name = object.metadata?.name ?? '';
  const [form] = Form.useForm<{ labels: string; annotations: string }>();
  const save = useMutation({
    mutationFn: (v: { labels: string; annotations: string }) => {
      const next = { ...object, metadata: { ...object.metadata, labels: parseLabels(v.labels).labels, annotations: parseLabels(v.annotations).labels } };
      return replaceResource(clusterId, kind, { name }, toYaml(next), false);
    },
    onSuccess: () => {
      message.success(t('common.saved'));
      qc.invalidateQueries({ queryKey: ['resource', clusterId, kind.name] });
      onClose();
    },
  });
  const lines = (v: string) => (parseLabels(v ?? '').bad ? Promise.reject(new Error(t('namespace.labelLine', { line: parseLabels(v).bad ?? '' }))) : Promise.resolve());
  return (
    <Modal
      open
      title={t('namespace.editMetadataTitle', { name })}
      okText={t('common.save')}
      okButtonProps={{ loading: save.isPending, 'data-testid': 'namespace-metadata-save' } as never}
      onOk={() => form.validateFields().then((v) => save.mutate(v))}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" initialValues={{ labels: asLines(object.metadata?.labels), annotations: asLines(object.metadata?.annotations) }}>
        <Form.Item name="labels" label={t('node.labels')} extra={t('namespace.labelsHint')} rules={[{ validator: (_, v) => lines(v) }]}>
          <Input.TextArea rows={4} className="kd-mono" data-testid="namespace-metadata-labels" />
        </Form.Item>
        <Form.Item name="annotations" label={t('pod.annotations')} rules={[{ validator: (_, v) => lines(v) }]}>
          <Input.TextArea rows={4} className="kd-mono" data-testid="namespace-metadata-annotations" />
        </Form.Item>
      </Form>
      {save.error ? <Alert type="error" showIcon message={errorText(t, save.error)} /> : null}
    </Modal>
  );
}
