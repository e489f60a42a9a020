import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS, defaultRate, kindFields } from '../../api/notify';
import { en } from '../../i18n/en';

describe('channel kinds', () => {
  it('each kind asks for what its receiver needs', () => {
    expect(kindFields('dingtalk')).toEqual(['url', 'secret']);
    expect(kindFields('wecom')).toEqual(['url']);
    expect(kindFields('email')).toContain('smtp_host');
    expect(kindFields('email')).not.toContain('url');
  });

  it('robots default to their documented limits, webhooks and email to none', () => {
    expect(defaultRate('dingtalk')).toBe(20);
    expect(defaultRate('feishu')).toBe(100);
    expect(defaultRate('webhook')).toBeNull();
  });

  it('every kind has a name and help text', () => {
    for (const k of CHANNEL_KINDS) {
      expect(en).toHaveProperty([`channels.kinds.${k}`]);
      expect(en).toHaveProperty([`channels.help.${k}`]);
    }
  });
});
