import { describe, expect, it } from 'vitest';
import { directionLines, peerPhrase } from './networkPolicy';

describe('a NetworkPolicy in words', () => {
  it('names each kind of peer', () => {
    const peer = (p: Partial<Parameters<typeof peerPhrase>[0]>) => peerPhrase({ pods: null, namespaces: null, cidr: null, except: [], ...p });
    expect(peer({ pods: 'app=web' })).toEqual({ key: 'netpol.peer.pods', vars: { pods: 'app=web' } });
    expect(peer({ pods: '' })).toEqual({ key: 'netpol.peer.allPods' });
    expect(peer({ namespaces: 'team=ops' })).toEqual({ key: 'netpol.peer.namespaces', vars: { namespaces: 'team=ops' } });
    expect(peer({ namespaces: '', pods: '' })).toEqual({ key: 'netpol.peer.allNamespaces' });
    expect(peer({ namespaces: 'team=ops', pods: 'app=web' })).toEqual({ key: 'netpol.peer.podsInNamespaces', vars: { pods: 'app=web', namespaces: 'team=ops' } });
    expect(peer({ cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] })).toEqual({ key: 'netpol.peer.ipExcept', vars: { cidr: '10.0.0.0/8', except: '10.1.0.0/16' } });
  });

  it('tells an unrestricted direction from a denied one', () => {
    expect(directionLines(null, 'ingress')).toEqual({ key: 'netpol.ingress.open' });
    expect(directionLines([], 'egress')).toEqual({ key: 'netpol.egress.denied' });
    expect(directionLines([{ peers: [], ports: [] }], 'egress')).toEqual([{ peers: [{ key: 'netpol.peer.anywhere' }], ports: { key: 'netpol.ports.all' } }]);
  });
});
