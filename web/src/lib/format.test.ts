import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatCpu, formatLatency, formatPercent, formatRelative, parseQuantity, percent } from './format';

describe('formatAge (kubectl style)', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const ago = (s: number) => new Date(now - s * 1000).toISOString();
  it('reads like kubectl get', () => {
    expect(formatAge(ago(45), now)).toBe('45s');
    expect(formatAge(ago(12 * 60), now)).toBe('12m');
    expect(formatAge(ago(5 * 3600 + 7 * 60), now)).toBe('5h7m');
    expect(formatAge(ago(15 * 3600), now)).toBe('15h');
    expect(formatAge(ago(3 * 86400 + 4 * 3600), now)).toBe('3d4h');
    expect(formatAge(ago(120 * 86400), now)).toBe('120d');
    expect(formatAge(ago(400 * 86400), now)).toBe('1y35d');
  });
  it('shows a dash for missing or invalid times, and 0s for clock skew', () => {
    expect(formatAge(null, now)).toBe('-');
    expect(formatAge('not a date', now)).toBe('-');
    expect(formatAge(new Date(now + 5000).toISOString(), now)).toBe('0s');
  });
});

describe('quantities', () => {
  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('4')).toBe(4);
    expect(parseQuantity('16Gi')).toBe(16 * 2 ** 30);
    expect(parseQuantity('512Mi')).toBe(512 * 2 ** 20);
    expect(parseQuantity('1k')).toBe(1000);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity('110')).toBe(110);
    expect(parseQuantity('abc')).toBeNull();
    expect(parseQuantity('')).toBeNull();
    expect(parseQuantity(null)).toBeNull();
  });
  it('formats CPU and bytes the way operators write them', () => {
    expect(formatCpu(0.25)).toBe('250m');
    expect(formatCpu(4)).toBe('4');
    expect(formatCpu(1.5)).toBe('1.5');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(16 * 2 ** 30)).toBe('16 GiB');
    expect(formatBytes(undefined)).toBe('-');
  });
  it('percent is clamped and tolerant of zero capacity', () => {
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(1, 0)).toBeNull();
    expect(formatPercent(12.345, 1)).toBe('12.3%');
    expect(formatPercent(null)).toBe('-');
  });
  it('latency switches to seconds above one second', () => {
    expect(formatLatency(12.4)).toBe('12 ms');
    expect(formatLatency(2500)).toBe('2.5 s');
    expect(formatLatency(null)).toBe('-');
  });
  it('relative time is localised', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(formatRelative('2026-01-10T11:55:00Z', 'en', now)).toBe('5 minutes ago');
    expect(formatRelative('2026-01-10T11:55:00Z', 'zh-CN', now)).toBe('5分钟前');
    expect(formatRelative(null, 'en', now)).toBe('-');
  });
});
