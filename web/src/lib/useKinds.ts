// The kind registry of one cluster (GET .../kinds): which kinds it serves, at which version, with which columns.
import { useMemo } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { listKinds, listResources, type KindInfo, type ResourceListParams } from '../api/resources';

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

/** How often a visible list asks again (a push stream from the server can replace this hook's polling later). */
export const LIST_REFRESH_MS = 5_000;

/**
 * One page of a kind's list, kept fresh while the page is visible (TanStack Query pauses the interval while the tab
 * is hidden). The only place the generic pages poll: swap this for a server push stream without touching them.
 */
export function useResourceList(clusterId: string, name: string, query: ResourceListParams, enabled = true) {
  return useQuery({
    queryKey: ['resources', clusterId, name, query],
    queryFn: () => listResources(clusterId, name, query),
    enabled: enabled && !!clusterId && !!name,
    placeholderData: keepPreviousData,
    refetchInterval: LIST_REFRESH_MS,
  });
}
