import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { translate, type Lang, type TFunc } from '../../i18n';
import { readStreamEnd, readStreamNotice, streamEndText, streamNoticeText } from './stream';

const tr = (lang: Lang): TFunc => (k, v) => translate(lang, k, v);
const zh = tr('zh-CN');
const en = tr('en');

// The close reasons and notices crates/kubedeck-api/src/routes/log_stream.rs sends, as it sends them.
describe('a live log ending, in the user language', () => {
  it('the container stopped', () => {
    const end = readStreamEnd(1000, 'container_stopped web: container web stopped; its log ended', true);
    expect(end).toEqual({ kind: 'containerStopped', container: 'web' });
    expect(streamEndText(zh, end)).toBe('容器 web 已停止，日志已结束');
    expect(streamEndText(en, end)).toBe('Container web stopped; its log ended');
  });

  it('the pod is gone', () => {
    const end = readStreamEnd(1000, 'pod_gone web-5f9: pod web-5f9 is gone', true);
    expect(streamEndText(zh, end)).toBe('容器组 web-5f9 已不存在，日志已结束');
  });

  it('limitBytes reached', () => {
    expect(streamEndText(zh, readStreamEnd(1000, 'limit_reached: limitBytes reached', true))).toBe('日志已达到字节上限（limitBytes），已停止跟踪');
  });

  it('the stream broke: the cluster text appended as it came', () => {
    const end = readStreamEnd(1011, 'upstream_broken: the log stream from the cluster broke: connection reset by peer', true);
    expect(streamEndText(zh, end)).toBe('来自集群的日志流中断了：connection reset by peer');
  });

  it('refused before opening: why, from the same request over HTTP, not "code 1006"', () => {
    const end = readStreamEnd(1006, '', false);
    expect(streamEndText(zh, end)).toBe('无法打开实时日志（代码 1006）');
    const why = new ApiError(404, { code: 'pod_not_found', message: "pod 'x' does not exist", params: { pod: 'x', namespace: 'shop', cluster: 1 } });
    expect(streamEndText(zh, { kind: 'refused', code: 1006, error: why })).toBe('命名空间 shop 中不存在容器组 x');
  });

  it('an ending this console does not know keeps its reason after a translated sentence', () => {
    const end = readStreamEnd(4000, 'server shutting down', true);
    expect(streamEndText(zh, end)).toBe('实时日志连接已关闭（代码 4000）：server shutting down');
  });

  it('lines dropped for a slow browser', () => {
    const n = readStreamNotice('1200 lines dropped: the browser did not keep up');
    expect(streamNoticeText(zh, n)).toBe('浏览器处理不过来，丢弃了 1,200 行日志');
    expect(streamNoticeText(en, n)).toBe('1,200 lines dropped: the browser did not keep up');
  });
});
