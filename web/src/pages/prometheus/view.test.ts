import { describe, expect, it } from 'vitest';
import { formatValue, seriesName, toChartPoints } from './view';

describe('application metrics view', () => {
  it('names a series by the labels that differ', () => {
    const a = { labels: { pod: 'web-1', namespace: 'shop' }, values: [] };
    const b = { labels: { pod: 'web-2', namespace: 'shop' }, values: [] };
    expect(seriesName(a, [a, b])).toBe('web-1');
    const alone = { labels: { quantile: '0.99' }, values: [] };
    expect(seriesName(alone, [alone])).toBe('0.99');
    expect(seriesName({ labels: {}, values: [] }, [])).toBe('value');
  });

  it('turns seconds into milliseconds and keeps gaps', () => {
    expect(toChartPoints({ labels: {}, values: [[1.5, 2], [2.5, null]] })).toEqual([[1500, 2], [2500, null]]);
  });

  it('formats values in their unit', () => {
    expect(formatValue(0.175, 's')).toBe('175 ms');
    expect(formatValue(2.5, 's')).toBe('2.50 s');
    expect(formatValue(1 / 6, 'ratio')).toBe('16.7%');
    expect(formatValue(12, 'req/s')).toBe('12.0 req/s');
    expect(formatValue(3 * 1024 * 1024, 'bytes')).toBe('3.00 MiB');
    expect(formatValue(null, 's')).toBe('-');
  });
});
