// Opens the follow WebSocket for one pod. Browsers cannot set Authorization on a WebSocket, so the access
// token goes as a subprotocol ("kubedeck", "bearer.<token>"); the server answers "kubedeck". One text frame
// per line; "[kubedeck] ..." frames are notices (e.g. lines dropped); the close frame says why it ended.
// The server says those in English (crates/kubedeck-api/src/routes/log_stream.rs): they are read here into
// endings and notices the console says in the user's language.
import { fetchLogs, logStreamUrl, type LogOptions } from '../../api/pods';
import { refreshSession } from '../../api/client';
import { accessTokenStale, getSession } from '../../api/session';
import { LineSplitter, parseStreamMessage } from '../../lib/logbuffer';
import { errorText } from '../../lib/errors';
import type { TFunc } from '../../i18n';

/** Why a live log ended. */
export type StreamEnd =
  | { kind: 'limit' }
  | { kind: 'podGone'; pod: string }
  | { kind: 'containerStopped'; container: string }
  | { kind: 'broken'; detail: string }
  /** the server refused the connection before it opened; `error` is why, asked again over plain HTTP */
  | { kind: 'refused'; code: number; error?: unknown }
  /** an ending this console does not know (a newer server): its code, and the reason as it came */
  | { kind: 'closed'; code: number; reason: string };

/** A notice in the middle of a stream. */
export type StreamNotice = { kind: 'dropped'; count: number } | { kind: 'text'; text: string };

export interface StreamHandlers {
  onLines: (lines: string[]) => void;
  onOpen?: () => void;
  onNotice?: (notice: StreamNotice) => void;
  onEnd: (end: StreamEnd) => void;
}

export const NOTICE_PREFIX = '[kubedeck] ';

/**
 * Reads the close frame the server sends (see `close_frame` in log_stream.rs): `<code>[ <name>]: <English>`, the
 * code stable and the English only for other clients, so a reworded sentence does not change what is shown here.
 */
export function readStreamEnd(code: number, reason: string, opened: boolean): StreamEnd {
  if (!opened) return { kind: 'refused', code };
  const m = /^([a-z_]+)(?: ([^\s:]+))?: ?(.*)$/s.exec(reason);
  if (m) {
    const [, what, name, text] = m;
    if (what === 'limit_reached') return { kind: 'limit' };
    if (what === 'pod_gone' && name) return { kind: 'podGone', pod: name };
    if (what === 'container_stopped' && name) return { kind: 'containerStopped', container: name };
    if (what === 'upstream_broken') return { kind: 'broken', detail: text.replace(/^the log stream from the cluster broke: ?/, '') };
  }
  return { kind: 'closed', code, reason };
}

/** Reads a "[kubedeck] ..." notice frame (without its prefix). */
export function readStreamNotice(text: string): StreamNotice {
  const m = /^(\d+) lines dropped: the browser did not keep up$/.exec(text);
  return m ? { kind: 'dropped', count: Number(m[1]) } : { kind: 'text', text };
}

/** The ending in the user's language; text from the cluster is appended as it came. */
export function streamEndText(t: TFunc, end: StreamEnd): string {
  const withDetail = (sentence: string, detail?: string) => (detail?.trim() ? t('apiError.withDetail', { sentence, detail }) : sentence);
  switch (end.kind) {
    case 'limit':
      return t('logs.end.limit');
    case 'podGone':
      return t('logs.end.podGone', { pod: end.pod });
    case 'containerStopped':
      return t('logs.end.containerStopped', { container: end.container });
    case 'broken':
      return withDetail(t('logs.end.broken'), end.detail);
    case 'refused':
      return end.error ? errorText(t, end.error) : t('logs.end.refused', { code: end.code });
    case 'closed':
      return withDetail(t('logs.end.closed', { code: end.code }), end.reason);
  }
}

export function streamNoticeText(t: TFunc, n: StreamNotice): string {
  return n.kind === 'dropped' ? t('logs.notice.dropped', { count: n.count }) : n.text;
}

/** Why the server refused the WebSocket: the browser never sees the HTTP answer, so ask the same over plain HTTP. */
async function whyRefused(clusterId: string, ns: string, pod: string, opts: LogOptions): Promise<unknown> {
  try {
    await fetchLogs(clusterId, ns, pod, { ...opts, tailLines: 0 });
    return undefined;
  } catch (e) {
    return e;
  }
}

export async function openLogStream(clusterId: string, ns: string, pod: string, opts: LogOptions, h: StreamHandlers): Promise<() => void> {
  let s = getSession();
  if (s && accessTokenStale(s)) {
    await refreshSession();
    s = getSession();
  }
  const protocols = s ? ['kubedeck', `bearer.${s.accessToken}`] : ['kubedeck'];
  const ws = new WebSocket(logStreamUrl(clusterId, ns, pod, opts), protocols);
  const splitter = new LineSplitter();
  let closedByUs = false;
  let opened = false;
  ws.onopen = () => {
    opened = true;
    h.onOpen?.();
  };
  ws.onmessage = (ev) => {
    const data = typeof ev.data === 'string' ? ev.data : '';
    if (data.startsWith(NOTICE_PREFIX)) {
      h.onNotice?.(readStreamNotice(data.slice(NOTICE_PREFIX.length)));
      return;
    }
    const m = parseStreamMessage(data);
    if (m.lines) h.onLines(m.lines);
    if (m.text !== undefined) {
      // one frame per line; a frame carrying several lines is split, an unfinished tail waits for the next frame
      const lines = m.text.includes('\n') ? splitter.push(m.text) : [m.text];
      if (lines.length) h.onLines(lines);
    }
    if (m.notice) h.onNotice?.({ kind: 'text', text: m.notice });
    if (m.end) h.onNotice?.({ kind: 'text', text: m.end });
  };
  ws.onclose = (ev) => {
    const rest = splitter.flush();
    if (rest.length) h.onLines(rest);
    if (closedByUs) return;
    const end = readStreamEnd(ev.code, ev.reason, opened);
    // a refused upgrade (bad options, no permission, no such pod) closes before opening: say why, not "code 1006"
    if (end.kind === 'refused')
      void whyRefused(clusterId, ns, pod, opts).then((error) => {
        if (!closedByUs) h.onEnd({ ...end, error });
      });
    else h.onEnd(end);
  };
  return () => {
    closedByUs = true;
    ws.close(1000, 'client closed');
  };
}
