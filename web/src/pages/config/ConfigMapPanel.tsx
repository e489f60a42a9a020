// A ConfigMap's keys (text sizes; binaryData as sizes only), a CoreDNS Corefile as server blocks (zones, upstreams,
// host entries, plugins), a data editor for multi-line values that shows the
// cluster's diff of the change (a dry run of the generic replace) before saving, and who uses it (issue 15).
import { useState } from 'react';
import { Alert, App, Button, Card, Col, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { ApiError } from '../../api/client';
import { replaceResource, type KindInfo, type KubeObject, type ObjectRef } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { parseUnifiedDiff } from '../../lib/diff';
import { formatBytes } from '../../lib/format';
import { canWriteKind, reportOf } from '../../lib/resources';
import { toYaml } from '../../lib/yaml';
import { DiffView } from '../resources/DiffView';
import type { ConfigMapInsight, Usage } from '../network/api';
import { UsedBy } from './UsedBy';
import { withData } from './configMapData';

export function ConfigMapPanel({ clusterId, kind, target, cm, object, usedBy }: { clusterId: string; kind: KindInfo; target: ObjectRef; cm: ConfigMapInsight; object: KubeObject; usedBy: Usage[] }) {
  const { t } = useI18n();
  const { me } = useAuth();
  const [editing, setEditing] = useState(false);
  const rows = [...cm.data.map((k) => ({ ...k, binary: false })), ...cm.binary.map((k) => ({ ...k, binary: true }))];
  return (
    <>
      <Col xs={24} xl={12}>
        <Card
          size="small"
          title={t('configmap.data')}
          data-testid="configmap-panel"
          extra={
            canWriteKind(me, kind) && (
              <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="configmap-edit-data">
                {t('configmap.editData')}
              </Button>
            )
          }
        >
          <Table
            size="small"
            rowKey="key"
            dataSource={rows}
            pagination={false}
            locale={{ emptyText: t('configmap.empty') }}
            columns={[
              { title: t('secret.key'), dataIndex: 'key', render: (k: string) => <span className="kd-mono">{k}</span> },
              { title: t('secret.size'), dataIndex: 'size', render: (n: number) => formatBytes(n) },
              { title: '', dataIndex: 'binary', render: (b: boolean) => (b ? <Typography.Text type="secondary">{t('configmap.binary')}</Typography.Text> : null) },
            ]}
          />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <UsedBy clusterId={clusterId} ns={target.namespace ?? ''} usedBy={usedBy} />
      </Col>
      {cm.corefile && (
        <Col span={24}>
          <Card size="small" title={t('dns.title')} data-testid="corefile">
            <Table
              size="small"
              rowKey={(b, i) => `${b.zones.join(' ')}/${i}`}
              dataSource={cm.corefile}
              pagination={false}
              columns={[
                {
                  title: t('dns.zones'),
                  key: 'zones',
                  render: (_: unknown, b) => (
                    <Space size={[4, 4]} wrap>
                      <span className="kd-mono">{b.zones.join(' ')}{b.port ? `:${b.port}` : ''}</span>
                      {!b.zones.includes('.') && b.upstreams.length > 0 && <Tag>{t('dns.stubDomain')}</Tag>}
                    </Space>
                  ),
                },
                { title: t('dns.upstreams'), dataIndex: 'upstreams', render: (v: string[]) => (v.length ? <span className="kd-mono">{v.join(', ')}</span> : '-') },
                { title: t('dns.hosts'), dataIndex: 'hosts', render: (v: string[]) => (v.length ? <span className="kd-mono" style={{ whiteSpace: 'pre-line' }}>{v.join('\n')}</span> : '-') },
                { title: t('dns.plugins'), dataIndex: 'plugins', render: (v: string[]) => <Space size={[4, 4]} wrap>{v.map((p, i) => <Tag key={i}>{p}</Tag>)}</Space> },
              ]}
            />
          </Card>
        </Col>
      )}
      {editing && <DataEditor clusterId={clusterId} kind={kind} target={target} object={object} usedBy={usedBy.length} onClose={() => setEditing(false)} />}
    </>
  );
}

function DataEditor({ clusterId, kind, target, object, usedBy, onClose }: { clusterId: string; kind: KindInfo; target: ObjectRef; object: KubeObject; usedBy: number; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [entries, setEntries] = useState<[string, string][]>(Object.entries((object.data ?? {}) as Record<string, string>));
  const [diff, setDiff] = useState<string | null>(null);
  const change = (i: number, at: 0 | 1, v: string) => {
    setDiff(null);
    setEntries((es) => es.map((e, j) => (j === i ? ((at === 0 ? [v, e[1]] : [e[0], v]) as [string, string]) : e)));
  };
  const write = useMutation({
    mutationFn: async (dry: boolean) => {
      const answer = await replaceResource(clusterId, kind, target, toYaml(withData(object, entries)), dry);
      return { dry, report: reportOf(answer, dry) };
    },
    onSuccess: ({ dry, report }) => {
      if (dry) {
        setDiff(report.results[0]?.diff ?? '');
        return;
      }
      message.success(t('configmap.saved', { name: target.name }));
      qc.invalidateQueries({ queryKey: ['resource', clusterId, kind.name] });
      qc.invalidateQueries({ queryKey: ['insight', clusterId, kind.name] });
      onClose();
    },
  });
  return (
    <Modal
      open
      width={860}
      title={t('configmap.editTitle', { name: target.name })}
      onCancel={onClose}
      maskClosable={false}
      footer={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button onClick={() => write.mutate(true)} loading={write.isPending && write.variables} data-testid="configmap-review">
            {t('configmap.review')}
          </Button>
          <Button type="primary" disabled={diff === null} onClick={() => write.mutate(false)} loading={write.isPending && !write.variables} data-testid="configmap-save">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      {usedBy > 0 && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('configmap.usedByWarning', { n: usedBy })} />}
      <Space direction="vertical" style={{ width: '100%' }}>
        {entries.map(([k, v], i) => (
          <Card key={i} size="small" title={<Input value={k} onChange={(e) => change(i, 0, e.target.value)} className="kd-mono" style={{ width: 300 }} data-testid={`configmap-key-${i}`} />} extra={<Button size="small" danger icon={<DeleteOutlined />} onClick={() => { setDiff(null); setEntries((es) => es.filter((_, j) => j !== i)); }} />}>
            <Input.TextArea value={v} onChange={(e) => change(i, 1, e.target.value)} autoSize={{ minRows: 2, maxRows: 16 }} className="kd-mono" data-testid={`configmap-value-${i}`} />
          </Card>
        ))}
        <Button type="dashed" icon={<PlusOutlined />} onClick={() => setEntries((es) => [...es, ['', '']])} data-testid="configmap-add-key">
          {t('configmap.addKey')}
        </Button>
      </Space>
      {write.error instanceof ApiError ? <Alert style={{ marginTop: 12 }} type="error" showIcon message={errorText(t, write.error)} data-testid="configmap-error" /> : null}
      {diff !== null && (
        <div style={{ marginTop: 12 }}>
          <Typography.Text strong>{diff ? t('configmap.diff') : t('configmap.noChange')}</Typography.Text>
          {diff && <DiffView lines={parseUnifiedDiff(diff)} testId="configmap-diff" />}
        </div>
      )}
    </Modal>
  );
}
