// The YAML editor (issue 13): create or edit objects of any kind, check the text as it is typed, dry-run it (the
// server's diff per document), apply it, and get through a conflict. Loaded lazily (React.lazy) when an editor
// opens, with CodeMirror and the YAML parser: none of it is in the first screen's chunks.
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Modal, Space, Spin, Tag, Typography } from 'antd';
import { useMutation } from '@tanstack/react-query';
import {
  applyResources,
  createResources,
  getResource,
  getResourceYaml,
  replaceResource,
  type ApplyReport,
  type ApplyResult,
  type KindInfo,
  type ObjectRef,
} from '../../api/resources';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { useThemeMode } from '../../theme';
import { errorText } from '../../lib/errors';
import { isSecretKind, outcomeCounts, reportOf } from '../../lib/resources';
import { lineDiff, parseUnifiedDiff } from '../../lib/diff';
import { splitYamlDocs, withResourceVersion, KNOWN_PROBLEMS, WORDED_CODES, type YamlDoc } from '../../lib/yamlDocs';
import { toYaml } from '../../lib/yaml';
import { DiffView } from './DiffView';
import YamlCodeMirror from './YamlCodeMirror';

export interface ResourceEditorProps {
  clusterId: string;
  kind: KindInfo;
  mode: 'create' | 'edit';
  /** the object edited */
  target?: ObjectRef;
  /** the create editor's first text */
  template?: string;
  /** where created objects go when their text names no namespace */
  defaultNamespace?: string | null;
  onClose: () => void;
  /** a write that changed the cluster (not a dry run) and had no failed document */
  onApplied: (report: ApplyReport) => void;
}

const OUTCOME_COLOR: Record<ApplyResult['outcome'], string> = { created: 'green', configured: 'blue', unchanged: 'default', failed: 'red' };

/** The group of an apiVersion (`apps/v1` → `apps`, `v1` → ``). */
const groupOf = (apiVersion: string | null) => (apiVersion && apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

export default function ResourceEditor({ clusterId, kind, mode, target, template, defaultNamespace, onClose, onApplied }: ResourceEditorProps) {
  const { t } = useI18n();
  const { mode: themeMode } = useThemeMode();
  const { message } = App.useApp();
  const editing = mode === 'edit';
  const secret = isSecretKind(kind);
  const [text, setText] = useState(editing ? '' : template ?? '');
  const [loading, setLoading] = useState(editing);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [report, setReport] = useState<ApplyReport | null>(null);
  const [writeError, setWriteError] = useState<unknown>(null);
  /** a PUT answered 409 resource_conflict: the text that was refused, and the object's version now */
  const [conflict, setConflict] = useState<{ mine: string; current: string | null } | null>(null);
  /** the user's text kept aside after "reload latest", to compare and restore */
  const [aside, setAside] = useState<string | null>(null);
  /** server-side apply refused a field another manager owns (apply_conflict): offer to force */
  const [forceOffered, setForceOffered] = useState(false);

  /** The object as it is now, as YAML. A Secret's values are revealed (the editor must never hold empty ones). */
  const loadLatest = async (): Promise<string> => {
    if (secret) {
      const d = await getResource(clusterId, kind, target!, true);
      if (d.redacted) throw new Error(t('resource.editor.stillRedacted'));
      return toYaml(d.object);
    }
    return getResourceYaml(clusterId, kind, target!);
  };

  useEffect(() => {
    if (!editing) return;
    let live = true;
    loadLatest()
      .then((y) => live && setText(y))
      .catch((e) => live && setLoadError(e))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // loaded once when the editor opens; "reload latest" loads again
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const checked = useDeferredValue(text);
  const docs = useMemo(() => splitYamlDocs(checked), [checked]);
  const problemText = (p: YamlDoc['problems'][number]) => {
    if ((KNOWN_PROBLEMS as readonly string[]).includes(p.message)) return t(`resource.editor.problem.${p.message}`);
    // the parser's words follow the sentence: they name the token at fault
    if (p.code && (WORDED_CODES as readonly string[]).includes(p.code)) return t('resource.editor.parserSays', { sentence: t(`resource.editor.yaml.${p.code}`), detail: p.message });
    return p.message;
  };
  const problems = useMemo(() => {
    const list = docs.flatMap((d) => d.problems.map((p) => ({ ...p, text: t('resource.editor.at', { line: p.line, col: p.col, problem: problemText(p) }) })));
    if (!checked.trim()) list.push({ message: 'empty', line: 1, col: 1, from: 0, to: 0, text: t('resource.editor.problem.empty') });
    if (editing && docs.length > 1) list.push({ message: 'one', line: 1, col: 1, from: 0, to: 0, text: t('resource.editor.problem.oneDocument') });
    if (editing && docs.length === 1 && !docs[0].problems.length) {
      const d = docs[0];
      if (d.kind !== kind.kind || (target && d.name !== target.name))
        list.push({ message: 'other', line: 1, col: 1, from: 0, to: 0, text: t('resource.editor.problem.otherObject', { kind: kind.kind, name: target?.name ?? '' }) });
    }
    return list;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [docs, checked, editing, t]);

  const write = useMutation({
    mutationFn: async ({ dryRun, body, force }: { dryRun: boolean; body: string; force?: boolean }): Promise<ApplyReport> => {
      if (editing) return reportOf(await replaceResource(clusterId, kind, target!, body, dryRun), dryRun, 'configured');
      const ds = splitYamlDocs(body);
      const sameKind = ds.every((d) => d.kind === kind.kind && groupOf(d.apiVersion) === kind.group);
      if (sameKind && !force) {
        const ns = ds[0]?.namespace ?? defaultNamespace ?? 'default';
        return reportOf(await createResources(clusterId, kind, ns, body, dryRun), dryRun, 'created');
      }
      // several kinds (or a forced apply): server-side apply
      return reportOf(await applyResources(clusterId, body, dryRun, force), dryRun, 'configured');
    },
    onMutate: () => {
      setWriteError(null);
      setReport(null);
    },
    onSuccess: (r) => {
      setReport(r);
      setForceOffered(false);
      if (!r.dry_run && outcomeCounts(r).failed === 0) {
        message.success(editing ? t('resource.editor.saved', { name: target?.name ?? '' }) : t('resource.editor.created', { count: r.results.length }));
        onApplied(r);
      }
    },
    onError: (e, vars) => {
      if (e instanceof ApiError && e.code === 'resource_conflict') {
        const current = e.params.current_version;
        setConflict({ mine: vars.body, current: typeof current === 'string' || typeof current === 'number' ? String(current) : null });
        return;
      }
      if (e instanceof ApiError && e.code === 'apply_conflict') setForceOffered(true);
      setWriteError(e);
    },
  });

  const reload = useMutation({
    mutationFn: loadLatest,
    onSuccess: (latest) => {
      setAside(conflict?.mine ?? text);
      setConflict(null);
      setReport(null);
      setWriteError(null);
      setText(latest);
    },
  });

  const reapply = useMutation({
    mutationFn: async () => {
      const mine = conflict!.mine;
      const rv = conflict!.current ?? splitYamlDocs(await loadLatest())[0]?.resourceVersion;
      if (!rv) throw new Error(t('resource.editor.noVersion'));
      return withResourceVersion(mine, rv);
    },
    onSuccess: (body) => {
      setConflict(null);
      setText(body);
      write.mutate({ dryRun: false, body });
    },
  });

  const busy = write.isPending || reload.isPending || reapply.isPending;
  // something to read under the editor (a report, a conflict, an error): a shorter editor, and the news in view
  const news = report ?? conflict ?? aside ?? writeError;
  const newsRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (news) newsRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [news]);
  const blocked = loading || !!loadError || problems.length > 0;
  const title = editing
    ? t('resource.editor.editTitle', { kind: kind.kind, name: target?.namespace ? `${target.namespace}/${target.name}` : target?.name ?? '' })
    : t('resource.editor.createTitle', { kind: kind.kind });

  return (
    <Modal
      open
      title={title}
      width={1100}
      maskClosable={false}
      onCancel={onClose}
      destroyOnClose
      footer={
        <Space wrap>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button data-testid="yaml-dry-run" disabled={blocked || busy} loading={write.isPending && write.variables?.dryRun} onClick={() => write.mutate({ dryRun: true, body: text })}>
            {t('resource.editor.dryRun')}
          </Button>
          {forceOffered && (
            <Button danger data-testid="yaml-force-apply" disabled={blocked || busy} onClick={() => write.mutate({ dryRun: false, body: text, force: true })}>
              {t('resource.editor.forceApply')}
            </Button>
          )}
          <Button type="primary" data-testid="yaml-apply" disabled={blocked || busy} loading={write.isPending && !write.variables?.dryRun} onClick={() => write.mutate({ dryRun: false, body: text })}>
            {editing ? t('resource.editor.apply') : t('common.create')}
          </Button>
        </Space>
      }
    >
      {secret && editing && <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('resource.editor.secretRevealed')} />}
      {loadError ? (
        <Alert type="error" showIcon message={errorText(t, loadError)} data-testid="yaml-load-error" />
      ) : loading ? (
        <div style={{ padding: 48, textAlign: 'center' }}>
          <Spin />
        </div>
      ) : (
        <YamlCodeMirror value={text} onChange={setText} dark={themeMode === 'dark'} height={news ? '36vh' : '55vh'} problems={(txt) => splitYamlDocs(txt).flatMap((d) => d.problems.map((p) => ({ from: p.from, to: p.to, message: problemText(p) })))} />
      )}
      <div style={{ marginTop: 8 }} data-testid="yaml-status">
        {!loading && !loadError && problems.length === 0 && (
          <Typography.Text type="secondary">{t('resource.editor.valid', { count: docs.length })}</Typography.Text>
        )}
        {problems.length > 0 && !loading && (
          <Alert
            type="error"
            showIcon
            data-testid="yaml-problems"
            message={t('resource.editor.problems', { count: problems.length })}
            description={
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {problems.slice(0, 5).map((p, i) => (
                  <li key={i}>{p.text}</li>
                ))}
              </ul>
            }
          />
        )}
      </div>
      {conflict && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="yaml-conflict"
          message={t('resource.editor.conflictTitle')}
          description={
            <Space direction="vertical">
              <span>{conflict.current ? t('resource.editor.conflictBodyVersion', { version: conflict.current }) : t('resource.editor.conflictBody')}</span>
              <Space wrap>
                <Button data-testid="conflict-reload" loading={reload.isPending} onClick={() => reload.mutate()}>
                  {t('resource.editor.reloadLatest')}
                </Button>
                <Button danger data-testid="conflict-reapply" loading={reapply.isPending} onClick={() => reapply.mutate()}>
                  {t('resource.editor.reapply')}
                </Button>
              </Space>
            </Space>
          }
        />
      )}
      {(reload.error || reapply.error) && <Alert type="error" showIcon style={{ marginTop: 12 }} message={errorText(t, reload.error ?? reapply.error)} />}
      {aside !== null && (
        <Alert
          type="info"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="yaml-aside"
          message={t('resource.editor.asideTitle')}
          description={
            <Space direction="vertical" style={{ width: '100%' }}>
              <span>{t('resource.editor.asideBody')}</span>
              {aside === text ? (
                <Typography.Text type="secondary">{t('resource.editor.asideSame')}</Typography.Text>
              ) : (
                <DiffView lines={lineDiff(text, aside)} testId="yaml-aside-diff" maxHeight={240} />
              )}
              <Space>
                <Button size="small" data-testid="aside-restore" onClick={() => setText(aside)}>
                  {t('resource.editor.restoreMine')}
                </Button>
                <Button size="small" onClick={() => setAside(null)}>
                  {t('resource.editor.dismissMine')}
                </Button>
              </Space>
            </Space>
          }
        />
      )}
      {writeError !== null && <Alert type="error" showIcon style={{ marginTop: 12 }} message={errorText(t, writeError)} data-testid="yaml-write-error" />}
      {report && <ReportView report={report} />}
      <div ref={newsRef} />
    </Modal>
  );
}

function ReportView({ report }: { report: ApplyReport }) {
  const { t } = useI18n();
  const n = outcomeCounts(report);
  const summary = (['created', 'configured', 'unchanged', 'failed'] as const)
    .filter((k) => n[k])
    .map((k) => t(`resource.outcome.${k}`) + ` ${n[k]}`)
    .join(t('apiError.listSeparator'));
  return (
    <div style={{ marginTop: 12 }} data-testid={report.dry_run ? 'dry-run-report' : 'apply-report'}>
      <Typography.Text strong>{report.dry_run ? t('resource.editor.dryRunResult', { summary }) : t('resource.editor.applyResult', { summary })}</Typography.Text>
      {report.results.map((r) => {
        const lines = parseUnifiedDiff(r.diff);
        return (
          <div key={r.index} style={{ marginTop: 8 }} data-testid={`apply-result-${r.index}`}>
            <Space wrap>
              <Tag color={OUTCOME_COLOR[r.outcome] ?? 'default'}>{t(`resource.outcome.${r.outcome}`)}</Tag>
              <span className="kd-mono">
                {t('resource.editor.document', { index: r.index + 1 })} · {r.kind ?? '?'} {r.namespace ? `${r.namespace}/` : ''}
                {r.name ?? ''}
              </span>
            </Space>
            {r.error && <Alert type="error" showIcon style={{ marginTop: 4 }} message={errorText(t, new ApiError(422, r.error))} />}
            {report.dry_run && r.outcome !== 'failed' && (
              lines.length ? (
                <div style={{ marginTop: 4 }}>
                  <DiffView lines={lines} testId="dry-run-diff" />
                </div>
              ) : (
                <div>
                  <Typography.Text type="secondary">{r.outcome === 'created' ? t('resource.editor.newObject') : t('resource.editor.noChange')}</Typography.Text>
                </div>
              )
            )}
          </div>
        );
      })}
    </div>
  );
}
