// Quotas and storage beyond the generic detail (issue 15): a ResourceQuota's used / hard per resource as bars (the
// server parses the quantities), a LimitRange's defaults and limits per type, a claim's volume, class, mounting
// pods and expansion, and "set as default" for a StorageClass.
import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Input, Modal, Progress, Space, Table, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { ErrorAlert } from '../../components/common';
import type { KindInfo, KubeObject, ObjectRef } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { canWriteKind, objectHref } from '../../lib/resources';
import * as st from '../namespaces/api';
import { limitRows, type LimitRow } from './limits';
import { VolumeUsagePanel } from './VolumeUsage';

export interface PanelProps {
  clusterId: string;
  kind: KindInfo;
  target: ObjectRef;
  object: KubeObject;
}

const barStatus = (f: number | null | undefined) => (f == null ? 'normal' : f >= 1 ? 'exception' : f >= 0.8 ? 'active' : 'normal');

export function QuotaPanel({ clusterId, kind, target }: PanelProps) {
  const { t } = useI18n();
  const q = useQuery({ queryKey: ['quota-usage', clusterId, target.namespace, target.name], queryFn: () => st.getQuotaUsage(clusterId, kind, target), refetchInterval: 10_000 });
  if (q.error) return <ErrorAlert error={q.error} />;
  return (
    <Card size="small" title={t('quota.title')} loading={!q.data}>
      <Table<st.QuotaLine>
        size="small"
        rowKey="resource"
        pagination={false}
        dataSource={q.data?.lines ?? []}
        data-testid="quota-usage"
        columns={[
          { title: t('quota.resource'), dataIndex: 'resource', width: 220, render: (r: string) => <span className="kd-mono">{r}</span> },
          { title: t('quota.used'), dataIndex: 'used', width: 110, render: (u: string) => <span className="kd-mono" data-testid="quota-used">{u}</span> },
          { title: t('quota.hard'), dataIndex: 'hard', width: 110, render: (h: string) => <span className="kd-mono">{h}</span> },
          {
            title: '',
            key: 'bar',
            render: (_: unknown, l) =>
              l.fraction == null ? (
                <Typography.Text type="secondary">-</Typography.Text>
              ) : (
                <Progress percent={Math.round(l.fraction * 100)} status={barStatus(l.fraction)} size="small" />
              ),
          },
        ]}
      />
    </Card>
  );
}

export function LimitRangePanel({ object }: PanelProps) {
  const { t } = useI18n();
  const rows = limitRows(object);
  const cell = (v?: string) => (v ? <span className="kd-mono">{v}</span> : <Typography.Text type="secondary">-</Typography.Text>);
  return (
    <Card size="small" title={t('limits.title')}>
      <Table<LimitRow>
        size="small"
        rowKey={(r) => `${r.type}/${r.resource}`}
        pagination={false}
        dataSource={rows}
        data-testid="limit-range-table"
        columns={[
          { title: t('limits.type'), dataIndex: 'type', width: 180 },
          { title: t('quota.resource'), dataIndex: 'resource', render: (r: string) => <span className="kd-mono">{r}</span> },
          { title: t('limits.min'), dataIndex: 'min', render: cell },
          { title: t('limits.max'), dataIndex: 'max', render: cell },
          { title: t('limits.defaultRequest'), dataIndex: 'defaultRequest', render: cell },
          { title: t('limits.default'), dataIndex: 'default', render: cell },
          { title: t('limits.ratio'), dataIndex: 'maxLimitRequestRatio', render: cell },
        ]}
      />
    </Card>
  );
}

export function ClaimPanel({ clusterId, kind, target }: PanelProps) {
  const { t } = useI18n();
  const { me } = useAuth();
  const q = useQuery({ queryKey: ['claim-volume', clusterId, target.namespace, target.name], queryFn: () => st.getClaimVolume(clusterId, kind, target), refetchInterval: 10_000 });
  const [resizing, setResizing] = useState(false);
  if (q.error) return <ErrorAlert error={q.error} />;
  const c = q.data;
  const none = <Typography.Text type="secondary">-</Typography.Text>;
  const mono = (v?: string | null) => (v ? <span className="kd-mono">{v}</span> : none);
  return (
    <Space direction="vertical" style={{ width: '100%' }} size={16}>
    <Card
      size="small"
      title={t('claim.title')}
      loading={!c}
      extra={
        canWriteKind(me, kind) && (
          <Button size="small" onClick={() => setResizing(true)} data-testid="claim-resize">
            {t('claim.resize')}
          </Button>
        )
      }
    >
      {c && (
        <Descriptions column={{ xs: 1, lg: 2 }} size="small" data-testid="claim-volume">
          <Descriptions.Item label={t('claim.requested')}>{mono(c.requested)}</Descriptions.Item>
          <Descriptions.Item label={t('claim.capacity')}>
            <span data-testid="claim-capacity">{mono(c.capacity)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('claim.volume')}>
            {c.volume ? (
              <Link to={objectHref(clusterId, 'persistentvolumes', null, c.volume.name)} data-testid="claim-volume-link">
                {c.volume.name}
              </Link>
            ) : (
              mono(c.volume_name)
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('claim.volumeDetail')}>
            {c.volume ? (
              <Space wrap size={4}>
                {c.volume.capacity && <Tag>{c.volume.capacity}</Tag>}
                {c.volume.access_modes.map((m) => (
                  <Tag key={m}>{m}</Tag>
                ))}
                {c.volume.reclaim_policy && <Tag>{c.volume.reclaim_policy}</Tag>}
                {c.volume.status && <Tag color="blue">{c.volume.status}</Tag>}
                {c.volume.source && <span className="kd-mono">{c.volume.source}</span>}
              </Space>
            ) : (
              none
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('claim.class')}>
            {c.class ? (
              <Space size={4}>
                <Link to={objectHref(clusterId, 'storageclasses', null, c.class.name)}>{c.class.name}</Link>
                {!c.class.exists && <Tag color="red">{t('claim.classMissing')}</Tag>}
                <Tag color={c.class.allow_expansion ? 'green' : 'default'} data-testid="claim-expandable">
                  {c.class.allow_expansion ? t('claim.expandable') : t('claim.notExpandable')}
                </Tag>
              </Space>
            ) : (
              none
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('claim.mountedBy')}>
            {c.mounted_by.length ? (
              <Space wrap size={4} data-testid="claim-pods">
                {c.mounted_by.map((p) => (
                  <Link key={p.name} to={objectHref(clusterId, 'pods', target.namespace, p.name)}>
                    {p.name}
                    {p.read_only ? ` (${t('claim.readOnly')})` : ''}
                  </Link>
                ))}
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('claim.notMounted')}</Typography.Text>
            )}
          </Descriptions.Item>
        </Descriptions>
      )}
      {resizing && c && <ResizeDialog {...{ clusterId, kind, target }} current={c.requested ?? ''} expandable={c.class?.allow_expansion ?? false} className={c.class?.name} onClose={() => setResizing(false)} />}
    </Card>
    {c && <VolumeUsagePanel clusterId={clusterId} kind={kind} target={target} usage={c.usage} />}
    </Space>
  );
}

function ResizeDialog({
  clusterId,
  kind,
  target,
  current,
  expandable,
  className,
  onClose,
}: Omit<PanelProps, 'object'> & { current: string; expandable: boolean; className?: string; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [size, setSize] = useState(current);
  const resize = useMutation({
    mutationFn: () => st.resizeClaim(clusterId, kind, target, size.trim()),
    onSuccess: (r) => {
      message.success(t('claim.resized', { size: r.requested }));
      qc.invalidateQueries({ queryKey: ['claim-volume', clusterId] });
      qc.invalidateQueries({ queryKey: ['resource', clusterId, kind.name] });
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('claim.resizeTitle', { name: target.name })}
      okText={t('common.save')}
      okButtonProps={{ loading: resize.isPending, 'data-testid': 'claim-resize-submit' } as never}
      onOk={() => resize.mutate()}
      onCancel={onClose}
    >
      {!expandable && <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('claim.classForbids', { class: className ?? '-' })} />}
      <Input value={size} onChange={(e) => setSize(e.target.value)} className="kd-mono" data-testid="claim-size" addonBefore={t('claim.requested')} />
      {resize.error ? <Alert type="error" showIcon style={{ marginTop: 12 }} message={errorText(t, resize.error)} data-testid="claim-resize-error" /> : null}
    </Modal>
  );
}

export function StorageClassPanel({ clusterId, kind, target, object }: PanelProps) {
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const annotations = object.metadata?.annotations ?? {};
  const isDefault = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'].some((a) => annotations[a] === 'true');
  const set = useMutation({
    mutationFn: () => st.setDefaultClass(clusterId, kind, target),
    onSuccess: (r) => {
      message.success(r.unmarked.length ? t('storageClass.defaultNowReplacing', { name: r.default, previous: r.unmarked.join(', ') }) : t('storageClass.defaultNow', { name: r.default }));
      qc.invalidateQueries({ queryKey: ['resource', clusterId, kind.name] });
      qc.invalidateQueries({ queryKey: ['resources', clusterId, kind.name] });
    },
  });
  return (
    <Card size="small" title={t('storageClass.title')}>
      <Space>
        {isDefault ? (
          <Tag color="green" data-testid="storage-class-default">
            {t('storageClass.isDefault')}
          </Tag>
        ) : (
          <Typography.Text type="secondary">{t('storageClass.notDefault')}</Typography.Text>
        )}
        {!isDefault && canWriteKind(me, kind) && (
          <Button size="small" loading={set.isPending} onClick={() => set.mutate()} data-testid="storage-class-set-default">
            {t('storageClass.setDefault')}
          </Button>
        )}
      </Space>
      {set.error ? <Alert type="error" showIcon style={{ marginTop: 12 }} message={errorText(t, set.error)} /> : null}
    </Card>
  );
}
