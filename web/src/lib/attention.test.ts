import { describe, expect, it } from 'vitest';
import { podPhaseAttention } from './attention';

describe('what the overview says needs attention', () => {
  it('lists Pending, Failed and Unknown pods with a link to the filtered pod list', () => {
    expect(podPhaseAttention('7', { Running: 27830, Pending: 1476, Succeeded: 3, Failed: 2, Unknown: 0 })).toEqual([
      { phase: 'Pending', count: 1476, tone: 'warning', link: '/clusters/7/pods?phase=Pending' },
      { phase: 'Failed', count: 2, tone: 'error', link: '/clusters/7/pods?phase=Failed' },
    ]);
  });
  it('says nothing about Running and Succeeded pods, nor about counts not loaded yet', () => {
    expect(podPhaseAttention('1', { Running: 10, Succeeded: 4 })).toEqual([]);
    expect(podPhaseAttention('1', { Pending: undefined, Unknown: 1 })).toEqual([{ phase: 'Unknown', count: 1, tone: 'warning', link: '/clusters/1/pods?phase=Unknown' }]);
  });
});
