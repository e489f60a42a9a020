// A NetworkPolicy in words (issue 15): each rule as a sentence key and its values, which the panel words in the
// operator's language. React-free, unit-tested.
import type { components } from '../../api/schema';

type Schemas = components['schemas'];
export type PolicyRule = Schemas['PolicyRule'];
export type PolicyPeer = Schemas['PolicyPeer'];

/** A translation key with its values. */
export interface Phrase {
  key: string;
  vars?: Record<string, string>;
}

/** Who one peer is. */
export function peerPhrase(p: PolicyPeer): Phrase {
  if (p.cidr) return p.except.length ? { key: 'netpol.peer.ipExcept', vars: { cidr: p.cidr, except: p.except.join(', ') } } : { key: 'netpol.peer.ip', vars: { cidr: p.cidr } };
  const pods = p.pods ?? null;
  const ns = p.namespaces ?? null;
  if (ns === null) return pods ? { key: 'netpol.peer.pods', vars: { pods } } : { key: 'netpol.peer.allPods' };
  if (pods) return ns ? { key: 'netpol.peer.podsInNamespaces', vars: { pods, namespaces: ns } } : { key: 'netpol.peer.podsInAllNamespaces', vars: { pods } };
  return ns ? { key: 'netpol.peer.namespaces', vars: { namespaces: ns } } : { key: 'netpol.peer.allNamespaces' };
}

/** One direction: not restricted, everything denied, or one line per rule (peers and ports). */
export function directionLines(rules: PolicyRule[] | null | undefined, dir: 'ingress' | 'egress'): { peers: Phrase[]; ports: Phrase }[] | Phrase {
  if (rules === null || rules === undefined) return { key: `netpol.${dir}.open` };
  if (rules.length === 0) return { key: `netpol.${dir}.denied` };
  return rules.map((r) => ({
    peers: r.peers.length ? r.peers.map(peerPhrase) : [{ key: 'netpol.peer.anywhere' }],
    ports: r.ports.length ? { key: 'netpol.ports.some', vars: { ports: r.ports.join(', ') } } : { key: 'netpol.ports.all' },
  }));
}
