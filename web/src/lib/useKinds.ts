// The kind registry of one cluster (GET .../kinds): which kinds it serves, at which version, with which columns.
import { useEffect, useMemo, useRef, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient, type QueryClient, type QueryKey, type UseQueryOptions } from '@tanstack/react-query';
import { listKinds, listResources, type KindInfo, type ResourceListParams } from '../api/resources';
import { refreshSession } from '../api/client';
import { accessTokenStale, getSession } from '../api/session';
import { parseSseFrame, takeFrames } from './sse';
import { listQueryOf } from './resources';

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

/**
 * The query keys of the pages that have their own API besides the generic one (the pod and node pages): a change
 * notice for the kind refetches them too.
 */
const OWN_PAGE_KEYS: Record<string, string[]> = { pods: ['pods', 'pod'], nodes: ['nodes', 'node'] };

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
 * with fetch) and calls `onChange` with the kinds each notice names; `status` frames say whether the notices are
 * live. Returns true while they are; the callers poll otherwise (an older server without the route, a cluster not
 * watched by this replica, a broken connection: it reconnects with a growing pause).
 */
export function useChangeStream(clusterId: string | undefined, kinds: string[], onChange: (kinds: string[]) => void): boolean {
  const [live, setLive] = useState(false);
  const cb = useRef(onChange);
  cb.current = onChange;
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
                  cb.current((JSON.parse(f.data) as { kinds?: string[] }).kinds ?? []);
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
  }, [clusterId, key]);
  return live;
}

/** useChangeStream for the resource pages: a notice refetches the lists and details of the kinds it names. */
export function useChanges(clusterId: string | undefined, kinds: string[]): boolean {
  const qc = useQueryClient();
  return useChangeStream(clusterId, kinds, (changed) => {
    for (const k of changed) {
      qc.invalidateQueries({ queryKey: ['resources', clusterId, k] });
      // (a detail whose Secret values were revealed is not read again: each reveal is audited)
      qc.invalidateQueries({ queryKey: ['resource', clusterId, k], predicate: (query) => query.queryKey[5] !== true });
      qc.invalidateQueries({ queryKey: ['resource-yaml', clusterId, k], predicate: (query) => query.queryKey[5] !== true });
      for (const own of OWN_PAGE_KEYS[k] ?? []) qc.invalidateQueries({ queryKey: [own, clusterId] });
    }
  });
}

/**
 * A query of a kind's objects kept fresh while the page is shown: refetched on the server's change notices for
 * `kind` when they are live, polled every `pollMs` when not (TanStack Query pauses the interval while the tab is
 * hidden). The one place the lists and details (generic, pods, nodes) decide how they stay fresh; `pushed` says
 * which it is, for the live tag. Nodes are not in the change stream: they are always polled.
 */
export function useLiveQuery<T, K extends QueryKey>(
  clusterId: string | undefined,
  kind: string,
  options: Omit<UseQueryOptions<T, Error, T, K>, 'refetchInterval'>,
  pollMs: number = LIST_REFRESH_MS,
) {
  const enabled = options.enabled !== false;
  const live = useChanges(enabled ? clusterId : undefined, [kind]);
  const q = useQuery({ ...options, refetchInterval: live ? Math.max(LIVE_SAFETY_MS, pollMs) : pollMs });
  return Object.assign(q, { pushed: live });
}

/**
 * A list answer younger than this is shown without asking again when its page mounts: the menu's prefetch (below)
 * has just fetched it. Change notices and the polling still refetch it.
 */
const LIST_FRESH_MS = 2_000;

const resourceListKey = (clusterId: string, name: string, query: ResourceListParams) => ['resources', clusterId, name, query] as const;

/** One page of a kind's generic list, kept fresh (see `useLiveQuery`). */
export function useResourceList(clusterId: string, name: string, query: ResourceListParams, enabled = true) {
  return useLiveQuery(clusterId, name, {
    queryKey: resourceListKey(clusterId, name, query),
    queryFn: () => listResources(clusterId, name, query),
    enabled: enabled && !!clusterId && !!name,
    placeholderData: keepPreviousData,
    staleTime: LIST_FRESH_MS,
  });
}

/**
 * Asks for the first page a kind's list shows without filters (what a click in the menu opens), so that the request
 * runs while the browser renders the page instead of after it: the page's `useResourceList` then finds it in flight
 * or answered. At 150,000 pods the click spent ≈ 170–240 ms before the list page sent its request (BENCHMARKS.md).
 */
export function prefetchResourceList(qc: QueryClient, clusterId: string, name: string): void {
  const query = listQueryOf(new URLSearchParams(), []);
  void qc.prefetchQuery({ queryKey: resourceListKey(clusterId, name, query), queryFn: () => listResources(clusterId, name, query), staleTime: LIST_FRESH_MS });
}
