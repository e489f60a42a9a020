// What the cluster's stored credential allows (from its last preflight), so the console can disable
// an action the cluster would refuse anyway and say which Kubernetes permission is missing.
import { useQuery } from '@tanstack/react-query';
import { getCluster } from '../api/clusters';
import type { PreflightPermission } from '../api/types';

export interface FeatureCheck {
  allowed: boolean;
  denied: string[];
}

export function featureCheck(capabilities: PreflightPermission[] | undefined, feature: string): FeatureCheck {
  const row = capabilities?.find((c) => c.feature === feature);
  // unknown (older cluster rows, or a feature the preflight does not test): let the server decide
  if (!row) return { allowed: true, denied: [] };
  return { allowed: row.allowed, denied: row.denied ?? [] };
}

export function useClusterFeatures(clusterId: string) {
  const q = useQuery({ queryKey: ['cluster', clusterId], queryFn: () => getCluster(clusterId), enabled: !!clusterId, staleTime: 30_000 });
  return (feature: string) => featureCheck(q.data?.capabilities, feature);
}
