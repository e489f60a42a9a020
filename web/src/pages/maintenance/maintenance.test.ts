import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { zhCN } from '../../i18n/zh-CN';
import { minutesLeft } from './maintenance';

describe('maintenance banner', () => {
  it('counts the minutes left, rounding up and never below one', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(minutesLeft('2026-11-30T10:30:00Z', now)).toBe(30);
    expect(minutesLeft('2026-11-30T10:00:20Z', now)).toBe(1);
    expect(minutesLeft('2026-11-30T09:59:00Z', now)).toBe(1);
  });

  it('says it in both languages with the reason and the end', () => {
    for (const table of [en, zhCN]) {
      expect(table['maintenance.banner']).toContain('{{reason}}');
      expect(table['maintenance.banner']).toContain('{{end}}');
      expect(table['apiError.cluster_in_maintenance']).toContain('{{reason}}');
    }
  });
});
