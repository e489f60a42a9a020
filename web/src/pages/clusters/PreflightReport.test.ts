import { describe, expect, it } from 'vitest';
import type { Preflight } from '../../api/types';
import { translate, type TFunc } from '../../i18n';
import { preflightFailure } from './PreflightReport';

const zh: TFunc = (k, v) => translate('zh-CN', k, v);

describe('the preflight says what stopped it in Chinese', () => {
  const report = (failure_code: Preflight['failure_code'], errors: string[]) => ({ failure_code, errors }) as unknown as Preflight;

  it('an unreachable cluster, a rejected credential, a certificate that does not verify', () => {
    expect(preflightFailure(zh, report('cluster_unreachable', ['cannot reach https://10.0.0.1:6443: connection refused']))).toBe('无法连接集群');
    expect(preflightFailure(zh, report('credential_rejected', ['the cluster at https://x rejected the credential']))).toMatch(/^集群拒绝了保存的凭据/);
    expect(preflightFailure(zh, report('tls_verification_failed', ['TLS verification of https://x failed']))).toMatch(/^集群的 TLS 证书校验失败/);
  });

  it('a timeout without its seconds still reads as a sentence', () => {
    expect(preflightFailure(zh, report('cluster_timeout', ['https://x did not answer within 10 s']))).toBe('集群没有及时响应');
  });

  it('nothing when the preflight passed', () => {
    expect(preflightFailure(zh, report(null, []))).toBeUndefined();
  });
});
