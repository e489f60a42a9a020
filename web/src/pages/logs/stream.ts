// Opens the follow WebSocket for one pod. Auth: a single-use ticket from POST /api/v1/auth/ws-ticket;
// if this server has no ticket route, the access token goes as a subprotocol ("kubedeck.bearer.<token>").
import { ApiError } from '../../api/client';
import { logStreamUrl, wsTicket, type LogOptions } from '../../api/pods';
import { getSession } from '../../api/session';
import { LineSplitter, parseStreamMessage } from '../../lib/logbuffer';

export interface StreamHandlers {
  onLines: (lines: string[]) => void;
  onOpen?: () => void;
  onNotice?: (msg: string) => void;
  onEnd: (reason: string, clean: boolean) => void;
}

export async function openLogStream(clusterId: string, ns: string, pod: string, opts: LogOptions, h: StreamHandlers): Promise<() => void> {
  let ticket = '';
  let protocols: string[] | undefined;
  try {
    ticket = (await wsTicket()).ticket;
  } catch (e) {
    if (!(e instanceof ApiError && (e.status === 404 || e.status === 405))) throw e;
    const s = getSession();
    protocols = s ? ['kubedeck.v1', `kubedeck.bearer.${s.accessToken}`] : undefined;
  }
  const url = logStreamUrl(clusterId, ns, pod, { ...opts, follow: true, ticket: ticket || (undefined as unknown as string) });
  const ws = new WebSocket(url, protocols);
  const splitter = new LineSplitter();
  let closedByUs = false;
  ws.onopen = () => h.onOpen?.();
  ws.onmessage = (ev) => {
    const data = typeof ev.data === 'string' ? ev.data : '';
    const m = parseStreamMessage(data);
    if (m.lines) h.onLines(m.lines);
    if (m.text !== undefined) {
      // raw frames are either whole lines without '\n' or chunks of a byte stream
      const lines = m.text.includes('\n') ? splitter.push(m.text) : [m.text];
      if (lines.length) h.onLines(lines);
    }
    if (m.notice) h.onNotice?.(m.notice);
    if (m.end) h.onNotice?.(m.end);
  };
  ws.onclose = (ev) => {
    const rest = splitter.flush();
    if (rest.length) h.onLines(rest);
    if (!closedByUs) h.onEnd(ev.reason || `code ${ev.code}`, ev.code === 1000);
  };
  return () => {
    closedByUs = true;
    ws.close(1000, 'client closed');
  };
}
