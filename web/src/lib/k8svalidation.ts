// Kubernetes' label and taint rules, checked in the browser so mistakes show next to the field.

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** null when valid, otherwise a translation key */
export function labelKeyError(key: string): string | null {
  if (!key) return 'validation.labelKeyEmpty';
  const slash = key.indexOf('/');
  let name = key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (!prefix || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) return 'validation.labelPrefix';
  }
  if (!name || name.length > 63 || !NAME.test(name)) return 'validation.labelName';
  return null;
}

export function labelValueError(value: string): string | null {
  if (value === '') return null;
  if (value.length > 63 || !NAME.test(value)) return 'validation.labelValue';
  return null;
}

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export function taintEffectError(effect: string): string | null {
  return (TAINT_EFFECTS as readonly string[]).includes(effect) ? null : 'validation.taintEffect';
}

const PROTECTED_PREFIXES = ['kubernetes.io/', 'node.kubernetes.io/', 'node-role.kubernetes.io/', 'beta.kubernetes.io/', 'topology.kubernetes.io/', 'k8s.io/'];

/** System labels/taints the server only changes with `force`. */
export function isProtectedKey(key: string): boolean {
  return PROTECTED_PREFIXES.some((p) => key.startsWith(p) || key.includes(`.${p}`));
}
