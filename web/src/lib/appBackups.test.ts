import { describe, expect, it } from 'vitest';
import {
  archiveProblemKey,
  backupStatusColor,
  canTakeAgain,
  countOutcomes,
  failuresFirst,
  kindRows,
  leftOutKey,
  mappingCollisions,
  newestBySchedule,
  outcomeColor,
  restoreBody,
  retention,
  scheduleBody,
  scheduleField,
  scheduleForm,
  scheduleInWords,
  takenBySchedule,
  volumeNoteKey,
} from './appBackups';
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';
import { translate } from '../i18n';
import { ApiError } from '../api/client';
import { errorText } from './errors';

describe('restoreBody', () => {
  const base = { target: 3, source: 3, mapping: { shop: 'shop', db: undefined }, existing: 'skip' as const, dryRun: false };

  it('sends nothing for the defaults (this cluster, names unchanged, skip, for real)', () => {
    expect(restoreBody(base)).toEqual({});
  });

  it('sends only the namespaces that change name, trimmed', () => {
    expect(restoreBody({ ...base, mapping: { shop: ' shop-copy ', db: 'db', cache: '  ' } })).toEqual({ namespace_mapping: { shop: 'shop-copy' } });
  });

  it('sends another target cluster, replace and the dry run', () => {
    expect(restoreBody({ ...base, target: 7, existing: 'replace', dryRun: true })).toEqual({ target_cluster_id: 7, existing: 'replace', dry_run: true });
  });
});

describe('mappingCollisions', () => {
  it('names a target two namespaces are mapped to, counting a blank as the same name', () => {
    expect(mappingCollisions({ a: 'x', b: 'x', c: '' })).toEqual(['x']);
    expect(mappingCollisions({ a: '', b: 'a' })).toEqual(['a']);
    expect(mappingCollisions({ a: 'b', b: 'a' })).toEqual([]);
  });
});

describe('outcomes', () => {
  const results = [
    { name: 'ns', outcome: 'created' },
    { name: 'cm', outcome: 'skipped' },
    { name: 'deploy', outcome: 'failed' },
    { name: 'svc', outcome: 'replaced' },
    { name: 'secret', outcome: 'created' },
    { name: 'job', outcome: 'failed' },
  ];

  it('counts each outcome and the total', () => {
    expect(countOutcomes(results)).toEqual({ created: 2, skipped: 1, replaced: 1, failed: 2, total: 6 });
    expect(countOutcomes([])).toEqual({ created: 0, skipped: 0, replaced: 0, failed: 0, total: 0 });
  });

  it('puts failures first and keeps the restore order otherwise', () => {
    expect(failuresFirst(results).map((r) => r.name)).toEqual(['deploy', 'job', 'ns', 'cm', 'svc', 'secret']);
  });

  it('colours failed red, created green, replaced blue, skipped plain', () => {
    expect([outcomeColor('failed'), outcomeColor('created'), outcomeColor('replaced'), outcomeColor('skipped')]).toEqual(['red', 'green', 'blue', 'default']);
  });
});

describe('report wording', () => {
  it("turns the server's reasons into message keys that exist, and leaves others as they came", () => {
    for (const why of ['owned by a controller, which makes it again', 'made by the cluster in every namespace', 'a ServiceAccount token, made by the cluster']) {
      const key = leftOutKey(why);
      expect(key && key in en, why).toBe(true);
    }
    expect(leftOutKey('something new')).toBeNull();
  });

  it('says the volume note from the claims and the snapshot support', () => {
    for (const [r, key] of [
      [{ claims: 0, volume_snapshots_served: true }, 'appBackups.volume.none'],
      [{ claims: 2, volume_snapshots_served: true }, 'appBackups.volume.snapshotsServed'],
      [{ claims: 1, volume_snapshots_served: false }, 'appBackups.volume.noSnapshots'],
    ] as const) {
      expect(volumeNoteKey(r)).toBe(key);
      expect(key in en).toBe(true);
    }
  });

  it('lists kinds most first, then by name', () => {
    expect(kindRows({ Service: 1, ConfigMap: 3, Deployment: 1 })).toEqual([
      { kind: 'ConfigMap', count: 3 },
      { kind: 'Deployment', count: 1 },
      { kind: 'Service', count: 1 },
    ]);
  });
});

describe('a schedule in words (UTC)', () => {
  const both = (e: string) => [scheduleInWords(e, 'en'), scheduleInWords(e, 'zh-CN')];

  it('every minute, and hourly at a minute, need no time zone', () => {
    expect(both('* * * * *')).toEqual(['every minute', '每分钟']);
    expect(both('*/15 * * * *')).toEqual(['every 15 minutes', '每 15 分钟']);
    expect(both('30 * * * *')).toEqual(['every hour at minute 30', '每小时第 30 分钟']);
  });

  it('daily, weekly and monthly name their time in UTC', () => {
    expect(both('0 3 * * *')).toEqual(['every day at 03:00 UTC', '每天 03:00（UTC）']);
    expect(both('45 23 * * 0')).toEqual(['every Sunday at 23:45 UTC', '每周日 23:45（UTC）']);
    expect(both('15 2 * * fri')).toEqual(['every Friday at 02:15 UTC', '每周五 02:15（UTC）']);
    expect(both('0 4 1 * *')).toEqual(['on day 1 of every month at 04:00 UTC', '每月 1 日 04:00（UTC）']);
  });

  it('reads the aliases', () => {
    expect(both('@hourly')).toEqual(['every hour, on the hour', '每小时整点']);
    expect(both('@daily')).toEqual(['every day at 00:00 UTC', '每天 00:00（UTC）']);
    expect(both('@weekly')).toEqual(['every Sunday at 00:00 UTC', '每周日 00:00（UTC）']);
    expect(both('@monthly')).toEqual(['on day 1 of every month at 00:00 UTC', '每月 1 日 00:00（UTC）']);
    expect(both('@yearly')).toEqual(['every year on January 1 at 00:00 UTC', '每年 1 月 1 日 00:00（UTC）']);
  });

  it('leaves other shapes to the cron text (null), never a wrong sentence', () => {
    for (const e of ['0 9-17 * * 1-5', '0 0 1 * 1', '5-10 * * * *', '@reboot', '* * * *', '', '0 0 L * *']) expect(scheduleInWords(e, 'en'), e).toBeNull();
    expect(scheduleInWords(null, 'zh-CN')).toBeNull();
  });
});

describe('the schedule dialog', () => {
  it('sends the body trimmed, without an empty selector or retention', () => {
    expect(scheduleBody({ name: ' nightly ', namespaces: ['shop'], label_selector: '  ', schedule: ' 0  3 * * * ', keep_count: null, keep_days: undefined, enabled: true })).toEqual({
      name: 'nightly',
      namespaces: ['shop'],
      schedule: '0 3 * * *',
      enabled: true,
    });
    expect(scheduleBody({ name: 'n', namespaces: ['a', 'b'], label_selector: 'app=web', schedule: '@daily', keep_count: 3, keep_days: 30, enabled: false })).toEqual({
      name: 'n',
      namespaces: ['a', 'b'],
      label_selector: 'app=web',
      schedule: '@daily',
      keep_count: 3,
      keep_days: 30,
      enabled: false,
    });
  });

  it('a stored schedule round-trips through the dialog unchanged (the switch sends it back whole)', () => {
    const stored = { name: 'nightly', namespaces: ['shop'], label_selector: null, schedule: '0 3 * * *', keep_count: 7, keep_days: null, enabled: true };
    expect(scheduleBody({ ...scheduleForm(stored), enabled: false })).toEqual({ name: 'nightly', namespaces: ['shop'], schedule: '0 3 * * *', keep_count: 7, enabled: false });
  });

  it("puts the server's refusal on the field it names", () => {
    expect(scheduleField('namespaces[2]')).toBe('namespaces');
    expect(scheduleField('schedule')).toBe('schedule');
    expect(scheduleField('keep_count')).toBe('keep_count');
    expect(scheduleField('keep_days')).toBe('keep_days');
    expect(scheduleField('name')).toBe('name');
    expect(scheduleField('label_selector')).toBe('label_selector');
    expect(scheduleField('enabled')).toBeUndefined();
    expect(scheduleField(undefined)).toBeUndefined();
  });
});

describe('retention in words', () => {
  const say = (s: { keep_count: number | null; keep_days: number | null }) => {
    const r = retention(s);
    return [translate('en', r.key, r.vars), translate('zh-CN', r.key, r.vars)];
  };
  it('keep newest N, keep N days, both, and the default of 7', () => {
    expect(say({ keep_count: 7, keep_days: null })).toEqual(['keep newest 7', '保留最新 7 个']);
    expect(say({ keep_count: null, keep_days: 30 })).toEqual(['keep 30 days', '保留 30 天']);
    expect(say({ keep_count: 1, keep_days: 30 })).toEqual(['keep newest 1, none older than 30 days', '保留最新 1 个，且不超过 30 天']);
    expect(say({ keep_count: null, keep_days: null })).toEqual(['keep newest 7', '保留最新 7 个']);
  });
});

describe('scheduled, failed and interrupted backups', () => {
  const schedules = [{ id: 4, name: 'nightly' }];

  it('names the schedule that took a backup, the deleted one from requested_by, none on demand', () => {
    expect(takenBySchedule({ schedule_id: 4, requested_by: 'schedule:nightly' }, schedules)).toBe('nightly');
    expect(takenBySchedule({ schedule_id: 9, requested_by: 'schedule:hourly' }, schedules)).toBe('hourly');
    expect(takenBySchedule({ schedule_id: null, requested_by: 'admin' }, schedules)).toBeNull();
  });

  it('finds the newest backup of each schedule', () => {
    const b = [
      { id: 1, schedule_id: 4, started_at: '2026-12-01T03:00:00Z' },
      { id: 2, schedule_id: 4, started_at: '2026-12-02T03:00:00Z' },
      { id: 3, schedule_id: null, started_at: '2026-12-03T03:00:00Z' },
    ];
    expect(newestBySchedule(b).get(4)?.id).toBe(2);
    expect(newestBySchedule(b).size).toBe(1);
  });

  it('offers "take again" on failed and interrupted backups only; interrupted is orange', () => {
    expect(['failed', 'interrupted', 'succeeded', 'running'].map(canTakeAgain)).toEqual([true, true, false, false]);
    expect(['succeeded', 'failed', 'interrupted', 'running'].map(backupStatusColor)).toEqual(['green', 'red', 'orange', 'blue']);
  });

  it("says what is wrong with an archive for each field of archive_invalid, in both languages", () => {
    for (const f of ['format', 'manifests', 'namespaces', 'backup', 'sha256', 'secrets_sealed']) {
      const key = archiveProblemKey(f);
      expect(key && key in en && key in zhCN, f).toBe(true);
    }
    expect(archiveProblemKey('other')).toBeNull();
    expect(archiveProblemKey(undefined)).toBeNull();
  });
});

describe('the words of the new states and errors', () => {
  it('every backup status has a tag in both languages, interrupted included', () => {
    for (const s of ['running', 'succeeded', 'failed', 'interrupted']) {
      expect(`appBackups.status.${s}` in en && `appBackups.status.${s}` in zhCN, s).toBe(true);
    }
    expect(translate('zh-CN', 'appBackups.status.interrupted')).toBe('已中断');
  });

  it('the schedule and archive error codes read as sentences in both languages', () => {
    const fail = (code: string, field: string, params: Record<string, unknown>) => new ApiError(409, { code, field, message: 'English', params });
    const exists = fail('app_backup_schedule_exists', 'name', { name: 'nightly' });
    expect(errorText((k, v) => translate('en', k, v), exists)).toBe('The cluster has a backup schedule called nightly already: pick another name');
    expect(errorText((k, v) => translate('zh-CN', k, v), exists)).toBe('该集群已有名为 nightly 的备份计划：请换一个名称');
    expect(errorText((k, v) => translate('zh-CN', k, v), fail('app_backup_schedule_not_found', '', { schedule: 4 }))).toBe('该集群没有应用备份计划 4');
    expect(errorText((k, v) => translate('en', k, v), fail('archive_invalid', 'sha256', {}))).toBe('The file is not an archive this Kubedeck can import (sha256 is wrong)');
  });
});
