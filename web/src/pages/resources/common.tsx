// Parts the generic pages share with the pod and node pages: the live/stale tag, the status tag, the YAML view, the
// delete dialogs and the lazily loaded YAML editor.
import { lazy, Suspense, useState, type ComponentProps, type ReactNode } from 'react';
import { Alert, Card, Input, InputNumber, Modal, Radio, Space, Spin, Tag, Tooltip, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import { getResourceYaml, type Health, type KindInfo, type ObjectRef, type Propagation, type ResourceList } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { formatDateTime, formatRelative } from '../../lib/format';
import { kubectlWord } from '../../lib/status';
import { toneOfHealth } from '../../lib/resources';
import { ErrorAlert, StatusTag } from '../../components/common';

// CodeMirror and the YAML parser come with this chunk, only when an editor opens
const LazyEditor = lazy(() => import('./ResourceEditor'));

export function YamlEditor(props: ComponentProps<typeof LazyEditor>) {
  return (
    <Suspense fallback={<Spin fullscreen />}>
      <LazyEditor {...props} />
    </Suspense>
  );
}

/**
 * An object's YAML as the server serves it (`GET .../yaml`: kubectl's object, managed fields left out), read-only,
 * with a copy button. Asked for when shown (`enabled`: its tab is open); a Secret's values only when `reveal`.
 */
export function ResourceYaml({
  clusterId,
  kind,
  target,
  enabled = true,
  reveal = false,
}: {
  clusterId: string;
  kind: Pick<KindInfo, 'name' | 'namespaced'>;
  target: ObjectRef;
  enabled?: boolean;
  reveal?: boolean;
}) {
  const { t } = useI18n();
  const namespace = kind.namespaced ? target.namespace ?? null : null;
  const yaml = useQuery({
    queryKey: ['resource-yaml', clusterId, kind.name, namespace, target.name, reveal],
    queryFn: () => getResourceYaml(clusterId, kind, target, reveal),
    enabled: enabled && !!clusterId && !!target.name,
  });
  if (yaml.error) return <ErrorAlert error={yaml.error} />;
  return (
    <Card size="small" loading={yaml.isLoading} extra={<Typography.Text copyable={{ text: yaml.data ?? '' }} />}>
      <pre className="kd-yaml kd-mono" data-testid="resource-yaml">
        {yaml.data || t('common.noData')}
      </pre>
    </Card>
  );
}

/** A row's status in its health's colour (kubectl's words translated where the console knows them). */
export function HealthTag({ status, health }: { status: string | null | undefined; health: Health | null | undefined }) {
  const { t } = useI18n();
  if (!status) return <Typography.Text type="secondary">-</Typography.Text>;
  return <StatusTag tone={toneOfHealth(health)}>{kubectlWord(t, status)}</StatusTag>;
}

/** The list or object is a snapshot (the cluster is unreachable): since when. */
export function StaleAlert({ list }: { list: Pick<ResourceList, 'stale' | 'last_sync_at'> | undefined }) {
  const { t, lang } = useI18n();
  if (!list?.stale) return null;
  return <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('common.stale', { at: list.last_sync_at ? formatDateTime(list.last_sync_at, lang) : '-' })} />;
}

/** Live (the watch is current) or stale (the cluster is unreachable: a snapshot, with its sync time). */
export function LiveTag({ list, pushed }: { list: Pick<ResourceList, 'stale' | 'source' | 'last_sync_at'> | undefined; /** refreshed by the server's change notices */ pushed?: boolean }) {
  const { t, lang } = useI18n();
  if (!list) return null;
  const at = list.last_sync_at;
  if (list.stale || list.source === 'snapshot') {
    return (
      <Tooltip title={at ? formatDateTime(at, lang) : undefined}>
        <Tag color="gold" data-testid="resource-live" data-state="stale">
          {t('resource.stale', { at: at ? formatRelative(at, lang) : '-' })}
        </Tag>
      </Tooltip>
    );
  }
  return (
    <Tooltip title={pushed ? t('resource.pushedTip') : at ? t('resource.liveTip', { at: formatDateTime(at, lang) }) : undefined}>
      <Tag color="green" data-testid="resource-live" data-state="live" data-pushed={pushed ? 'true' : 'false'}>
        {t('resource.live')}
      </Tag>
    </Tooltip>
  );
}

const PROPAGATIONS: Propagation[] = ['Background', 'Foreground', 'Orphan'];

export function PropagationChoice({ value, onChange }: { value: Propagation; onChange: (p: Propagation) => void }) {
  const { t } = useI18n();
  return (
    <Radio.Group value={value} onChange={(e) => onChange(e.target.value)} data-testid="delete-propagation">
      <Space direction="vertical">
        {PROPAGATIONS.map((p) => (
          <Radio key={p} value={p}>
            <Typography.Text strong>{p}</Typography.Text> <Typography.Text type="secondary">{t(`resource.propagation.${p}`)}</Typography.Text>
          </Radio>
        ))}
      </Space>
    </Radio.Group>
  );
}

export interface DeleteOptions {
  propagation: Propagation;
  grace?: number | null;
}

/**
 * Deleting objects: their names (the first 20), the propagation, a grace period, and for more than one object the
 * count typed to confirm.
 */
export function DeleteDialog({
  names,
  kindLabel,
  onConfirm,
  onCancel,
  pending,
  error,
  failures,
  extra,
}: {
  names: string[];
  kindLabel: string;
  /** what the kind adds to the confirmation (a namespace: what it still holds) */
  extra?: ReactNode;
  onConfirm: (o: DeleteOptions) => void;
  onCancel: () => void;
  pending?: boolean;
  error?: unknown;
  /** objects that could not be deleted, with why */
  failures?: { name: string; error: unknown }[];
}) {
  const { t } = useI18n();
  const [propagation, setPropagation] = useState<Propagation>('Background');
  const [grace, setGrace] = useState<number | null>(null);
  const [typed, setTyped] = useState('');
  const many = names.length > 1;
  const confirmed = !many || typed.trim() === String(names.length);
  return (
    <Modal
      open
      title={many ? t('resource.deleteManyTitle', { count: names.length, kind: kindLabel }) : t('resource.deleteTitle', { kind: kindLabel, name: names[0] ?? '' })}
      okText={t('common.delete')}
      okButtonProps={{ danger: true, loading: pending, disabled: !confirmed, 'data-testid': 'confirm-resource-delete' } as never}
      onOk={() => onConfirm({ propagation, grace })}
      onCancel={onCancel}
    >
      <Typography.Paragraph>{t('resource.deleteBody')}</Typography.Paragraph>
      <ul className="kd-mono" style={{ maxHeight: 180, overflow: 'auto', paddingLeft: 18 }} data-testid="delete-names">
        {names.slice(0, 20).map((n) => (
          <li key={n}>{n}</li>
        ))}
        {names.length > 20 && <li>{t('resource.andMore', { count: names.length - 20 })}</li>}
      </ul>
      {extra}
      <Typography.Text strong>{t('resource.propagation')}</Typography.Text>
      <div style={{ margin: '8px 0 12px' }}>
        <PropagationChoice value={propagation} onChange={setPropagation} />
      </div>
      <Space style={{ marginBottom: 12 }}>
        {t('drain.gracePeriod')}
        <InputNumber min={0} value={grace} onChange={(v) => setGrace(v)} placeholder={t('resource.graceDefault')} style={{ width: 160 }} />
      </Space>
      {many && (
        <div>
          <Typography.Text>{t('resource.typeCount', { count: names.length })}</Typography.Text>
          <Input value={typed} onChange={(e) => setTyped(e.target.value)} style={{ marginTop: 6 }} data-testid="delete-count-input" />
        </div>
      )}
      {error ? <Alert type="error" showIcon style={{ marginTop: 12 }} message={errorText(t, error)} /> : null}
      {failures && failures.length > 0 && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 12 }}
          message={t('resource.deleteFailed', { count: failures.length })}
          description={
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {failures.map((f) => (
                <li key={f.name}>
                  <span className="kd-mono">{f.name}</span>: {errorText(t, f.error)}
                </li>
              ))}
            </ul>
          }
        />
      )}
    </Modal>
  );
}
