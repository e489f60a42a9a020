// The workload verbs on the generic detail page (issue 14): scale, restart, pause/resume, set image, HPA, and for
// CronJobs suspend/resume and run now, for Jobs run again. Shown only to users who may write the kind; each answer
// or refusal in the user's language (lib/errors).
import { useMemo, useState } from 'react';
import { Alert, App, AutoComplete, Button, InputNumber, Modal, Popconfirm, Select, Space, Tooltip, Typography } from 'antd';
import {
  ColumnHeightOutlined,
  FundOutlined,
  PauseCircleOutlined,
  PlayCircleOutlined,
  RedoOutlined,
  SwapOutlined,
  ThunderboltOutlined,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import type { KindInfo, KubeObject, ObjectRef } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { canWriteKind, objectHref } from '../../lib/resources';
import { containersOf, hasVerb, isPaused, isSuspended, replicasOf, tagSuggestions } from '../../lib/workloads';
import { splitImage } from '../../lib/workloadManifest';
import * as wl from './api';
import { HpaForm } from './HpaForm';

export interface WorkloadProps {
  clusterId: string;
  kind: KindInfo;
  target: ObjectRef;
  object: KubeObject;
}

/** Refetches what a verb changed: the object, its lists, its rollout and history. */
export function useRefreshWorkload(clusterId: string, kind: KindInfo, target: ObjectRef) {
  const qc = useQueryClient();
  return () => {
    qc.invalidateQueries({ queryKey: ['resource', clusterId, kind.name, target.namespace ?? null, target.name] });
    qc.invalidateQueries({ queryKey: ['resource-yaml', clusterId, kind.name, target.namespace ?? null, target.name] });
    qc.invalidateQueries({ queryKey: ['resources', clusterId, kind.name] });
    qc.invalidateQueries({ queryKey: ['workload', clusterId, kind.name, target.namespace ?? null, target.name] });
  };
}

export function WorkloadActions({ clusterId, kind, target, object }: WorkloadProps) {
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const refresh = useRefreshWorkload(clusterId, kind, target);
  const [open, setOpen] = useState<'scale' | 'image' | 'hpa' | null>(null);
  const [job, setJob] = useState<wl.JobRef | null>(null);
  const paused = isPaused(object);
  const suspended = isSuspended(object);
  const has = (v: Parameters<typeof hasVerb>[1]) => hasVerb(kind, v);

  const simple = useMutation({
    mutationFn: async (verb: 'restart' | 'pause' | 'resume' | 'suspend' | 'trigger' | 'rerun') => {
      switch (verb) {
        case 'restart':
          await wl.restart(clusterId, kind, target);
          return t('workload.restarted', { name: target.name });
        case 'pause':
          await wl.pause(clusterId, kind, target);
          return t('workload.pausedDone', { name: target.name });
        case 'resume':
          await wl.resume(clusterId, kind, target);
          return kind.name === 'cronjobs' ? t('workload.resumedCron', { name: target.name }) : t('workload.resumedDone', { name: target.name });
        case 'suspend':
          await wl.suspend(clusterId, kind, target);
          return t('workload.suspendedDone', { name: target.name });
        case 'trigger':
        case 'rerun': {
          const r = verb === 'trigger' ? await wl.trigger(clusterId, kind, target) : await wl.rerun(clusterId, kind, target);
          setJob(r.job);
          return t('workload.jobCreated', { name: r.job.name });
        }
      }
    },
    onSuccess: (text) => {
      message.success(text);
      refresh();
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  if (!canWriteKind(me, kind) || kind.version === null) return null;
  const verbs = has('scale') || has('restart') || has('pause') || has('image') || has('suspend') || has('trigger') || has('rerun');
  if (!verbs) return null;
  const busy = (v: string) => simple.isPending && simple.variables === v;

  return (
    <>
      {has('scale') && (
        <Button icon={<ColumnHeightOutlined />} onClick={() => setOpen('scale')} data-testid="wl-scale">
          {t('workload.scale')}
        </Button>
      )}
      {has('restart') && (
        <Tooltip title={paused ? t('workload.restartPausedTip') : undefined}>
          <Popconfirm title={t('workload.restartConfirm', { name: target.name })} okText={t('workload.restart')} onConfirm={() => simple.mutate('restart')} disabled={paused}>
            <Button icon={<RedoOutlined />} disabled={paused} loading={busy('restart')} data-testid="wl-restart">
              {t('workload.restart')}
            </Button>
          </Popconfirm>
        </Tooltip>
      )}
      {has('pause') &&
        (paused ? (
          <Button icon={<PlayCircleOutlined />} loading={busy('resume')} onClick={() => simple.mutate('resume')} data-testid="wl-resume">
            {t('workload.resume')}
          </Button>
        ) : (
          <Button icon={<PauseCircleOutlined />} loading={busy('pause')} onClick={() => simple.mutate('pause')} data-testid="wl-pause">
            {t('workload.pause')}
          </Button>
        ))}
      {has('suspend') &&
        (suspended ? (
          <Button icon={<PlayCircleOutlined />} loading={busy('resume')} onClick={() => simple.mutate('resume')} data-testid="wl-cron-resume">
            {t('workload.resumeCron')}
          </Button>
        ) : (
          <Button icon={<PauseCircleOutlined />} loading={busy('suspend')} onClick={() => simple.mutate('suspend')} data-testid="wl-suspend">
            {t('workload.suspend')}
          </Button>
        ))}
      {has('trigger') && (
        <Popconfirm title={t('workload.triggerConfirm', { name: target.name })} okText={t('workload.trigger')} onConfirm={() => simple.mutate('trigger')}>
          <Button icon={<ThunderboltOutlined />} loading={busy('trigger')} data-testid="wl-trigger">
            {t('workload.trigger')}
          </Button>
        </Popconfirm>
      )}
      {has('rerun') && (
        <Popconfirm title={t('workload.rerunConfirm', { name: target.name })} okText={t('workload.rerun')} onConfirm={() => simple.mutate('rerun')}>
          <Button icon={<RedoOutlined />} loading={busy('rerun')} data-testid="wl-rerun">
            {t('workload.rerun')}
          </Button>
        </Popconfirm>
      )}
      {has('image') && (
        <Button icon={<SwapOutlined />} onClick={() => setOpen('image')} data-testid="wl-image">
          {t('workload.setImage')}
        </Button>
      )}
      {(kind.name === 'deployments' || kind.name === 'statefulsets') && (
        <Button icon={<FundOutlined />} onClick={() => setOpen('hpa')} data-testid="wl-autoscale">
          {t('hpa.autoscale')}
        </Button>
      )}
      {open === 'scale' && <ScaleDialog clusterId={clusterId} kind={kind} target={target} object={object} onClose={() => setOpen(null)} onDone={refresh} />}
      {open === 'image' && <ImageDialog clusterId={clusterId} kind={kind} target={target} object={object} onClose={() => setOpen(null)} onDone={refresh} />}
      {open === 'hpa' && (
        <HpaForm clusterId={clusterId} namespace={target.namespace ?? 'default'} initialTarget={`${object.kind ?? kind.kind}/${target.name}`} onClose={() => setOpen(null)} />
      )}
      {job && (
        <Modal open title={t('workload.jobCreatedTitle')} onCancel={() => setJob(null)} footer={<Button onClick={() => setJob(null)}>{t('common.close')}</Button>}>
          <Typography.Paragraph data-testid="wl-job-created">
            {t('workload.jobCreatedBody')} <Link to={objectHref(clusterId, 'jobs', job.namespace, job.name)}>{`${job.namespace}/${job.name}`}</Link>
          </Typography.Paragraph>
        </Modal>
      )}
    </>
  );
}

function ScaleDialog({ clusterId, kind, target, object, onClose, onDone }: WorkloadProps & { onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const before = replicasOf(object);
  const [replicas, setReplicas] = useState<number | null>(before);
  const m = useMutation({
    mutationFn: () => wl.scale(clusterId, kind, target, replicas ?? 0),
    onSuccess: (r) => {
      message.success(t('workload.scaled', { name: target.name, before: r.replicas_before, after: r.replicas }));
      onDone();
      onClose();
    },
  });
  return (
    <Modal
      open
      title={t('workload.scaleTitle', { name: target.name })}
      okText={t('workload.scale')}
      onOk={() => m.mutate()}
      onCancel={onClose}
      okButtonProps={{ loading: m.isPending, disabled: replicas === null || replicas === before, 'data-testid': 'wl-scale-ok' } as never}
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space>
          {t('workload.replicas')}
          <InputNumber min={0} max={10000} precision={0} value={replicas} onChange={(v) => setReplicas(v)} data-testid="wl-scale-input" autoFocus />
        </Space>
        <Typography.Text data-testid="wl-scale-change">
          {t('workload.beforeAfter', { before, after: replicas ?? '-' })}
        </Typography.Text>
        {m.error ? <Alert type="error" showIcon message={errorText(t, m.error)} data-testid="wl-error" /> : null}
      </Space>
    </Modal>
  );
}

function ImageDialog({ clusterId, kind, target, object, onClose, onDone }: WorkloadProps & { onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const containers = containersOf(object);
  const [container, setContainer] = useState(containers[0]?.name ?? '');
  const current = containers.find((c) => c.name === container)?.image ?? '';
  const [image, setImage] = useState(current);
  const images = useQuery({ queryKey: ['cluster-images', clusterId], queryFn: () => wl.listImages(clusterId), staleTime: 30_000, retry: false });
  const { repository, tag } = splitImage(image || current);
  const options = useMemo(() => {
    const tags = tagSuggestions(images.data?.images, repository, splitImage(current).tag);
    const repos = (images.data?.images ?? []).map((i) => i.repository).filter((r) => r !== repository && r.includes(repository));
    return [
      ...tags.map((x) => ({ value: `${repository}:${x}`, label: <span className="kd-mono">{`${repository}:${x}`}</span> })),
      ...repos.slice(0, 10).map((r) => ({ value: r, label: <span className="kd-mono">{r}</span> })),
    ];
  }, [images.data, repository, current]);
  const m = useMutation({
    mutationFn: () => wl.setImage(clusterId, kind, target, container, image.trim()),
    onSuccess: (r) => {
      message.success(t('workload.imageSet', { container: r.container, before: r.image_before, after: r.image }));
      onDone();
      onClose();
    },
  });
  return (
    <Modal
      open
      width={640}
      title={t('workload.setImageTitle', { name: target.name })}
      okText={t('workload.setImage')}
      onOk={() => m.mutate()}
      onCancel={onClose}
      okButtonProps={{ loading: m.isPending, disabled: !image.trim() || image.trim() === current, 'data-testid': 'wl-image-ok' } as never}
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          {t('workload.container')}
          <Select
            style={{ minWidth: 200 }}
            value={container}
            onChange={(c) => {
              setContainer(c);
              setImage(containers.find((x) => x.name === c)?.image ?? '');
            }}
            options={containers.map((c) => ({ value: c.name, label: c.name }))}
            data-testid="wl-image-container"
          />
        </Space>
        <AutoComplete style={{ width: '100%' }} value={image} onChange={setImage} options={options} data-testid="wl-image-input" placeholder="nginx:1.25" />
        <Typography.Text type="secondary">{t('workload.tagHint', { tag: tag || '-' })}</Typography.Text>
        <Typography.Text data-testid="wl-image-change">
          {t('workload.beforeAfter', { before: current || '-', after: image.trim() || '-' })}
        </Typography.Text>
        {m.error ? <Alert type="error" showIcon message={errorText(t, m.error)} data-testid="wl-error" /> : null}
      </Space>
    </Modal>
  );
}
