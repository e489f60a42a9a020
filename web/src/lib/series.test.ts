import { describe, expect, it } from 'vitest';
import { breakAtGaps, type Point } from './series';

const at = (s: number, v: number | null = 1): Point => [s * 1000, v];

describe('breakAtGaps', () => {
  it('leaves evenly spaced samples alone', () => {
    const pts = [at(0), at(30), at(61), at(90)];
    expect(breakAtGaps(pts, 30)).toEqual(pts);
  });

  it('puts a null point in a period without samples, so the line breaks there', () => {
    const out = breakAtGaps([at(0), at(30), at(60), at(600), at(630), at(660)], 30);
    expect(out).toHaveLength(7);
    expect(out[3]).toEqual([330_000, null]);
    expect(out.filter((p) => p[1] === null)).toHaveLength(1);
  });

  it('does not break every step when samples are sparser than the step asked for', () => {
    const pts = [at(0), at(60), at(120), at(180), at(240)];
    expect(breakAtGaps(pts, 30)).toEqual(pts);
    expect(breakAtGaps([...pts, at(2000)], 30).filter((p) => p[1] === null)).toHaveLength(1);
  });

  it('handles no and one sample', () => {
    expect(breakAtGaps([], 30)).toEqual([]);
    expect(breakAtGaps([at(5)], 30)).toEqual([at(5)]);
  });
});
