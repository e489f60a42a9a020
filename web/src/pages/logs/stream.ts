// Opens the follow WebSocket for one pod. Browsers cannot set Authorization on a WebSocket, so the access
// token goes as a subprotocol ("kubedeck", "bearer.<token>"); the server answers "kubedeck". One text frame
// per line; "[kubedeck] ..." frames are notices (e.g. lines dropped); the close frame says why it ended.
import { logStreamUrl, type LogOptions } from '../../api/pods';
import { refreshSession } from '../../api/client';
import { accessTokenStale, getSession } from '../../api/session';
import { LineSplitter, parseStreamMessage } from '../../lib/logbuffer';

export interface StreamHandlers {
  onLines: (lines: string[]) => void;
  onOpen?: () => void;
  onNotice?: (msg: string) => void;
  onEnd: (reason: string, clean: boolean) => void;
}

export const NOTICE_PREFIX = '[kubedeck] ';

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
      h.onNotice?.(data.slice(NOTICE_PREFIX.length));
      return;
    }
    const m = parseStreamMessage(data);
    if (m.lines) h.onLines(m.lines);
    if (m.text !== undefined) {
      // one frame per line; a frame carrying several lines is split, an unfinished tail waits for the next frame
      const lines = m.text.includes('\n') ? splitter.push(m.text) : [m.text];
      if (lines.length) h.onLines(lines);
    }
    if (m.notice) h.onNotice?.(m.notice);
    if (m.end) h.onNotice?.(m.end);
  };
  ws.onclose = (ev) => {
    const rest = splitter.flush();
    if (rest.length) h.onLines(rest);
    // a refused upgrade (bad options, no permission) closes before opening: say so instead of an empty view
    if (!closedByUs) h.onEnd(ev.reason || (opened ? `code ${ev.code}` : `connection refused (code ${ev.code})`), ev.code === 1000);
  };
  return () => {
    closedByUs = true;
    ws.close(1000, 'client closed');
  };
}
