import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { en } from './en';
import { zhCN } from './zh-CN';
import { detectLang, translate } from './index';
import { WORDED_CODES } from '../lib/yamlDocs';
import { SOURCES as CERT_SOURCES, STATES as CERT_STATES } from '../pages/certificates/view';

const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(f) && !f.endsWith('.test.ts') && !p.includes('/i18n/') ? [p] : [];
  });
}

describe('i18n resources', () => {
  it('every English key exists in Chinese and the other way round', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it('no message is empty and Chinese messages are translated', () => {
    for (const [k, v] of Object.entries(en)) expect(v.trim(), k).not.toBe('');
    for (const [k, v] of Object.entries(zhCN)) expect(v.trim(), k).not.toBe('');
    // most Chinese messages contain CJK characters: catches copy-pasted English
    const untranslated = Object.entries(zhCN).filter(([k, v]) => v === (en as Record<string, string>)[k] && /[a-z]{4,}/.test(v) && !/^[A-Z]/.test(v));
    expect(untranslated).toEqual([]);
  });

  it('both languages use the same placeholders in each message', () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) expect(placeholders(zhCN[k]), k).toEqual(placeholders(en[k]));
  });

  it('every key the source code asks for exists', () => {
    const root = join(__dirname, '..');
    const used = new Set<string>();
    for (const f of sourceFiles(root)) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/key: '([a-z]+\.[a-zA-Z.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/'((?:cluster|node|node\.status|validation)\.[a-zA-Z]+(?:\.[a-zA-Z]+)?)'/g)) if (m[1].split('.').length >= 2) used.add(m[1]);
    }
    const missing = [...used].filter((k) => !(k in en) && !k.startsWith('feature.') && /^[a-z]+\.[a-zA-Z]/.test(k) && k.split('.').every((p) => p.length > 0));
    // dotted strings that are not message keys (API paths, permission names) are allowed
    const notKeys = new Set(['cluster.read', 'cluster.write', 'node.read', 'node.write']);
    expect(missing.filter((k) => !notKeys.has(k))).toEqual([]);
  });

  it('dynamic key families are complete', () => {
    const families: Record<string, string[]> = {
      'cluster.healthState': ['healthy', 'degraded', 'unreachable', 'stale', 'unknown'],
      'pod.phase': ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'],
      role: ['platform-admin', 'cluster-admin', 'operator', 'viewer'],
      'audit.outcomes': ['success', 'failure', 'denied'],
      'drain.states': ['pending', 'evicting', 'evicted', 'blocked_by_pdb', 'failed', 'skipped'],
      'task.states': ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'],
      'logs.state': ['idle', 'loading', 'following', 'paused', 'ended', 'error'],
      range: ['1h', '6h', '24h', '7d', '30d'],
      'preflight.certKind': ['ca', 'client'],
      'cluster.status': ['creating', 'running', 'stopped', 'error', 'unknown'],
      'nav.category': ['workloads', 'network', 'configuration', 'storage', 'access_control', 'cluster', 'custom_resources'],
      'resource.outcome': ['created', 'configured', 'unchanged', 'failed'],
      'resource.relations': ['owner', 'owns', 'selects', 'selected_by', 'uses', 'used_by'],
      'resource.propagation': ['Background', 'Foreground', 'Orphan'],
      'resource.editor.problem': ['not_a_mapping', 'missing_api_version', 'missing_kind'],
      'resource.editor.yaml': [...WORDED_CODES],
      'certificates.source': [...CERT_SOURCES],
      'certificates.state': [...CERT_STATES],
    };
    for (const [prefix, keys] of Object.entries(families)) for (const k of keys) expect(en, `${prefix}.${k}`).toHaveProperty([`${prefix}.${k}`]);
  });
});

describe('language choice', () => {
  it('prefers Chinese when the browser does', () => {
    expect(detectLang(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(detectLang(null, ['zh'])).toBe('zh-CN');
    expect(detectLang(null, ['en-US', 'zh-CN'])).toBe('en');
    expect(detectLang(null, ['fr-FR'])).toBe('en');
  });
  it('a remembered choice wins over the browser', () => {
    expect(detectLang('en', ['zh-CN'])).toBe('en');
    expect(detectLang('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(detectLang('garbage', ['zh-CN'])).toBe('zh-CN');
  });
  it('interpolates variables and falls back to the key', () => {
    expect(translate('en', 'cluster.deleteTitle', { name: 'prod' })).toBe('Delete cluster "prod"?');
    expect(translate('zh-CN', 'cluster.deleteTitle', { name: 'prod' })).toBe('删除集群“prod”？');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
  });
});
