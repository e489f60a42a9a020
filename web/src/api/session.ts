// Holds the token pair. The refresh token is kept in localStorage so a reload keeps the session;
// refresh tokens rotate, so a stolen old one is useless after the next refresh.
import type { TokenPair } from './types';

const KEY = 'kubedeck.session';

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** epoch ms when the access token expires */
  expiresAt: number;
  mustChangePassword: boolean;
}

type Listener = (s: StoredSession | null) => void;
const listeners = new Set<Listener>();
let current: StoredSession | null = load();

function load(): StoredSession | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

export function getSession(): StoredSession | null {
  return current;
}

// Another tab that refreshed (refresh tokens rotate) or logged out updates this tab too.
globalThis.addEventListener?.('storage', (e: StorageEvent) => {
  if (e.key !== KEY) return;
  current = load();
  listeners.forEach((l) => l(current));
});

export function sessionFromTokens(t: TokenPair, now = Date.now()): StoredSession {
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    expiresAt: now + Math.max(0, t.expires_in) * 1000,
    mustChangePassword: t.must_change_password,
  };
}

export function setSession(s: StoredSession | null): void {
  current = s;
  try {
    if (s) globalThis.localStorage?.setItem(KEY, JSON.stringify(s));
    else globalThis.localStorage?.removeItem(KEY);
  } catch {
    /* storage unavailable (private mode): keep the session in memory only */
  }
  listeners.forEach((l) => l(s));
}

export function onSessionChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** True when the access token is expired or expires within `skewMs`. */
export function accessTokenStale(s: StoredSession, now = Date.now(), skewMs = 15_000): boolean {
  return s.expiresAt - skewMs <= now;
}
