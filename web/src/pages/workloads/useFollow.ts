// Follows the server's change notices for several kinds (`GET .../changes?kinds=deployments,replicasets,pods`,
// the same stream and frames as useChanges, lib/sse.ts) and calls `onChange` on each notice: the rollout panel
// refetches `.../rollout` on it. Returns whether the notices are live (the caller polls otherwise).
import { useEffect, useRef, useState } from 'react';
import { refreshSession } from '../../api/client';
import { accessTokenStale, getSession } from '../../api/session';
import { parseSseFrame, takeFrames } from '../../lib/sse';

export function useFollow(clusterId: string | undefined, kinds: string[], onChange: () => void): boolean {
  const [live, setLive] = useState(false);
  const cb = useRef(onChange);
  cb.current = onChange;
  const key = kinds.join(',');
  useEffect(() => {
    if (!clusterId || !key) return;
    const ctl = new AbortController();
    const wait = (ms: number) => new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      ctl.signal.addEventListener('abort', () => { clearTimeout(t); r(); });
    });
    (async () => {
      let pause = 2_000;
      while (!ctl.signal.aborted) {
        try {
          const before = getSession();
          if (before && accessTokenStale(before)) await refreshSession();
          const s = getSession();
          const res = await fetch(`/api/v1/k8s/cluster/${clusterId}/changes?kinds=${encodeURIComponent(key)}`, {
            headers: { Accept: 'text/event-stream', ...(s ? { Authorization: `Bearer ${s.accessToken}` } : {}) },
            signal: ctl.signal,
          });
          if (res.status === 401) await refreshSession();
          else if ([400, 403, 404, 405].includes(res.status)) return;
          else if (res.ok && res.body && (res.headers.get('content-type') ?? '').includes('text/event-stream')) {
            pause = 2_000;
            const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
            let buf = '';
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              const { frames, rest } = takeFrames(buf + value);
              buf = rest;
              for (const f of frames.map(parseSseFrame)) {
                if (f?.event === 'status') {
                  const st = JSON.parse(f.data) as { live?: boolean; stale?: boolean };
                  setLive(!!st.live && !st.stale);
                } else if (f?.event === 'change') cb.current();
              }
            }
          }
        } catch {
          if (ctl.signal.aborted) return;
        }
        setLive(false);
        await wait(pause);
        pause = Math.min(pause * 2, 60_000);
      }
    })();
    return () => {
      ctl.abort();
      setLive(false);
    };
  }, [clusterId, key]);
  return live;
}
