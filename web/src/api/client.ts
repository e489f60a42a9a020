// The one place that talks HTTP to the server: adds the bearer token, refreshes it once on 401
// (single-flight, so parallel queries share one refresh), and turns error bodies into ApiError.
import type { ApiErrorBody, TokenPair } from './types';
import { accessTokenStale, getSession, sessionFromTokens, setSession } from './session';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  /** what the code's sentence names (see `ErrorCode`); empty for an answer without them */
  readonly params: Record<string, unknown>;
  readonly requestId?: string;
  readonly body?: ApiErrorBody;
  readonly retryAfter?: number;

  constructor(status: number, body: Partial<ApiErrorBody>, retryAfter?: number) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || (status === 0 ? 'network' : `http_${status}`);
    this.field = body.field ?? undefined;
    this.params = body.params && typeof body.params === 'object' ? body.params : {};
    this.requestId = body.request_id;
    this.body = body as ApiErrorBody;
    this.retryAfter = retryAfter;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined | string[]>;

export function buildQuery(q?: Query): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.filter(Boolean).forEach((x) => p.append(k, x));
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

type Event = 'password-change-required' | 'session-expired';
const eventListeners = new Set<(e: Event) => void>();
export function onApiEvent(l: (e: Event) => void): () => void {
  eventListeners.add(l);
  return () => eventListeners.delete(l);
}
function emit(e: Event) {
  eventListeners.forEach((l) => l(e));
}

async function parseError(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> = {};
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  const ra = res.headers.get('Retry-After');
  return new ApiError(res.status, body, ra ? Number(ra) : undefined);
}

let refreshing: Promise<boolean> | null = null;

/** Exchanges the refresh token for a new pair; false when the session is gone. */
export function refreshSession(): Promise<boolean> {
  if (refreshing) return refreshing;
  const s = getSession();
  if (!s) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: s.refreshToken }),
      });
      if (!res.ok) {
        // Another tab may have rotated the token already: take its newer session if there is one.
        const latest = getSession();
        if (latest && latest.refreshToken !== s.refreshToken) return true;
        setSession(null);
        emit('session-expired');
        return false;
      }
      setSession(sessionFromTokens((await res.json()) as TokenPair));
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export interface RequestOptions {
  method?: string;
  query?: Query;
  body?: unknown;
  /** a body sent as it is (YAML), with its content type, instead of `body` as JSON */
  text?: { body: string; contentType: string };
  /** what the answer should be (`application/json` unless given) */
  accept?: string;
  /** return the raw Response (downloads, text) */
  raw?: boolean;
  /** auth routes do not carry or refresh tokens */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const url = `/api/v1${path}${buildQuery(opts.query)}`;
  const doFetch = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
    if (opts.text) headers['Content-Type'] = opts.text.contentType;
    else if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const s = getSession();
    if (!opts.anonymous && s) headers.Authorization = `Bearer ${s.accessToken}`;
    try {
      return await fetch(url, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.text ? opts.text.body : opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, { code: 'network', message: '' });
    }
  };

  if (!opts.anonymous) {
    const s = getSession();
    if (s && accessTokenStale(s)) await refreshSession();
  }
  let res = await doFetch();
  if (res.status === 401 && !opts.anonymous && getSession()) {
    if (await refreshSession()) res = await doFetch();
    else throw await parseError(res);
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (err.status === 403 && err.code === 'password_change_required') emit('password-change-required');
    if (err.status === 401 && !opts.anonymous) {
      setSession(null);
      emit('session-expired');
    }
    throw err;
  }
  if (opts.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  // an API route this server does not have yet may fall through to the SPA's index.html
  if (text.trimStart().startsWith('<')) throw new ApiError(404, { code: 'http_404', message: '' });
  return (text ? JSON.parse(text) : undefined) as T;
}
