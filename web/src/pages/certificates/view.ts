// What the certificate dashboard shows, without React: one row per certificate of every cluster, the filters kept
// in the URL, soonest end first, the colour of a state, how long ago a cluster was read.
import type { CertificateView, CertSource, CertState, ClusterCertificates } from './api';

export const SOURCES: CertSource[] = ['apiserver', 'ca', 'client', 'tls_secret'];
export const STATES: CertState[] = ['expired', 'expiring', 'not_yet_valid', 'valid'];
/** The "expiring within" horizons offered, days; the server's default is 30. */
export const WARN_DAYS = [7, 14, 30, 60, 90];
export const DEFAULT_WARN_DAYS = 30;

/** A certificate with the cluster it belongs to. */
export interface CertRow extends CertificateView {
  cluster_id: number;
  cluster_name: string;
  /** unique among the rows */
  key: string;
}

export interface CertFilters {
  cluster?: string;
  source?: CertSource;
  state?: CertState;
  warnDays: number;
}

/** The filters of the URL; a value the page does not offer is ignored (the default horizon, no filter). */
export function filtersFromParams(params: URLSearchParams): CertFilters {
  const source = params.get('source') as CertSource | null;
  const state = params.get('state') as CertState | null;
  const warn = Number(params.get('warn_days'));
  const cluster = params.get('cluster');
  return {
    cluster: cluster && /^[1-9][0-9]*$/.test(cluster) ? cluster : undefined,
    source: source && SOURCES.includes(source) ? source : undefined,
    state: state && STATES.includes(state) ? state : undefined,
    warnDays: WARN_DAYS.includes(warn) ? warn : DEFAULT_WARN_DAYS,
  };
}

/** Every certificate of the clusters as one list, soonest end first (then by cluster name, source, Secret). */
export function certificateRows(clusters: ClusterCertificates[]): CertRow[] {
  const rows: CertRow[] = [];
  for (const c of clusters) {
    c.certificates.forEach((cert, i) =>
      rows.push({ ...cert, cluster_id: c.cluster_id, cluster_name: c.cluster_name, key: `${c.cluster_id}/${i}/${cert.source}/${cert.namespace ?? ''}/${cert.secret ?? ''}` }),
    );
  }
  return sortSoonestFirst(rows);
}

export function sortSoonestFirst(rows: CertRow[]): CertRow[] {
  const at = (r: CertRow) => new Date(r.not_after).getTime();
  return [...rows].sort(
    (a, b) =>
      at(a) - at(b) ||
      a.cluster_name.localeCompare(b.cluster_name) ||
      SOURCES.indexOf(a.source) - SOURCES.indexOf(b.source) ||
      `${a.namespace ?? ''}/${a.secret ?? ''}`.localeCompare(`${b.namespace ?? ''}/${b.secret ?? ''}`),
  );
}

/** The rows the cluster, source and state filters keep (`warnDays` is the server's: it decided each state). */
export function filterRows(rows: CertRow[], f: Omit<CertFilters, 'warnDays'>): CertRow[] {
  return rows.filter(
    (r) => (!f.cluster || String(r.cluster_id) === f.cluster) && (!f.source || r.source === f.source) && (!f.state || r.state === f.state),
  );
}

/** The counts on top of the page. */
export function summaryCounts(rows: CertRow[]): { expired: number; expiring: number; total: number } {
  return {
    expired: rows.filter((r) => r.state === 'expired').length,
    expiring: rows.filter((r) => r.state === 'expiring').length,
    total: rows.length,
  };
}

/** A state's tag colour (antd preset colours): red once expired, orange while expiring, green when valid; a
 * certificate whose validity has not begun is blue (it is not in use yet, nor failing for a reason of time past). */
export function stateColor(state: CertState): string {
  switch (state) {
    case 'expired':
      return 'red';
    case 'expiring':
      return 'orange';
    case 'not_yet_valid':
      return 'blue';
    default:
      return 'green';
  }
}

/** Days as they are read: one decimal below ten days ("4.9", "5"), whole days beyond ("364"); never negative. */
export function formatDays(days: number): string {
  const d = Math.abs(days);
  if (d >= 10) return String(Math.round(d));
  return String(Math.round(d * 10) / 10);
}

/** The days-left cell: its message key and the number of days it says. */
export function daysLeftText(c: Pick<CertificateView, 'days_left' | 'state'>): { key: string; days: string } {
  const days = formatDays(c.days_left);
  if (c.state === 'expired') return { key: 'certificates.expiredAgo', days };
  if (c.state === 'not_yet_valid') return { key: 'certificates.notYetValid', days };
  return { key: 'cert.daysLeft', days };
}

/** How long ago a cluster was read, in the largest whole unit ("read 3 minutes ago"): a message key and N. */
export function readAgo(checkedAt: string, now: number): { key: string; n: number } {
  const secs = Math.max(0, Math.floor((now - new Date(checkedAt).getTime()) / 1000));
  if (!Number.isFinite(secs) || secs < 60) return { key: 'certificates.readJustNow', n: 0 };
  const minutes = Math.floor(secs / 60);
  if (minutes < 60) return { key: 'certificates.readMinutesAgo', n: minutes };
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return { key: 'certificates.readHoursAgo', n: hours };
  return { key: 'certificates.readDaysAgo', n: Math.floor(hours / 24) };
}

/** The SANs shown before "+N": the first three, unless the list is expanded. */
export const SANS_SHOWN = 3;
export function visibleSans(sans: string[], expanded: boolean): { shown: string[]; hidden: number } {
  if (expanded || sans.length <= SANS_SHOWN) return { shown: sans, hidden: 0 };
  return { shown: sans.slice(0, SANS_SHOWN), hidden: sans.length - SANS_SHOWN };
}

/** The common name of a distinguished name (`CN=kube-apiserver, O=x` → `kube-apiserver`), or the whole name. */
export function commonName(dn: string): string {
  const m = /(?:^|,\s*)CN=([^,]+)/.exec(dn);
  return m ? m[1].trim() : dn;
}

/** What a row is about: a TLS Secret as `namespace/name`, anything else by its subject's common name. */
export function certificateWhat(c: Pick<CertificateView, 'namespace' | 'secret' | 'subject'>): string {
  if (c.secret) return c.namespace ? `${c.namespace}/${c.secret}` : c.secret;
  return commonName(c.subject);
}
