import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { zhCN } from '../../i18n/zh-CN';
import { alertObject, BUILTIN_RULES, builtinText, matcherOf, matchersFor, opOf, severityColor, shortDuration, stateColor } from './view';

describe('alert view', () => {
  it('maps the four matcher operators to the flags of the API and back', () => {
    for (const op of ['=', '!=', '=~', '!~'] as const) expect(opOf(matcherOf('pod', op, 'web-.*'))).toBe(op);
    expect(matcherOf('pod', '!~', 'x')).toEqual({ name: 'pod', value: 'x', is_equal: false, is_regex: true });
    expect(opOf({ is_equal: true })).toBe('=');
    expect(opOf({})).toBe('=');
  });

  it('colours states and severities', () => {
    expect(stateColor('firing')).toBe('red');
    expect(stateColor('pending')).toBe('orange');
    expect(stateColor('resolved')).toBe('green');
    expect(severityColor('critical')).toBe('magenta');
    expect(severityColor('other')).toBe('default');
  });

  it('prefills a silence with every label but severity, alertname first', () => {
    const m = matchersFor({ severity: 'warning', pod: 'web', alertname: 'KubePodCrashLooping', namespace: 'shop', cluster: 'prod' });
    expect(m.map((x) => x.name)).toEqual(['alertname', 'cluster', 'namespace', 'pod']);
    expect(m.every((x) => x.is_equal)).toBe(true);
    expect(m[3].value).toBe('web');
  });

  it('writes durations in their largest whole unit', () => {
    expect(shortDuration(900)).toBe('15m');
    expect(shortDuration(3600)).toBe('1h');
    expect(shortDuration(90)).toBe('90s');
    expect(shortDuration(0)).toBe('0s');
    expect(shortDuration(172_800)).toBe('2d');
  });

  it('names the object an alert is about', () => {
    expect(alertObject({ namespace: 'shop', pod: 'web-1' })).toBe('shop/web-1');
    expect(alertObject({ node: 'worker-1' })).toBe('worker-1');
    expect(alertObject({})).toBe('');
    // KubeCertificateExpiration: a TLS Secret by namespace/name, the API server's certificate by its subject
    expect(alertObject({ certificate: 'tls_secret', subject: 'CN=shop.example.com', namespace: 'shop', secret: 'shop-tls' })).toBe('shop/shop-tls');
    expect(alertObject({ certificate: 'apiserver', subject: 'CN=kube-apiserver' })).toBe('CN=kube-apiserver');
  });

  it('says every built-in rule in both languages, and leaves other rules as they came', () => {
    for (const rule of BUILTIN_RULES) {
      for (const kind of ['summary', 'condition'] as const) {
        const key = builtinText(kind, rule)!;
        expect((en as Record<string, string>)[key], key).toBeTruthy();
        expect((zhCN as Record<string, string>)[key], key).toBeTruthy();
      }
    }
    expect(builtinText('summary', 'HighErrorRate', 'prometheus')).toBeNull();
    expect(builtinText('summary', 'KubePodCrashLooping', 'prometheus')).toBeNull();
    expect(builtinText('condition', 'PodRestartsHigh')).toBeNull();
  });
});
