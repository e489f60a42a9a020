import { describe, expect, it } from 'vitest';
import { capacitySummary, kubectlDrainEquivalent, safeNext, sortParam, suggestName } from './view';
import { isProtectedKey, labelKeyError, labelValueError, taintEffectError } from './k8svalidation';
import { buildQuery, ApiError } from '../api/client';
import { accessTokenStale, sessionFromTokens } from '../api/session';
import { errorText } from './errors';
import { translate } from '../i18n';

const t = ((k: string, v?: Record<string, string | number>) => translate('en', k, v)) as Parameters<typeof errorText>[0];

describe('login redirects', () => {
  it('follows only same-origin console paths', () => {
    expect(safeNext('/clusters/3/pods?phase=Running')).toBe('/clusters/3/pods?phase=Running');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/login?next=/x')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});

describe('import wizard', () => {
  it('suggests a name from the current context', () => {
    expect(suggestName('apiVersion: v1\ncurrent-context: kubernetes-admin@Prod_SH\n')).toBe('kubernetes-admin-prod-sh');
    expect(suggestName('current-context: "testbed"')).toBe('testbed');
    expect(suggestName('garbage')).toBe('');
  });
});

describe('drain', () => {
  it('states the kubectl equivalent of the chosen options', () => {
    expect(
      kubectlDrainEquivalent('worker-1', { ignore_daemonsets: true, delete_emptydir_data: true, force: false, grace_period_seconds: 30, timeout_seconds: 120, pod_selector: 'app=web', dry_run: false }),
    ).toBe("kubectl drain worker-1 --ignore-daemonsets --delete-emptydir-data --grace-period=30 --timeout=120s --pod-selector='app=web'");
    expect(kubectlDrainEquivalent('w', { ignore_daemonsets: false, delete_emptydir_data: false, force: true, dry_run: true })).toBe('kubectl drain w --force --dry-run=server');
  });
});

describe('overview capacity', () => {
  it('sums allocatable and requests across nodes', () => {
    const s = capacitySummary([
      {
        pod_count: 12,
        allocatable: { cpu: '4', cpu_millis: 4000, memory: '8Gi', memory_bytes: 8 * 2 ** 30, pods: 110, ephemeral_storage_bytes: 0 },
        committed: { cpu_requests_millis: 1500, cpu_limits_millis: 0, memory_requests_bytes: 2 * 2 ** 30, memory_limits_bytes: 0 },
      },
      {
        pod_count: 3,
        allocatable: { cpu: '2', cpu_millis: 2000, memory: '4Gi', memory_bytes: 4 * 2 ** 30, pods: 110, ephemeral_storage_bytes: 0 },
        committed: { cpu_requests_millis: 500, cpu_limits_millis: 0, memory_requests_bytes: 0, memory_limits_bytes: 0 },
      },
    ]);
    expect(s.cpuAlloc).toBe(6);
    expect(s.cpuReq).toBeCloseTo(2);
    expect(s.memAlloc).toBe(12 * 2 ** 30);
    expect(s.memReq).toBe(2 * 2 ** 30);
    expect(s.pods).toBe(15);
    expect(s.podsAlloc).toBe(220);
  });
  it('table sorting becomes the API sort parameter', () => {
    expect(sortParam('ascend', 'name')).toBe('name');
    expect(sortParam('descend', 'restarts')).toBe('-restarts');
    expect(sortParam(null, 'name')).toBeUndefined();
  });
});

describe('label and taint validation (Kubernetes rules)', () => {
  it('accepts valid keys and values', () => {
    expect(labelKeyError('app')).toBeNull();
    expect(labelKeyError('node-role.kubernetes.io/master')).toBeNull();
    expect(labelKeyError('example.com/tier_1.a')).toBeNull();
    expect(labelValueError('')).toBeNull();
    expect(labelValueError('v1.2-rc_3')).toBeNull();
  });
  it('rejects invalid keys and values with a reason', () => {
    expect(labelKeyError('')).toBe('validation.labelKeyEmpty');
    expect(labelKeyError('-bad')).toBe('validation.labelName');
    expect(labelKeyError('Bad_Prefix/x')).toBe('validation.labelPrefix');
    expect(labelKeyError('a'.repeat(64))).toBe('validation.labelName');
    expect(labelKeyError('ex.com/')).toBe('validation.labelName');
    expect(labelValueError('has space')).toBe('validation.labelValue');
    expect(taintEffectError('NoSchedule')).toBeNull();
    expect(taintEffectError('Sometimes')).toBe('validation.taintEffect');
  });
  it('recognises protected system keys', () => {
    expect(isProtectedKey('kubernetes.io/hostname')).toBe(true);
    expect(isProtectedKey('node.kubernetes.io/unreachable')).toBe(true);
    expect(isProtectedKey('team')).toBe(false);
  });
});

describe('API client helpers', () => {
  it('drops empty filters from the query string', () => {
    expect(buildQuery({ page: 1, name: '', status: undefined, q: null, dry_run: true })).toBe('?page=1&dry_run=true');
    expect(buildQuery({ ns: ['a', 'b'] })).toBe('?ns=a&ns=b');
    expect(buildQuery({})).toBe('');
  });
  it('refreshes the access token shortly before it expires', () => {
    const s = sessionFromTokens({ access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer', must_change_password: false }, 0);
    expect(s.expiresAt).toBe(900_000);
    expect(accessTokenStale(s, 100_000)).toBe(false);
    expect(accessTokenStale(s, 890_000)).toBe(true);
  });
  // the sentence per error code and its params: errors.test.ts
  it('says the error by its code, or a clear sentence when there is none', () => {
    expect(errorText(t, new ApiError(401, { code: 'invalid_credentials', message: 'wrong username or password' }))).toBe('Wrong username or password');
    expect(errorText(t, new ApiError(429, { code: 'too_many_attempts', message: 'x' }, 30))).toBe('Too many failed attempts. Try again in 30 seconds.');
    expect(errorText(t, new ApiError(0, { code: 'network', message: '' }))).toMatch(/Cannot reach/);
    expect(errorText(t, new ApiError(403, { code: 'http_403', message: 'role viewer may not delete pods' }))).toBe(
      'You do not have permission to do this: role viewer may not delete pods',
    );
    expect(errorText(t, new ApiError(502, {}))).toMatch(/HTTP 502/);
  });
});

import { featureCheck } from './useClusterFeatures';
describe('cluster credential capabilities', () => {
  const caps = [
    { feature: 'nodes.drain', allowed: false, checks: ['patch nodes', 'create pods/eviction'], denied: ['create pods/eviction'] },
    { feature: 'pods.logs', allowed: true, checks: ['get pods/log'], denied: [] },
  ];
  it('disables what the credential cannot do and names the missing permission', () => {
    expect(featureCheck(caps, 'nodes.drain')).toEqual({ allowed: false, denied: ['create pods/eviction'] });
    expect(featureCheck(caps, 'pods.logs').allowed).toBe(true);
  });
  it('leaves unknown features to the server', () => {
    expect(featureCheck(caps, 'nodes.delete').allowed).toBe(true);
    expect(featureCheck(undefined, 'nodes.drain').allowed).toBe(true);
  });
});

import { parseSseData } from '../api/nodes';
describe('task event stream', () => {
  it('reads the data of server-sent event frames', () => {
    expect(parseSseData('event: task\ndata: {"id":1,"status":"running"}')).toBe('{"id":1,"status":"running"}');
    expect(parseSseData('data: line one\ndata: line two')).toBe('line one\nline two');
    expect(parseSseData(': keep-alive')).toBeNull();
  });
});
