import { describe, expect, it } from 'vitest';
import { kubectlWord, nodeStatusView } from './status';
import { translate } from '../i18n';
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';

const zh = (k: string, v?: Record<string, string | number | null | undefined>) => translate('zh-CN', k, v);
const english = (k: string, v?: Record<string, string | number | null | undefined>) => translate('en', k, v);

describe("kubectl's words in the user's language", () => {
  it('Chinese shows the translation with the kubectl word kept in brackets', () => {
    expect(kubectlWord(zh, 'Running')).toBe('运行中（Running）');
    expect(kubectlWord(zh, 'Pending')).toBe('等待中（Pending）');
    expect(kubectlWord(zh, 'CrashLoopBackOff')).toBe('反复崩溃（CrashLoopBackOff）');
    expect(kubectlWord(zh, 'ImagePullBackOff')).toBe('镜像拉取退避（ImagePullBackOff）');
    expect(kubectlWord(zh, 'Evicted')).toBe('已被驱逐（Evicted）');
    expect(kubectlWord(zh, 'NotReady')).toBe('未就绪（NotReady）');
    expect(kubectlWord(zh, 'SchedulingDisabled')).toBe('禁止调度（SchedulingDisabled）');
  });

  it('compound STATUS values keep the whole kubectl word', () => {
    expect(kubectlWord(zh, 'Init:0/1')).toBe('初始化中（Init:0/1）');
    expect(kubectlWord(zh, 'Init:CrashLoopBackOff')).toBe('初始化中（Init:CrashLoopBackOff）');
    expect(kubectlWord(zh, 'Signal:9')).toBe('被信号终止（Signal:9）');
    expect(kubectlWord(zh, 'ExitCode:137')).toBe('已退出（ExitCode:137）');
  });

  it("container states (lower-case in the API) read like kubectl describe's", () => {
    expect(kubectlWord(zh, 'running')).toBe('运行中（Running）');
    expect(kubectlWord(zh, 'waiting')).toBe('等待（Waiting）');
    expect(kubectlWord(english, 'terminated')).toBe('Terminated');
  });

  it('English shows the word as kubectl prints it; an unknown word is shown raw in both', () => {
    for (const w of ['Running', 'CrashLoopBackOff', 'Init:0/1', 'Completed', 'NotReady']) expect(kubectlWord(english, w)).toBe(w);
    expect(kubectlWord(zh, 'SomethingNew')).toBe('SomethingNew');
    expect(kubectlWord(english, 'SomethingNew')).toBe('SomethingNew');
    expect(kubectlWord(zh, '')).toBe('-');
  });

  it('every Chinese status message names its kubectl word, every phase and common reason is covered', () => {
    const words = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown', 'CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'Completed', 'Terminating', 'ContainerCreating', 'Error', 'OOMKilled', 'Evicted', 'Ready', 'NotReady', 'SchedulingDisabled'];
    for (const w of words) expect(en, w).toHaveProperty([`kstatus.${w}`]);
    for (const [k, v] of Object.entries(zhCN).filter(([k]) => k.startsWith('kstatus.'))) {
      const word = k.slice('kstatus.'.length);
      expect(v.includes(`（${word}）`) || v.includes('（{{word}}）'), `${k}: ${v}`).toBe(true);
      expect(/[\u4e00-\u9fff]/.test(v), `${k} is translated`).toBe(true);
    }
  });

  it('node conditions use the same words', () => {
    expect(zh(nodeStatusView({ status: 'Ready', schedulable: true }).key)).toBe('就绪（Ready）');
    expect(english(nodeStatusView({ status: 'NotReady', schedulable: true }).key)).toBe('NotReady');
  });
});
