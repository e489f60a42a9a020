import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, onApiEvent } from './client';
import { getSession, setSession } from './session';

type Handler = (url: string, init: RequestInit) => { status: number; body?: unknown; headers?: Record<string, string> };

function mockFetch(handler: Handler) {
  const calls: { url: string; auth?: string; body?: string }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    calls.push({ url, auth: headers.Authorization, body: init.body as string | undefined });
    const r = handler(url, init);
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status, headers: { 'Content-Type': 'application/json', ...(r.headers ?? {}) } });
  });
  return calls;
}

const session = (access: string, refresh = 'r1') => ({ accessToken: access, refreshToken: refresh, expiresAt: Date.now() + 600_000, mustChangePassword: false });

afterEach(() => {
  vi.unstubAllGlobals();
  setSession(null);
});

describe('API client sessions', () => {
  it('sends the bearer token and parses JSON', async () => {
    setSession(session('a1'));
    const calls = mockFetch(() => ({ status: 200, body: { items: [], total: 0 } }));
    await expect(api('/k8s/cluster')).resolves.toEqual({ items: [], total: 0 });
    expect(calls[0].auth).toBe('Bearer a1');
  });

  it('refreshes once on 401 and retries, even for parallel calls', async () => {
    setSession(session('old'));
    let refreshes = 0;
    const calls = mockFetch((url, init) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes++;
        expect(JSON.parse(init.body as string)).toEqual({ refresh_token: 'r1' });
        return { status: 200, body: { access_token: 'new', refresh_token: 'r2', expires_in: 900, token_type: 'Bearer', must_change_password: false } };
      }
      const auth = (init.headers as Record<string, string>).Authorization;
      return auth === 'Bearer new' ? { status: 200, body: { ok: true } } : { status: 401, body: { code: 'unauthorized', message: 'token expired' } };
    });
    const results = await Promise.all([api('/a'), api('/b'), api('/c')]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(refreshes).toBe(1);
    expect(getSession()?.refreshToken).toBe('r2');
    expect(calls.filter((c) => c.auth === 'Bearer new')).toHaveLength(3);
  });

  it('a failed refresh ends the session and tells the app', async () => {
    setSession(session('old'));
    const events: string[] = [];
    const off = onApiEvent((e) => events.push(e));
    mockFetch((url) => (url.endsWith('/auth/refresh') ? { status: 401, body: { code: 'unauthorized', message: 'revoked' } } : { status: 401, body: { code: 'unauthorized', message: 'expired' } }));
    await expect(api('/k8s/cluster')).rejects.toBeInstanceOf(ApiError);
    expect(getSession()).toBeNull();
    expect(events).toContain('session-expired');
    off();
  });

  it('a forced password change is announced, and 429 carries Retry-After', async () => {
    setSession(session('a1'));
    const events: string[] = [];
    const off = onApiEvent((e) => events.push(e));
    mockFetch((url) =>
      url.includes('/users')
        ? { status: 403, body: { code: 'password_change_required', message: 'change the initial password first' } }
        : { status: 429, body: { code: 'too_many_attempts', message: 'slow down' }, headers: { 'Retry-After': '42' } },
    );
    await expect(api('/users')).rejects.toMatchObject({ status: 403, code: 'password_change_required' });
    expect(events).toEqual(['password-change-required']);
    await expect(api('/auth/login', { method: 'POST', body: {}, anonymous: true })).rejects.toMatchObject({ status: 429, retryAfter: 42 });
    off();
  });

  it('an API route this server lacks (SPA fallback HTML) is a 404, not a JSON crash', async () => {
    setSession(session('a1'));
    vi.stubGlobal('fetch', async () => new Response('<!doctype html><title>Kubedeck</title>', { status: 200, headers: { 'Content-Type': 'text/html' } }));
    await expect(api('/k8s/cluster/1/pods')).rejects.toMatchObject({ status: 404 });
  });

  it('a network failure is reported as such', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api('/auth/me')).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});
