// A workload's revisions (issue 14, `kubectl rollout history`): newest first, a diff between any two, and "roll
// back to this revision" (`kubectl rollout undo --to-revision`) after a confirmation showing the diff from the
// current one; the answer (rolled back to N / skipped: same template) stays on screen.
import { useState } from 'react';
import { Alert, App, Button, Card, Modal, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { RollbackOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { ErrorAlert } from '../../components/common';
import { errorText, isMissingRoute } from '../../lib/errors';
import { formatAge, formatDateTime } from '../../lib/format';
import { parseUnifiedDiff } from '../../lib/diff';
import { canWriteKind } from '../../lib/resources';
import { diffPair, isPaused, newestFirst } from '../../lib/workloads';
import { DiffView } from '../resources/DiffView';
import * as wl from './api';
import { useRefreshWorkload, type WorkloadProps } from './WorkloadActions';

export function HistoryTab({ clusterId, kind, target, object }: WorkloadProps) {
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const refresh = useRefreshWorkload(clusterId, kind, target);
  const key = ['workload', clusterId, kind.name, target.namespace ?? null, target.name];
  const history = useQuery({ queryKey: [...key, 'history'], queryFn: () => wl.getHistory(clusterId, kind, target), refetchInterval: 10_000 });
  const revs = newestFirst(history.data?.revisions ?? []);
  const current = revs.find((r) => r.current)?.revision;
  const [pair, setPair] = useState<{ from?: number; to?: number }>({});
  const from = pair.from ?? revs[1]?.revision;
  const to = pair.to ?? revs[0]?.revision;
  const diff = useQuery({
    queryKey: [...key, 'diff', from, to],
    queryFn: () => wl.getRevisionDiff(clusterId, kind, target, from!, to!),
    enabled: from !== undefined && to !== undefined && from !== to,
  });
  const [confirm, setConfirm] = useState<number | null>(null);
  const [result, setResult] = useState<wl.RollbackAnswer | null>(null);
  const confirmPair = confirm !== null ? diffPair(confirm, current) : null;
  const confirmDiff = useQuery({
    // the change the rollback makes: from the current template to the picked one
    queryKey: [...key, 'diff', current, confirm],
    queryFn: () => wl.getRevisionDiff(clusterId, kind, target, current!, confirm!),
    enabled: confirm !== null && !!confirmPair,
  });
  const back = useMutation({
    mutationFn: (revision: number) => wl.rollback(clusterId, kind, target, revision),
    onSuccess: (r) => {
      setResult(r);
      setConfirm(null);
      message.success(r.outcome === 'skipped' ? t('history.skipped') : t('history.rolledBack', { revision: r.to_revision }));
      refresh();
      history.refetch();
    },
  });
  const mayWrite = canWriteKind(me, kind);
  const paused = isPaused(object);
  const opts = revs.map((r) => ({ value: r.revision, label: `#${r.revision}${r.current ? ` (${t('history.current')})` : ''}` }));

  if (isMissingRoute(history.error)) return <Alert type="info" showIcon message={t('error.notFound')} data-testid="history-unavailable" />;
  if (history.error) return <ErrorAlert error={history.error} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      {result && (
        <Alert
          type={result.outcome === 'skipped' ? 'info' : 'success'}
          showIcon
          closable
          onClose={() => setResult(null)}
          data-testid="rollback-result"
          data-outcome={result.outcome}
          message={result.outcome === 'skipped' ? t('history.skipped') : t('history.rolledBack', { revision: result.to_revision })}
          description={result.message || undefined}
        />
      )}
      <Table<wl.Revision>
        size="small"
        rowKey="revision"
        loading={history.isLoading}
        dataSource={revs}
        pagination={false}
        data-testid="history-table"
        columns={[
          {
            title: t('history.revision'),
            key: 'revision',
            width: 110,
            render: (_: unknown, r) => (
              <Space>
                <span className="kd-mono">#{r.revision}</span>
                {r.current && <Tag color="green">{t('history.current')}</Tag>}
              </Space>
            ),
          },
          { title: t('history.changeCause'), key: 'cause', render: (_: unknown, r) => r.change_cause || <Typography.Text type="secondary">-</Typography.Text> },
          {
            title: t('history.images'),
            key: 'images',
            render: (_: unknown, r) => (
              <Space direction="vertical" size={0}>
                {r.images.map((i) => (
                  <span key={i.container} className="kd-mono">
                    {i.container}: {i.image}
                  </span>
                ))}
              </Space>
            ),
          },
          {
            title: t('common.created'),
            key: 'created',
            width: 110,
            render: (_: unknown, r) => (r.created_at ? <Tooltip title={formatDateTime(r.created_at, lang)}>{formatAge(r.created_at)}</Tooltip> : '-'),
          },
          { title: t('history.replicas'), key: 'replicas', width: 90, render: (_: unknown, r) => (r.replicas === null ? '-' : r.replicas) },
          { title: t('history.source'), key: 'source', render: (_: unknown, r) => <span className="kd-mono">{r.source}</span> },
          ...(mayWrite
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  width: 200,
                  render: (_: unknown, r: wl.Revision) =>
                    r.current ? null : (
                      <Tooltip title={paused ? t('history.pausedTip') : undefined}>
                        <Button size="small" icon={<RollbackOutlined />} disabled={paused} onClick={() => setConfirm(r.revision)} data-testid={`rollback-${r.revision}`}>
                          {t('history.rollbackTo')}
                        </Button>
                      </Tooltip>
                    ),
                },
              ]
            : []),
        ]}
      />
      {revs.length > 1 && (
        <Card size="small" title={t('history.compare')}>
          <Space wrap style={{ marginBottom: 8 }}>
            <Select style={{ width: 160 }} value={from} options={opts} onChange={(v) => setPair((p) => ({ ...p, from: v }))} data-testid="history-from" />
            →
            <Select style={{ width: 160 }} value={to} options={opts} onChange={(v) => setPair((p) => ({ ...p, to: v }))} data-testid="history-to" />
          </Space>
          {from === to ? (
            <Typography.Text type="secondary">{t('history.sameRevision')}</Typography.Text>
          ) : diff.error ? (
            <ErrorAlert error={diff.error} />
          ) : diff.data && !diff.data.diff ? (
            <Typography.Text type="secondary">{t('history.noDifference')}</Typography.Text>
          ) : (
            <DiffView lines={parseUnifiedDiff(diff.data?.diff)} testId="history-diff" />
          )}
        </Card>
      )}
      {confirm !== null && (
        <Modal
          open
          width={860}
          title={t('history.confirmTitle', { revision: confirm, name: target.name })}
          okText={t('history.rollbackTo')}
          okButtonProps={{ danger: true, loading: back.isPending, 'data-testid': 'rollback-confirm' } as never}
          onOk={() => back.mutate(confirm)}
          onCancel={() => {
            setConfirm(null);
            back.reset();
          }}
        >
          <Typography.Paragraph>{t('history.confirmBody', { from: current ?? '-', to: confirm })}</Typography.Paragraph>
          {confirmDiff.error ? (
            <ErrorAlert error={confirmDiff.error} />
          ) : confirmDiff.data && !confirmDiff.data.diff ? (
            <Typography.Text type="secondary">{t('history.noDifference')}</Typography.Text>
          ) : (
            <DiffView lines={parseUnifiedDiff(confirmDiff.data?.diff)} testId="rollback-diff" />
          )}
          {back.error ? <Alert type="error" showIcon style={{ marginTop: 12 }} message={errorText(t, back.error)} data-testid="rollback-error" /> : null}
        </Modal>
      )}
    </Space>
  );
}
