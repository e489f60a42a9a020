// The kind registry of one cluster (GET .../kinds): which kinds it serves, at which version, with which columns.
import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { listKinds, listResources, type KindInfo, type ResourceListParams } from '../api/resources';
import { refreshSession } from '../api/client';
import { accessTokenStale, getSession } from '../api/session';
import { parseSseFrame, takeFrames } from './sse';

export function useKinds(clusterId: string | undefined) {
  const q = useQuery({
    queryKey: ['kinds', clusterId],
    queryFn: () => listKinds(clusterId!),
    enabled: !!clusterId,
    // what a cluster serves changes rarely (a CRD installed): a minute is fresh enough
    staleTime: 60_000,
  });
  const kinds = q.data?.items;
  const helpers = useMemo(() => {
    const list = kinds ?? [];
    return {
      kinds: list,
      /** the kind a URL names (`deployments`, `widgets.example.com`) */
      byName: (name: string | undefined): KindInfo | undefined => (name ? list.find((k) => k.name === name) : undefined),
      /** the kind of an owner reference or related object (`Deployment`), preferring a served one */
      byKind: (kind: string): KindInfo | undefined => list.find((k) => k.kind === kind && k.version) ?? list.find((k) => k.kind === kind),
    };
  }, [kinds]);
  return { query: q, ...helpers };
}

/** How often a list or detail asks again while no change stream is live. */
export const LIST_REFRESH_MS = 5_000;
/** With a live change stream, a slow safety refresh (a notice lost with a dropped connection). */
export const LIVE_SAFETY_MS = 60_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * Follows the server's change notices for `kinds` of a cluster (`GET .../changes?kinds=`, server-sent events read
 * with fetch): a `change` refetches the lists and details of the kinds named; `status` says whether the notices are
 * live. Returns true while they are; the pages poll otherwise (an older server without the route, a cluster not
 * watched by this replica, a broken connection: it reconnects with a growing pause).
 */
export function useChanges(clusterId: string | undefined, kinds: string[]): boolean {
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  const key = kinds.filter((k) => k && k !== 'nodes').join(',');
  useEffect(() => {
    if (!clusterId || !key) return;
    const ctl = new AbortController();
    const follow = async () => {
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
          // no such route (an older server), a kind it refuses, no permission: polling it is, for this page
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
                } else if (f?.event === 'change') {
                  for (const k of (JSON.parse(f.data) as { kinds?: string[] }).kinds ?? []) {
                    qc.invalidateQueries({ queryKey: ['resources', clusterId, k] });
                    // (a detail whose Secret values were revealed is not read again: each reveal is audited)
                    qc.invalidateQueries({ queryKey: ['resource', clusterId, k], predicate: (query) => query.queryKey[5] !== true });
                  }
                }
              }
            }
          } else if (!res.ok) throw new Error(`HTTP ${res.status}`);
        } catch {
          if (ctl.signal.aborted) return;
        }
        setLive(false);
        await sleep(pause, ctl.signal);
        pause = Math.min(pause * 2, 60_000);
      }
    };
    follow();
    return () => {
      ctl.abort();
      setLive(false);
    };
  }, [clusterId, key, qc]);
  return live;
}

/**
 * One page of a kind's list, kept fresh while the page is shown: refetched on the server's change notices when
 * they are live, polled every few seconds when not (TanStack Query pauses the interval while the tab is hidden).
 * The only place the generic list decides how it stays fresh.
 */
export function useResourceList(clusterId: string, name: string, query: ResourceListParams, enabled = true) {
  const live = useChanges(enabled ? clusterId : undefined, [name]);
  const q = useQuery({
    queryKey: ['resources', clusterId, name, query],
    queryFn: () => listResources(clusterId, name, query),
    enabled: enabled && !!clusterId && !!name,
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_SAFETY_MS : LIST_REFRESH_MS,
  });
  return Object.assign(q, { pushed: live });
}
