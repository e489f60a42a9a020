// Session state for the UI: who is logged in, and where to go on a forced password change or expiry.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation, useNavigate } from 'react-router-dom';
import { fetchMe } from './api/auth';
import { onApiEvent } from './api/client';
import { getSession, onSessionChange, type StoredSession } from './api/session';
import type { Me } from './api/types';

interface AuthValue {
  session: StoredSession | null;
  me: Me | undefined;
  meLoading: boolean;
}

const Ctx = createContext<AuthValue>({ session: null, me: undefined, meLoading: false });

/** Remembered only between the login form and the forced change form, never stored. */
let pendingCredentials: { username: string; password: string } | null = null;
export const rememberLoginForPasswordChange = (c: { username: string; password: string } | null) => {
  pendingCredentials = c;
};
export const takeLoginForPasswordChange = () => pendingCredentials;

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState(getSession);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();

  useEffect(
    () =>
      onSessionChange((s) => {
        setSession(s);
        if (!s) qc.clear();
      }),
    [qc],
  );

  useEffect(
    () =>
      onApiEvent((e) => {
        const here = location.pathname + location.search;
        if (e === 'password-change-required') navigate('/change-password');
        if (e === 'session-expired' && location.pathname !== '/login')
          navigate(`/login?next=${encodeURIComponent(here)}&expired=1`);
      }),
    [navigate, location],
  );

  const meQuery = useQuery({
    queryKey: ['me', session?.refreshToken ? 'in' : 'out'],
    queryFn: fetchMe,
    enabled: !!session && !session.mustChangePassword,
    staleTime: 60_000,
  });

  return <Ctx.Provider value={{ session, me: meQuery.data, meLoading: meQuery.isLoading }}>{children}</Ctx.Provider>;
}

export const useAuth = () => useContext(Ctx);
