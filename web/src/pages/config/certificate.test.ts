import { describe, expect, it } from 'vitest';
import { daysLeft, expiryTone } from './certificate';

describe('certificate expiry', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it('is an error once expired and a warning under 30 days', () => {
    expect(expiryTone('2029-12-31T23:59:59Z', now)).toBe('error');
    expect(expiryTone('2030-01-20T00:00:00Z', now)).toBe('warning');
    expect(daysLeft('2030-01-20T00:00:00Z', now)).toBe(19);
    expect(expiryTone('2030-02-01T00:00:00Z', now)).toBe('success');
  });
});
