// Why a filtered pod list is empty, when a namespace filter is set. Kept free of React so unit tests run it directly.

export interface EmptyNote {
  key: 'pod.emptyNamespace' | 'pod.emptyNamespaces' | 'pod.noneMatchInNamespace';
  vars: Record<string, string | number>;
}

/**
 * The sentence for an empty list filtered by `namespaces`. `podsThere` is how many pods those namespaces hold with
 * no other filter (undefined while it is not known). The API lists no namespaces, so a namespace without pods and
 * one that does not exist look the same: the sentence says so instead of guessing.
 */
export function emptyNamespaceNote(namespaces: string[], podsThere: number | undefined): EmptyNote | null {
  if (!namespaces.length || podsThere === undefined) return null;
  const ns = namespaces.join(', ');
  if (podsThere > 0) return { key: 'pod.noneMatchInNamespace', vars: { ns, count: podsThere } };
  return namespaces.length === 1 ? { key: 'pod.emptyNamespace', vars: { ns } } : { key: 'pod.emptyNamespaces', vars: { ns } };
}

/** The namespaces a `namespace` filter names (comma-separated, as the API takes it). */
export const namespaceList = (filter: string | undefined | null): string[] =>
  (filter ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
