// Namespaces, quotas and storage beyond the generic engine (issue 15): the per-kind routes on the engine's object
// paths, typed from the server's OpenAPI document (schema.d.ts).
import { api } from '../../api/client';
import type { components } from '../../api/schema';
import { objectPath, type KindInfo, type ObjectRef } from '../../api/resources';

type Schemas = components['schemas'];
type K = Pick<KindInfo, 'name' | 'namespaced'>;

export type NamespaceForm = Schemas['NamespaceForm'];
export type NamespaceCreated = Schemas['NamespaceCreated'];
export type NamespaceContents = Schemas['NamespaceContents'];
export type KindCount = Schemas['KindCount'];
export type QuotaLine = Schemas['QuotaLine'];
export type ClaimVolume = Schemas['ClaimVolume'];
export type Resized = Schemas['Resized'];
export type DefaultClass = Schemas['DefaultClass'];

const ns = (id: string | number, name: string) => `/k8s/cluster/${id}/namespaces/${encodeURIComponent(name)}`;
const at = (id: string | number, kind: K, ref: ObjectRef, verb: string) => `${objectPath(id, kind, ref)}/${verb}`;

export const createNamespace = (id: string | number, name: string, form: NamespaceForm, dryRun = false) =>
  api<NamespaceCreated>(`${ns(id, name)}/create`, { method: 'POST', body: form, query: { dry_run: dryRun || undefined } });
export const getNamespaceContents = (id: string | number, name: string) => api<NamespaceContents>(`${ns(id, name)}/contents`);
export const getQuotaUsage = (id: string | number, kind: K, ref: ObjectRef) => api<Schemas['QuotaUsage']>(at(id, kind, ref, 'usage'));
export const getClaimVolume = (id: string | number, kind: K, ref: ObjectRef) => api<ClaimVolume>(at(id, kind, ref, 'volume'));
export const resizeClaim = (id: string | number, kind: K, ref: ObjectRef, storage: string) => api<Resized>(at(id, kind, ref, 'size'), { method: 'PUT', body: { storage } });
export const setDefaultClass = (id: string | number, kind: K, ref: ObjectRef) => api<DefaultClass>(at(id, kind, ref, 'default'), { method: 'POST', body: {} });
export const getVolumeHistory = (id: string | number, kind: K, ref: ObjectRef, hours: number) => api<Schemas['VolumeHistory']>(at(id, kind, ref, 'volume/history'), { query: { hours } });
