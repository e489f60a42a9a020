// A LimitRange's limits as the rows of `kubectl describe limitrange`: one per type and resource.
import type { KubeObject } from '../../api/resources';

export interface LimitRow {
  type: string;
  resource: string;
  min?: string;
  max?: string;
  defaultRequest?: string;
  default?: string;
  maxLimitRequestRatio?: string;
}

type Limit = Partial<Record<'min' | 'max' | 'defaultRequest' | 'default' | 'maxLimitRequestRatio', Record<string, string>>> & { type?: string };

/** Rows in the LimitRange's order of types, resources sorted within a type. */
export function limitRows(lr: KubeObject): LimitRow[] {
  const limits = ((lr.spec as { limits?: Limit[] } | undefined)?.limits ?? []) as Limit[];
  const rows: LimitRow[] = [];
  for (const l of limits) {
    const parts = ['min', 'max', 'defaultRequest', 'default', 'maxLimitRequestRatio'] as const;
    const resources = [...new Set(parts.flatMap((p) => Object.keys(l[p] ?? {})))].sort();
    for (const resource of resources) {
      const row: LimitRow = { type: l.type ?? '', resource };
      for (const p of parts) {
        const v = l[p]?.[resource];
        if (v !== undefined) row[p] = v;
      }
      rows.push(row);
    }
  }
  return rows;
}
