// List state kept in the URL (filters, sort, page, page size, tab), so a reload, Back or a shared link shows the
// same view. React-free, so unit tests run it directly.
import { sortParam } from './view';

export type ParamPatch = Record<string, string | number | null | undefined>;

/**
 * A copy of `params` with `patch` applied (an empty value removes the key). Changing anything but the page starts
 * the list again at its first page.
 */
export function patchParams(params: URLSearchParams, patch: ParamPatch): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === null || v === '') next.delete(k);
    else next.set(k, String(v));
  }
  if (!('page' in patch)) next.delete('page');
  return next;
}

interface SorterLike {
  order?: 'ascend' | 'descend' | null;
  columnKey?: unknown;
  field?: unknown;
}

/**
 * What one antd Table change means for the URL. Paging (a page number, Next, a page size) sets `page` and
 * `page_size` and keeps the sort; sorting sets `sort` and starts at page 1. (Handling both in one place matters:
 * antd reports a page click to the table's onChange too, and a handler that always wrote the sort dropped the page.)
 */
export function tableChangePatch(
  pagination: { current?: number; pageSize?: number },
  sorter: SorterLike | SorterLike[],
  action: string,
): ParamPatch {
  if (action === 'paginate') return { page: pagination.current ?? 1, page_size: pagination.pageSize };
  const s = Array.isArray(sorter) ? sorter[0] : sorter;
  return { sort: sortParam(s?.order, s?.columnKey ?? s?.field) };
}

/** A positive integer page number or page size from the URL, else the default (and never above `max`). */
export function intParam(v: string | null, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : dflt;
}

/** The antd sort order a column shows for the URL's `sort` (`name`, `-age`). */
export function sortOrderOf(sort: string | null | undefined, key: string): 'ascend' | 'descend' | null {
  if (!sort) return null;
  if (sort === key) return 'ascend';
  if (sort === `-${key}`) return 'descend';
  return null;
}

/** A cluster id from the URL is a positive integer (database ids); anything else names no cluster. */
export function validClusterId(id: string | undefined): boolean {
  return !!id && /^[1-9][0-9]{0,17}$/.test(id);
}

/**
 * The sidebar entry for a console path: the longest entry that prefixes it, except that a pod's pages belong to
 * Pods and a pod's log page to Logs (they live under /clusters/{id}/namespaces/..., which only Overview prefixes).
 */
export function selectedMenuKey(pathname: string, keys: string[], clusterId?: string): string | undefined {
  if (clusterId) {
    const base = `/clusters/${clusterId}`;
    if (pathname.startsWith(`${base}/namespaces/`)) {
      const want = /\/pods\/[^/]+\/logs\/?$/.test(pathname) ? `${base}/logs` : `${base}/pods`;
      return keys.includes(want) ? want : undefined;
    }
  }
  return keys.filter((k) => pathname === k || pathname.startsWith(k + '/')).sort((a, b) => b.length - a.length)[0];
}

/** The merged-log view's URL for what is typed in its namespace and selector boxes (both, whichever box was submitted). */
export function mergedLogParams(params: URLSearchParams, namespace: string, selector: string): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of [['namespace', namespace.trim()], ['selector', selector.trim()]] as const) {
    if (v) next.set(k, v);
    else next.delete(k);
  }
  return next;
}
