// The namespace form's values and the request they make (pure, unit-tested beside it).
import type { NamespaceForm } from './api';

/** What the form holds: labels as `key=value` lines, the quota's and limit range's fields as typed. */
export interface NamespaceFormValues {
  name: string;
  labels: string;
  withQuota: boolean;
  quota: Partial<Record<QuotaField, string>>;
  withLimits: boolean;
  limits: Partial<Record<LimitField, string>>;
}

/** The quota resources the form offers (others through YAML). */
export const QUOTA_FIELDS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'pods', 'persistentvolumeclaims', 'requests.storage'] as const;
export type QuotaField = (typeof QUOTA_FIELDS)[number];

/** A container's defaults and bounds in the LimitRange (`default.cpu` is LimitRange's `default`, etc.). */
export const LIMIT_FIELDS = ['default.cpu', 'default.memory', 'default_request.cpu', 'default_request.memory', 'max.cpu', 'max.memory'] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

/** `key=value` lines (blank lines ignored) as a map; a line without `=` is an error naming it. */
export function parseLabels(text: string): { labels: Record<string, string>; bad?: string } {
  const labels: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const i = line.indexOf('=');
    if (i <= 0) return { labels, bad: line };
    labels[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return { labels };
}

const filled = (m: Partial<Record<string, string>>) => Object.fromEntries(Object.entries(m).filter(([, v]) => v && v.trim()).map(([k, v]) => [k, (v as string).trim()]));

/** The request body: only the parts asked for, and only filled fields. */
export function namespaceRequest(v: NamespaceFormValues): NamespaceForm {
  const body: NamespaceForm = { labels: parseLabels(v.labels).labels };
  if (v.withQuota) body.quota = { hard: filled(v.quota) };
  if (v.withLimits) {
    const entry: Record<string, Record<string, string>> = {};
    for (const [k, val] of Object.entries(filled(v.limits))) {
      const [part, resource] = k.split('.');
      entry[part] = { ...(entry[part] ?? {}), [resource]: val };
    }
    body.limit_range = { limits: [{ type: 'Container', ...entry }] };
  }
  return body;
}
