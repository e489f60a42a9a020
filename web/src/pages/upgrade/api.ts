// Upgrade readiness (issue 18): GET /k8s/cluster/{id}/upgrade/readiness?target= — the API versions removed on the
// way to a target and who still writes them, the deprecated APIs the API server saw requested, kubelet skew.
import { api } from '../../api/client';
import type { components } from '../../api/schema';

type Schemas = components['schemas'];
export type UpgradeReadiness = Schemas['UpgradeReadiness'];
export type RemovedApiFinding = Schemas['RemovedApiFinding'];
export type NodeSkew = Schemas['NodeSkew'];

export const upgradeReadiness = (clusterId: string | number, target: string) =>
  api<UpgradeReadiness>(`/k8s/cluster/${clusterId}/upgrade/readiness`, { query: { target } });
