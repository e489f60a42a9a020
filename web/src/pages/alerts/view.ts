// What the alert pages show, without React: state and severity colours, the matchers a silence made from an alert
// starts with, durations in words.
import type { Matcher } from './api';

/** A state's tag colour (antd preset colours, readable in light and dark themes). */
export function stateColor(state: string): string {
  switch (state) {
    case 'firing':
      return 'red';
    case 'pending':
      return 'orange';
    case 'resolved':
      return 'green';
    default:
      return 'default';
  }
}

/** A severity's tag colour. */
export function severityColor(severity: string): string {
  switch (severity) {
    case 'critical':
      return 'magenta';
    case 'warning':
      return 'gold';
    case 'info':
      return 'blue';
    default:
      return 'default';
  }
}

/** Labels a silence made from an alert leaves out: they say how bad, not which alert. */
const NOT_MATCHED = new Set(['severity']);

/** The matchers a silence made from an alert starts with: every label but severity, exactly. */
export function matchersFor(labels: Record<string, string>): Matcher[] {
  return Object.keys(labels)
    .filter((k) => !NOT_MATCHED.has(k))
    .sort((a, b) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a.localeCompare(b)))
    .map((name) => ({ name, value: labels[name], is_equal: true }));
}

/** A matcher's operator as Alertmanager writes it: = and != compare exactly, =~ and !~ with an anchored regex. */
export type MatchOp = '=' | '!=' | '=~' | '!~';
export const MATCH_OPS: MatchOp[] = ['=', '!=', '=~', '!~'];

export function opOf(m: { is_equal?: boolean; is_regex?: boolean }): MatchOp {
  const eq = m.is_equal !== false;
  return m.is_regex ? (eq ? '=~' : '!~') : eq ? '=' : '!=';
}

/** The matcher the API takes for a name, an operator and a value. */
export function matcherOf(name: string, op: MatchOp, value: string): Matcher {
  return { name, value, is_equal: op === '=' || op === '=~', is_regex: op === '=~' || op === '!~' };
}

/** Seconds as the largest whole unit that divides them (`15m`, `1h`, `90s`); 0 is `0s`. */
export function shortDuration(secs: number): string {
  if (secs > 0 && secs % 86_400 === 0) return `${secs / 86_400}d`;
  if (secs > 0 && secs % 3600 === 0) return `${secs / 3600}h`;
  if (secs > 0 && secs % 60 === 0) return `${secs / 60}m`;
  return `${secs}s`;
}

/** The object an alert is about, from its labels (`shop/web-5f9`, `node worker-1`), or '' for the cluster itself. */
export function alertObject(labels: Record<string, string>): string {
  const ns = labels.namespace;
  for (const k of ['pod', 'deployment', 'statefulset', 'daemonset', 'job_name', 'horizontalpodautoscaler', 'resourcequota', 'persistentvolumeclaim', 'service', 'secret']) {
    if (labels[k]) return ns ? `${ns}/${labels[k]}` : labels[k];
  }
  if (labels.node) return labels.node;
  // KubeCertificateExpiration of the API server's or a CA's certificate: which one, by its subject
  if (labels.certificate && labels.subject) return labels.subject;
  return ns ?? '';
}

/** Kubedeck's built-in rules: their summaries and conditions are said in the console's language. */
export const BUILTIN_RULES = new Set([
  'KubeNodeNotReady',
  'KubeNodeUnreachable',
  'KubePodCrashLooping',
  'KubePodNotReady',
  'KubeContainerWaiting',
  'KubeDeploymentReplicasMismatch',
  'KubeStatefulSetReplicasMismatch',
  'KubeDaemonSetRolloutStuck',
  'KubeJobFailed',
  'KubeHpaMaxedOut',
  'KubeQuotaAlmostFull',
  'KubePersistentVolumeFillingUp',
  'KubeClientCertificateExpiration',
  // the certificate dashboard's certificates (issue 18): labels certificate (the source), subject, namespace, secret
  'KubeCertificateExpiration',
  'ClusterUnreachable',
  'ClusterCredentialRejected',
  'NodeCpuHigh',
  'NodeMemoryHigh',
  'NodeDiskHigh',
]);

/** The message key of a built-in rule's text (`summary` or `condition`), or null for any other rule (an
 * Alertmanager's, a cluster's own), whose text is shown as it came. */
export function builtinText(kind: 'summary' | 'condition', rule: string, source = 'kubedeck'): string | null {
  return source === 'kubedeck' && BUILTIN_RULES.has(rule) ? `alerts.${kind}.${rule}` : null;
}
