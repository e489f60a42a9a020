// Network and configuration views (issue 15): the per-kind insight of Services, Ingresses, Secrets and ConfigMaps,
// the Secret forms, and revealing one Secret key; typed from the server's OpenAPI document (schema.d.ts).
import { api } from '../../api/client';
import type { components } from '../../api/schema';
import { objectPath, type KindInfo, type ObjectRef, type ResourceDetail } from '../../api/resources';

type Schemas = components['schemas'];
type K = Pick<KindInfo, 'name' | 'namespaced'>;

export type Insight = Schemas['Insight'];
export type InsightWarning = Schemas['Warning'];
export type ServiceInsight = Schemas['ServiceInsight'];
export type IngressInsight = Schemas['IngressInsight'];
export type SecretInsight = Schemas['SecretInsight'];
export type ConfigMapInsight = Schemas['ConfigMapInsight'];
export type Usage = Schemas['Usage'];
export type Certificate = Schemas['Certificate'];
export type SecretCreated = Schemas['SecretCreated'];
export type TlsSecretForm = Schemas['TlsSecretForm'];
export type RegistrySecretForm = Schemas['RegistrySecretForm'];

/** The kinds with an insight (the server answers 404 verb_not_supported for others). */
export const INSIGHT_KINDS = ['services', 'ingresses', 'networkpolicies', 'secrets', 'configmaps'];
export const hasInsight = (k: Pick<KindInfo, 'name' | 'group'>) => INSIGHT_KINDS.includes(k.name) && (k.group === '' || k.group === 'networking.k8s.io' || k.group === 'extensions');

export const getInsight = (id: string | number, kind: K, ref: ObjectRef) => api<Insight>(`${objectPath(id, kind, ref)}/insight`);

/** One key of a Secret in clear (audited as secret.reveal with the key's name). */
export async function revealKey(id: string | number, kind: K, ref: ObjectRef, key: string): Promise<string> {
  const d = await api<ResourceDetail>(objectPath(id, kind, ref), { query: { reveal: true, key } });
  const b64 = ((d.object as { data?: Record<string, string> }).data ?? {})[key] ?? '';
  return decodeBase64(b64);
}

/** base64 → UTF-8 text (binary shows as replacement characters). */
export function decodeBase64(b64: string): string {
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

const secretsPath = (id: string | number, ns: string, form: 'tls-secrets' | 'registry-secrets') => `/k8s/cluster/${id}/namespaces/${encodeURIComponent(ns)}/${form}`;
export const createTlsSecret = (id: string | number, ns: string, body: TlsSecretForm, dryRun = false) =>
  api<SecretCreated>(secretsPath(id, ns, 'tls-secrets'), { method: 'POST', body, query: { dry_run: dryRun || undefined } });
export const createRegistrySecret = (id: string | number, ns: string, body: RegistrySecretForm, dryRun = false) =>
  api<SecretCreated>(secretsPath(id, ns, 'registry-secrets'), { method: 'POST', body, query: { dry_run: dryRun || undefined } });
