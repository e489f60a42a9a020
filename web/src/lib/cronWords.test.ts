import { describe, expect, it } from 'vitest';
import { cronInWords } from './cronWords';

const both = (e: string) => [cronInWords(e, 'en'), cronInWords(e, 'zh-CN')];

describe('cronInWords', () => {
  it('minutes and hours', () => {
    expect(both('*/5 * * * *')).toEqual(['every 5 minutes', '每 5 分钟']);
    expect(both('* * * * *')).toEqual(['every minute', '每分钟']);
    expect(both('0 * * * *')).toEqual(['every hour, on the hour', '每小时整点']);
    expect(both('15 * * * *')).toEqual(['every hour at minute 15', '每小时第 15 分钟']);
    expect(both('0 */2 * * *')).toEqual(['every 2 hours at minute 0', '每 2 小时的第 0 分钟']);
  });
  it('days, weekdays, months and years at a time', () => {
    expect(both('30 2 * * *')).toEqual(['every day at 02:30', '每天 02:30']);
    expect(both('0 9,18 * * *')).toEqual(['every day at 09:00 and 18:00', '每天 09:00、18:00']);
    expect(both('0 9 * * 1-5')).toEqual(['every weekday (Monday to Friday) at 09:00', '每个工作日（周一至周五） 09:00']);
    expect(both('0 10 * * 0,6')).toEqual(['every Saturday and Sunday at 10:00', '每周六和周日 10:00']);
    expect(both('0 8 * * MON')).toEqual(['every Monday at 08:00', '每周一 08:00']);
    expect(both('0 8 * * 1,3,5')).toEqual(['every Monday, Wednesday and Friday at 08:00', '每周一、周三、周五 08:00']);
    expect(both('0 0 1 * *')).toEqual(['on day 1 of every month at 00:00', '每月 1 日 00:00']);
    expect(both('0 12 25 12 *')).toEqual(['every year on December 25 at 12:00', '每年 12 月 25 日 12:00']);
    expect(cronInWords('0 7 * * 7', 'en')).toBe('every Sunday at 07:00');
  });
  it('macros', () => {
    expect(both('@daily')).toEqual(['every day at 00:00', '每天 00:00']);
    expect(both('@hourly')).toEqual(['every hour, on the hour', '每小时整点']);
    expect(cronInWords('@weekly', 'en')).toBe('every Sunday at 00:00');
    expect(cronInWords('@yearly', 'zh-CN')).toBe('每年 1 月 1 日 00:00');
  });
  it('anything else is left to the expression', () => {
    for (const e of ['', '*/5 * * *', '0 9-17 * * 1-5', '5-10 * * * *', '0 0 1 * 1', '@every 5m', 'TZ=UTC 0 * * * *', '61 * * * *', '0 25 * * *', '*/1 * * * *', '0 0 L * *'])
      expect(cronInWords(e, 'en'), e).toBeNull();
    expect(cronInWords(null, 'en')).toBeNull();
  });
});
