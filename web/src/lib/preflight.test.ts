import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translate, type Lang, type TFunc } from '../i18n';
import { findingText, type Finding } from './preflight';

const tr = (lang: Lang): TFunc => (k, v) => translate(lang, k, v);
const zh = tr('zh-CN');
const en = tr('en');
const f = (code: Finding['code'], params: Record<string, unknown>, message = 'English'): Finding => ({ severity: 'warning', code, params: params as Finding['params'], message });

describe('import preflight findings in the user language', () => {
  it('every finding code the API lists has a Chinese sentence that is not the English one', () => {
    const openapi = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8'));
    const codes: Finding['code'][] = openapi.components.schemas.FindingCode.enum;
    expect(codes).toContain('features_denied');
    for (const c of codes) {
      const z = findingText(zh, f(c, {}));
      expect(z, c).not.toMatch(/^preflight\./);
      expect(z, c).not.toBe(findingText(en, f(c, {})));
    }
  });

  it('names the features, the certificate and the cause', () => {
    expect(findingText(zh, f('features_denied', { features: ['nodes.write', 'pods.logs'] }))).toMatch(/^该凭据在整个集群范围内不允许：/);
    expect(findingText(zh, f('certificate_expiring', { kind: 'client', subject: 'CN=dev', days: 12 }))).toBe('客户端证书“CN=dev”将在 12 天后过期');
    expect(findingText(zh, f('nodes_unlisted', { detail: 'connection reset' }))).toBe('无法列出节点：connection reset');
    expect(findingText(en, f('already_imported', { name: 'prod', cluster: 1234 }))).toBe('This server and user are already imported as cluster "prod" (id 1234)');
  });
});
