import { describe, expect, it } from 'vitest';
import { translate } from './index';

describe('numbers in messages', () => {
  it('have thousands separators in both languages', () => {
    expect(translate('en', 'pod.count', { count: 29306 })).toBe('Pods: 29,306');
    expect(translate('zh-CN', 'pod.count', { count: 29306 })).toContain('29,306');
    expect(translate('en', 'node.count', { count: 12 })).toBe('Nodes: 12');
  });
  it('say "1 master" and "2 masters"', () => {
    expect(translate('en', 'cluster.mastersWorkers', { masters: 1, workers: 1 })).toBe('1 master · 1 worker');
    expect(translate('en', 'cluster.mastersWorkers', { masters: 3, workers: 1200 })).toBe('3 masters · 1,200 workers');
    expect(translate('zh-CN', 'cluster.mastersWorkers', { masters: 1, workers: 5 })).toBe('1 个主节点 · 5 个工作节点');
  });
  it('leave names and codes alone', () => {
    expect(translate('en', 'notFound.clusterBody', { id: 12345 })).toContain('12345');
  });
});
