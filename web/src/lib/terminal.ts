// The web terminal's protocol (issue 14, /work/briefs/exec-contract.md), React-free: the exec WebSocket's address,
// the control messages the browser sends, and the frames the server sends read into what the terminal does.
import { splitCommand } from './workloadManifest';

export interface ExecOptions {
  container?: string;
  /** as typed: `sh -c "echo hi"` (split into argv like a shell would, quotes group words); empty: /bin/sh */
  command?: string;
  tty?: boolean;
}

/** `ws[s]://host/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/exec?container=&command=…&tty=` */
export function execUrl(loc: Pick<Location, 'protocol' | 'host'>, clusterId: string | number, ns: string, pod: string, o: ExecOptions): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams();
  if (o.container) q.set('container', o.container);
  for (const arg of splitCommand(o.command)) q.append('command', arg);
  q.set('tty', o.tty === false ? 'false' : 'true');
  return `${proto}//${loc.host}/ws/k8s/cluster/${clusterId}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/exec?${q}`;
}

/** The resize control message (a text frame). */
export const resizeMessage = (cols: number, rows: number) => JSON.stringify({ type: 'resize', cols: Math.max(1, Math.floor(cols)), rows: Math.max(1, Math.floor(rows)) });

export type ExecFrame =
  | { kind: 'output'; stream: 'stdout' | 'stderr'; bytes: Uint8Array }
  | { kind: 'exit'; code: number }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'ignored' };

/** One server frame: a binary one is output (byte 0 the stream), a text one a JSON control message. */
export function readExecFrame(data: ArrayBuffer | Uint8Array | string): ExecFrame {
  if (typeof data === 'string') {
    try {
      const m = JSON.parse(data) as { type?: string; code?: unknown; message?: unknown };
      if (m.type === 'exit' && typeof m.code === 'number') return { kind: 'exit', code: m.code };
      if (m.type === 'error') return { kind: 'error', code: String(m.code ?? 'error'), message: String(m.message ?? '') };
    } catch {
      /* not JSON: ignored */
    }
    return { kind: 'ignored' };
  }
  const b = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (b.length === 0 || (b[0] !== 1 && b[0] !== 2)) return { kind: 'ignored' };
  return { kind: 'output', stream: b[0] === 2 ? 'stderr' : 'stdout', bytes: b.subarray(1) };
}

export type TerminalEnd = { kind: 'exited'; code: number } | { kind: 'broken'; message: string } | { kind: 'refused' } | { kind: 'closed'; code: number; reason: string };

/**
 * How a session ended, from the last control message seen (exit / error) and the close frame: an exit status, a
 * broken upstream, a refusal before the upgrade (closed without ever opening), or a close this console does not know.
 */
export function terminalEnd(last: ExecFrame | null, opened: boolean, code: number, reason: string): TerminalEnd {
  if (last?.kind === 'exit') return { kind: 'exited', code: last.code };
  if (last?.kind === 'error') return { kind: 'broken', message: last.message };
  if (!opened) return { kind: 'refused' };
  const m = /^exited (-?\d+)$/.exec(reason);
  if (m) return { kind: 'exited', code: Number(m[1]) };
  if (reason.startsWith('upstream_broken')) return { kind: 'broken', message: reason.replace(/^upstream_broken:? ?/, '') };
  return { kind: 'closed', code, reason };
}
