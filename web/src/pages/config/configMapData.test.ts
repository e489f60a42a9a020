import { describe, expect, it } from 'vitest';
import { withData } from './configMapData';

describe('the ConfigMap data editor', () => {
  it('replaces data only, keeping binaryData and the resourceVersion', () => {
    const live = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', resourceVersion: '42' }, data: { a: '1' }, binaryData: { b: 'AAE=' } };
    const out = withData(live, [
      ['a', 'line 1\nline 2\n'],
      [' ', 'dropped'],
      ['c', ''],
    ]);
    expect(out).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', resourceVersion: '42' }, data: { a: 'line 1\nline 2\n', c: '' }, binaryData: { b: 'AAE=' } });
  });
});
