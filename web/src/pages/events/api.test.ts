import { describe, expect, it } from 'vitest';
import { searchFromParams } from './api';

describe('event search filters from the URL', () => {
  it('keeps the filters the server takes and leaves out empty and unknown ones', () => {
    const p = new URLSearchParams('kind=Pod&name=%20web-1%20&reason=&type=Warning&q=pulling&page=3&sort=x&from=2026-11-30T08:00:00Z');
    expect(searchFromParams(p)).toEqual({ kind: 'Pod', name: 'web-1', type: 'Warning', q: 'pulling', from: '2026-11-30T08:00:00Z' });
  });
});
