import { describe, expect, it } from 'vitest';
import type { CertificateView, ClusterCertificates } from './api';
import {
  certificateRows,
  certificateWhat,
  commonName,
  daysLeftText,
  filterRows,
  filtersFromParams,
  formatDays,
  readAgo,
  stateColor,
  summaryCounts,
  visibleSans,
} from './view';

const cert = (over: Partial<CertificateView>): CertificateView => ({
  source: 'tls_secret',
  namespace: null,
  secret: null,
  ingresses: [],
  subject: 'CN=x',
  issuer: 'CN=x',
  sans: [],
  not_before: '2026-01-01T00:00:00Z',
  not_after: '2027-01-01T00:00:00Z',
  days_left: 100,
  state: 'valid',
  trusted: null,
  ...over,
});

const clusters: ClusterCertificates[] = [
  {
    cluster_id: 2,
    cluster_name: 'prod',
    checked_at: '2026-12-01T10:00:00Z',
    certificates: [
      cert({ source: 'apiserver', subject: 'CN=kube-apiserver', not_after: '2027-06-01T00:00:00Z', days_left: 182, trusted: true }),
      cert({ source: 'tls_secret', namespace: 'shop', secret: 'shop-tls', not_after: '2026-12-06T00:00:00Z', days_left: 4.6, state: 'expiring' }),
    ],
    problems: [],
  },
  {
    cluster_id: 1,
    cluster_name: 'dev',
    checked_at: '2026-12-01T09:50:00Z',
    certificates: [
      cert({ source: 'ca', subject: 'CN=kubernetes', not_after: '2036-01-01T00:00:00Z', days_left: 3318 }),
      cert({ source: 'tls_secret', namespace: 'blog', secret: 'old', not_after: '2026-11-20T00:00:00Z', days_left: -11.4, state: 'expired' }),
      // the same end as prod's Secret: the cluster name decides
      cert({ source: 'client', subject: 'CN=admin, O=system:masters', not_after: '2026-12-06T00:00:00Z', days_left: 4.6, state: 'expiring' }),
    ],
    problems: [{ source: 'apiserver', namespace: null, name: null, message: 'the TLS handshake failed' }],
  },
];

describe('certificate dashboard rows', () => {
  it('lists every certificate of every cluster, soonest end first, with its cluster', () => {
    const rows = certificateRows(clusters);
    expect(rows.map((r) => `${r.cluster_name}:${certificateWhat(r)}`)).toEqual([
      'dev:blog/old',
      'dev:admin',
      'prod:shop/shop-tls',
      'prod:kube-apiserver',
      'dev:kubernetes',
    ]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    expect(rows[2].cluster_id).toBe(2);
  });

  it('filters by cluster, source and state, and counts what is left', () => {
    const rows = certificateRows(clusters);
    expect(filterRows(rows, { cluster: '1' }).every((r) => r.cluster_name === 'dev')).toBe(true);
    expect(filterRows(rows, { source: 'tls_secret' }).map(certificateWhat)).toEqual(['blog/old', 'shop/shop-tls']);
    expect(filterRows(rows, { state: 'expiring', cluster: '2' }).map(certificateWhat)).toEqual(['shop/shop-tls']);
    expect(summaryCounts(rows)).toEqual({ expired: 1, expiring: 2, total: 5 });
    expect(summaryCounts(filterRows(rows, { source: 'ca' }))).toEqual({ expired: 0, expiring: 0, total: 1 });
  });

  it('reads the filters from the URL and ignores what the page does not offer', () => {
    const f = filtersFromParams(new URLSearchParams('cluster=3&source=tls_secret&state=expired&warn_days=7'));
    expect(f).toEqual({ cluster: '3', source: 'tls_secret', state: 'expired', warnDays: 7 });
    expect(filtersFromParams(new URLSearchParams('cluster=x&source=kubelet&state=bad&warn_days=45'))).toEqual({
      cluster: undefined,
      source: undefined,
      state: undefined,
      warnDays: 30,
    });
  });
});

describe('certificate states and words', () => {
  it('colours an expired certificate red, an expiring one orange, a valid one green', () => {
    expect(stateColor('expired')).toBe('red');
    expect(stateColor('expiring')).toBe('orange');
    expect(stateColor('valid')).toBe('green');
    expect(stateColor('not_yet_valid')).toBe('blue');
  });

  it('says days left with a decimal only below ten days', () => {
    expect(formatDays(4.9)).toBe('4.9');
    expect(formatDays(5)).toBe('5');
    expect(formatDays(364.4)).toBe('364');
    expect(formatDays(-11.4)).toBe('11');
    expect(formatDays(-0.5)).toBe('0.5');
    expect(daysLeftText({ days_left: 4.9, state: 'expiring' })).toEqual({ key: 'cert.daysLeft', days: '4.9' });
    expect(daysLeftText({ days_left: -2, state: 'expired' })).toEqual({ key: 'certificates.expiredAgo', days: '2' });
    expect(daysLeftText({ days_left: 40, state: 'not_yet_valid' }).key).toBe('certificates.notYetValid');
  });

  it('says how long ago a cluster was read in the largest whole unit', () => {
    const now = new Date('2026-12-01T10:00:00Z').getTime();
    expect(readAgo('2026-12-01T09:59:30Z', now)).toEqual({ key: 'certificates.readJustNow', n: 0 });
    expect(readAgo('2026-12-01T09:57:00Z', now)).toEqual({ key: 'certificates.readMinutesAgo', n: 3 });
    expect(readAgo('2026-12-01T07:30:00Z', now)).toEqual({ key: 'certificates.readHoursAgo', n: 2 });
    expect(readAgo('2026-11-28T10:00:00Z', now)).toEqual({ key: 'certificates.readDaysAgo', n: 3 });
    // a server clock a little ahead is "just now", not "in a minute"
    expect(readAgo('2026-12-01T10:00:20Z', now).key).toBe('certificates.readJustNow');
  });

  it('shows three SANs and how many more until expanded', () => {
    const sans = ['a.example.com', 'b.example.com', '10.0.0.1', 'c.example.com', 'd.example.com'];
    expect(visibleSans(sans, false)).toEqual({ shown: sans.slice(0, 3), hidden: 2 });
    expect(visibleSans(sans, true)).toEqual({ shown: sans, hidden: 0 });
    expect(visibleSans(sans.slice(0, 3), false)).toEqual({ shown: sans.slice(0, 3), hidden: 0 });
  });

  it('names a Secret by namespace/name and anything else by its common name', () => {
    expect(commonName('CN=kube-apiserver, O=kubedeck-testbed')).toBe('kube-apiserver');
    expect(commonName('O=system:masters, CN=admin')).toBe('admin');
    expect(commonName('O=no-cn')).toBe('O=no-cn');
    expect(certificateWhat({ namespace: 'shop', secret: 'tls', subject: 'CN=shop.example.com' })).toBe('shop/tls');
  });
});
