import type { Preflight } from '../api/types';
import type { TFunc } from '../i18n';

export type Finding = Preflight['findings'][number];

/** Every finding code's sentence: a code added to the API without one fails the type check here. */
const FINDING_KEYS: Record<Finding['code'], string> = {
  certificate_expired: 'preflight.finding.certificate_expired',
  certificate_expiring: 'preflight.finding.certificate_expiring',
  insecure_tls: 'preflight.finding.insecure_tls',
  plain_http: 'preflight.finding.plain_http',
  nodes_forbidden: 'preflight.finding.nodes_forbidden',
  nodes_unlisted: 'preflight.finding.nodes_unlisted',
  features_denied: 'preflight.finding.features_denied',
  already_imported: 'preflight.finding.already_imported',
  failed: 'preflight.finding.failed',
};

/** A finding of the preflight in the user's language (a cause from the cluster appended as it came). */
export function findingText(t: TFunc, f: Finding): string {
  const p = (f.params ?? {}) as Record<string, unknown>;
  const vars: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(p)) {
    if (Array.isArray(v)) {
      vars[k] = v
        .map((x) => {
          const label = t(`feature.${x}`);
          return label === `feature.${x}` ? String(x) : label;
        })
        .join(t('apiError.listSeparator'));
    } else if (typeof v === 'string' || typeof v === 'number') vars[k] = k === 'cluster' ? String(v) : v;
  }
  if (typeof p.kind === 'string') vars.kind = t(`preflight.certKind.${p.kind}`);
  const sentence = t(FINDING_KEYS[f.code] ?? f.message, vars);
  return typeof p.detail === 'string' && p.detail && f.code !== 'failed' ? t('apiError.withDetail', { sentence, detail: p.detail }) : sentence;
}
