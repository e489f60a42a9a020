import { describe, expect, it } from 'vitest';
import { execUrl, readExecFrame, resizeMessage, terminalEnd } from './terminal';

describe('the exec WebSocket protocol', () => {
  it('builds the address: each argv element a command parameter, tty on by default', () => {
    expect(execUrl({ protocol: 'https:', host: 'kd.example:8443' }, 3, 'shop', 'web-1', { container: 'app', command: 'sh -c "echo hi"' })).toBe(
      'wss://kd.example:8443/ws/k8s/cluster/3/namespaces/shop/pods/web-1/exec?container=app&command=sh&command=-c&command=echo+hi&tty=true',
    );
    expect(execUrl({ protocol: 'http:', host: 'h' }, 1, 'a b', 'p', { tty: false })).toBe('ws://h/ws/k8s/cluster/1/namespaces/a%20b/pods/p/exec?tty=false');
  });
  it('sends resizes as whole cells', () => {
    expect(JSON.parse(resizeMessage(120.7, 40))).toEqual({ type: 'resize', cols: 120, rows: 40 });
    expect(JSON.parse(resizeMessage(0, 0))).toEqual({ type: 'resize', cols: 1, rows: 1 });
  });
  it('reads output frames by their stream byte and control messages', () => {
    const out = readExecFrame(new Uint8Array([1, 104, 105]));
    expect(out.kind === 'output' && out.stream === 'stdout' && [...out.bytes]).toEqual([104, 105]);
    const err = readExecFrame(new Uint8Array([2, 33]).buffer);
    expect(err.kind === 'output' && err.stream).toBe('stderr');
    expect(readExecFrame(new Uint8Array([9, 1]))).toEqual({ kind: 'ignored' });
    expect(readExecFrame('{"type":"exit","code":127}')).toEqual({ kind: 'exit', code: 127 });
    expect(readExecFrame('{"type":"error","code":"upstream_broken","message":"EOF"}')).toEqual({ kind: 'error', code: 'upstream_broken', message: 'EOF' });
    expect(readExecFrame('{"type":"later"}')).toEqual({ kind: 'ignored' });
    expect(readExecFrame('garbage')).toEqual({ kind: 'ignored' });
  });
  it('says how a session ended', () => {
    expect(terminalEnd({ kind: 'exit', code: 0 }, true, 1000, 'exited 0')).toEqual({ kind: 'exited', code: 0 });
    expect(terminalEnd(null, true, 1000, 'exited 3')).toEqual({ kind: 'exited', code: 3 });
    expect(terminalEnd({ kind: 'error', code: 'upstream_broken', message: 'EOF' }, true, 1011, 'upstream_broken: EOF')).toEqual({ kind: 'broken', message: 'EOF' });
    expect(terminalEnd(null, true, 1011, 'upstream_broken: reset')).toEqual({ kind: 'broken', message: 'reset' });
    expect(terminalEnd(null, false, 1006, '')).toEqual({ kind: 'refused' });
    expect(terminalEnd(null, true, 1001, 'going away')).toEqual({ kind: 'closed', code: 1001, reason: 'going away' });
  });
});
