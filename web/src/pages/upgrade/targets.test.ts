import { describe, expect, it } from 'vitest';
import { defaultTarget, minorOf, NEWEST_MINOR, targetChoices } from './targets';

describe('upgrade targets', () => {
  it('reads the minor of the version strings clusters report', () => {
    expect(minorOf('v1.20.2')).toBe(20);
    expect(minorOf('1.28')).toBe(28);
    expect(minorOf('v1.21.3-eks-1')).toBe(21);
    expect(minorOf('')).toBeNull();
    expect(minorOf('2.0.0')).toBeNull();
    expect(minorOf(undefined)).toBeNull();
  });

  it('offers every newer minor version up to the newest known, the next one first', () => {
    const t = targetChoices('v1.20.2');
    expect(t[0]).toBe('1.21');
    expect(t[t.length - 1]).toBe(`1.${NEWEST_MINOR}`);
    expect(t).toHaveLength(NEWEST_MINOR - 20);
    expect(defaultTarget('v1.20.2')).toBe('1.21');
  });

  it('offers nothing for the newest version or an unreadable one', () => {
    expect(targetChoices(`v1.${NEWEST_MINOR}.0`)).toEqual([]);
    expect(defaultTarget(`v1.${NEWEST_MINOR}.0`)).toBeUndefined();
    expect(targetChoices('unknown')).toEqual([]);
  });
});
