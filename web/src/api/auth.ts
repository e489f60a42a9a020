import { api } from './client';
import { getSession, sessionFromTokens, setSession } from './session';
import type { Me, TokenPair } from './types';

export async function login(username: string, password: string): Promise<TokenPair> {
  const t = await api<TokenPair>('/auth/login', { method: 'POST', body: { username, password }, anonymous: true });
  setSession(sessionFromTokens(t));
  return t;
}

export async function logout(): Promise<void> {
  const s = getSession();
  try {
    if (s) await api<void>('/auth/logout', { method: 'POST', body: { refresh_token: s.refreshToken }, anonymous: true });
  } finally {
    setSession(null);
  }
}

export const fetchMe = () => api<Me>('/auth/me');

export async function changePassword(current_password: string, new_password: string): Promise<void> {
  await api<void>('/auth/password', { method: 'POST', body: { current_password, new_password } });
  // every refresh token is revoked by the server: the user logs in again with the new password
  setSession(null);
}
