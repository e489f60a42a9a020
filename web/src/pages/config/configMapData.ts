// The ConfigMap data editor's object (issue 15): the live object with its `data` replaced by the edited entries
// (empty keys dropped, binaryData and the resourceVersion kept, so a stale edit is a conflict). React-free.
import type { KubeObject } from '../../api/resources';

export function withData(live: KubeObject, entries: [string, string][]): KubeObject {
  const data = Object.fromEntries(entries.filter(([k]) => k.trim() !== '').map(([k, v]) => [k.trim(), v]));
  const { managedFields: _m, ...metadata } = (live.metadata ?? {}) as Record<string, unknown>;
  void _m;
  return { ...live, metadata: metadata as KubeObject['metadata'], data };
}
