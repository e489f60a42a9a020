import { ApiError } from '../api/client';
import type { ErrorCode } from '../api/types';
import { en } from '../i18n/en';
import type { TFunc } from '../i18n';

/** A sentence per server error code: a code added to the API without one fails the type check here. */
export const API_ERROR_SENTENCES: Record<`apiError.${ErrorCode}`, string> = en;

type Vars = Record<string, string | number | null | undefined>;

const isKnownCode = (code: string): code is ErrorCode => Object.prototype.hasOwnProperty.call(API_ERROR_SENTENCES, `apiError.${code}`);

/** The sentence variant the params call for: "at least" without a max, "in namespace" with one, the rule broken ... */
function variant(code: ErrorCode, p: Record<string, unknown>): string | undefined {
  const has = (k: string) => p[k] !== undefined && p[k] !== null && p[k] !== '';
  switch (code) {
    case 'out_of_range':
      return has('min') && has('max') ? undefined : has('min') ? 'min' : has('max') ? 'max' : 'none';
    case 'invalid_length':
      return Number(p.min) === 0 ? 'max' : undefined;
    case 'invalid_label':
    case 'invalid_taint':
      return p.rule === 'value' ? 'value' : undefined;
    case 'invalid_name':
      return p.what === 'username' ? 'username' : undefined;
    case 'weak_password':
    case 'invalid_binding':
      return typeof p.rule === 'string' ? p.rule : undefined;
    case 'too_many_attempts':
      return Number(p.seconds) >= 60 ? 'minutes' : undefined;
    case 'forbidden':
      return has('namespace') ? 'namespace' : has('cluster') ? 'cluster' : undefined;
    case 'invalid_selector':
      return typeof p.rule === 'string' ? p.rule : undefined;
    case 'kubeconfig_unsafe':
      // a file reference (tokenFile, client-certificate, client-key ...) shares one sentence naming the field
      if (typeof p.rule !== 'string') return undefined;
      return ['exec', 'auth-provider', 'as', 'certificate-authority', 'proxy-url'].includes(p.rule) ? p.rule : 'file';
    case 'container_not_found':
      return has('kind') ? 'workload' : undefined;
    case 'cluster_timeout':
      return has('seconds') ? undefined : 'none';
    case 'cluster_error':
      return has('status') ? 'status' : undefined;
    case 'manifest_invalid':
      return typeof p.rule === 'string' ? p.rule : undefined;
    case 'kind_not_served':
      return has('document') ? 'document' : undefined;
    case 'resource_conflict':
      return has('current_version') ? undefined : 'none';
    case 'kubeconfig_invalid':
      if (p.rule === 'yaml') return 'yaml';
      // "credential" is the form field (the whole kubeconfig), not a place inside it
      return has('path') && p.path !== 'credential' ? undefined : 'none';
    default:
      return undefined;
  }
}

/** A param as sentence text: lists joined the way the language joins them, ids never grouped ("cluster 1234"). */
function show(v: unknown, sep: string): string | number | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(sep);
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Codes whose rule variants say everything: their English `detail` is not appended to them. */
const RULE_WORDED = new Set<ErrorCode>(['invalid_selector', 'manifest_invalid']);
/** Rule variants whose `detail` still says something the sentence does not (the YAML parser's line and column). */
const KEEPS_DETAIL = (code: ErrorCode, p: Record<string, unknown>) => code === 'manifest_invalid' && p.rule === 'yaml';

const ID_PARAMS = new Set(['cluster', 'task', 'user', 'resource_version', 'current_version']);

/** The values a code's sentence names, in the user's language where the console knows the words. */
function sentenceVars(t: TFunc, err: ApiError): Vars {
  const sep = t('apiError.listSeparator');
  const p = err.params;
  const vars: Vars = { field: err.field, request_id: err.requestId };
  for (const [k, v] of Object.entries(p)) vars[k] = ID_PARAMS.has(k) && typeof v === 'number' ? String(v) : show(v, sep);
  if (typeof p.seconds === 'number') vars.minutes = Math.ceil(p.seconds / 60);
  if (typeof p.what === 'string') {
    const what = t(`apiError.what.${p.what}`);
    vars.what = what.startsWith('apiError.') ? p.what : what;
  }
  if (err.code === 'task_finished' && typeof p.status === 'string') {
    const s = t(`task.states.${p.status}`);
    if (!s.startsWith('task.states.')) vars.status = s;
  }
  if (err.code === 'labels_changed' && Array.isArray(err.body?.changes)) {
    const absent = t('apiError.absent');
    vars.changes = err.body.changes
      .map((c) => `${c.key}: ${c.expected ?? absent} → ${c.current ?? absent}`)
      .join(t('apiError.listSeparator'));
  }
  // a manifest's documents are counted from 1 where people read them (the API's `document` is 0-based)
  if (typeof p.document === 'number') vars.document = p.document + 1;
  if (err.code === 'apply_conflict' && Array.isArray(p.conflicts)) {
    vars.conflicts = (p.conflicts as { field?: string; manager?: string }[]).map((c) => (c.manager ? `${c.field} (${c.manager})` : String(c.field))).join(sep);
  }
  if (err.code === 'taints_changed') {
    const parts: string[] = [];
    if (Array.isArray(p.added) && p.added.length) parts.push(t('apiError.changeAdded', { list: show(p.added, sep) }));
    if (Array.isArray(p.removed) && p.removed.length) parts.push(t('apiError.changeRemoved', { list: show(p.removed, sep) }));
    vars.changes = parts.join(sep);
  }
  return vars;
}

/** The translated sentence for a server error with a known code (`detail`, text from elsewhere, appended as it came). */
export function apiErrorSentence(t: TFunc, err: ApiError): string | undefined {
  if (!isKnownCode(err.code)) return undefined;
  const vars = sentenceVars(t, err);
  const v = variant(err.code, err.params);
  const key = v && t(`apiError.${err.code}.${v}`) !== `apiError.${err.code}.${v}` ? `apiError.${err.code}.${v}` : `apiError.${err.code}`;
  const sentence = t(key, vars);
  // a sentence chosen by the rule broken says all the parser's English detail would
  if (key !== `apiError.${err.code}` && RULE_WORDED.has(err.code) && !KEEPS_DETAIL(err.code, err.params)) return sentence;
  const detail = err.params.detail;
  return typeof detail === 'string' && detail.trim() ? t('apiError.withDetail', { sentence, detail }) : sentence;
}

/** The sentence a user sees for a failed call, in the user's language; the server's English only for a code this console does not know. */
export function errorText(t: TFunc, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'network') return t('error.network');
    if (err.code === 'too_many_attempts' && err.params.seconds === undefined)
      return err.retryAfter ? t('error.tooManyAttemptsRetry', { seconds: err.retryAfter }) : t('error.tooManyAttempts');
    const sentence = apiErrorSentence(t, err);
    if (sentence) return sentence;
    // no code we know: an older server, a proxy, or a code newer than this console
    if (err.status === 403) return err.message && !err.message.startsWith('HTTP') ? `${t('error.forbidden')}: ${err.message}` : t('error.forbidden');
    if (err.status === 404 && err.message.startsWith('HTTP')) return t('error.notFound');
    if (err.status >= 500 && err.message.startsWith('HTTP')) return t('error.server', { status: err.status });
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The route is not on this server yet (older server): show "not available" instead of an error. */
export function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 405) && (err.code === 'http_404' || err.code === 'http_405' || err.code === 'not_found' || err.code === 'route_not_found');
}
