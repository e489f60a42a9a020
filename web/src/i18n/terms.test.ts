import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zhCN } from './zh-CN';

// kubectl drain empties a node (排空); it does so by evicting pods one by one (驱逐). Operators read the two words
// differently, so a message about the node's drain must not say 驱逐 and one about a pod's eviction must not say 排空.
describe('Chinese terms for drain and evict', () => {
  const pairs = Object.entries(en).map(([k, v]) => [k, v, (zhCN as Record<string, string>)[k]] as const);

  it('a message about draining says 排空, never 驱逐 (unless it also speaks of evicting)', () => {
    const wrong = pairs.filter(([, e, z]) => /drain/i.test(e) && !/evict/i.test(e) && (z.includes('驱逐') || !z.includes('排空')));
    expect(wrong).toEqual([]);
  });

  it('a message about evicting pods says 驱逐, never 排空', () => {
    const wrong = pairs.filter(([, e, z]) => /evict/i.test(e) && !/drain/i.test(e) && (z.includes('排空') || !z.includes('驱逐')));
    expect(wrong).toEqual([]);
  });
});
