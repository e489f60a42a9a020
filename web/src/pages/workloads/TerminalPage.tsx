// A pod's web terminal (issue 14) at /clusters/:id/namespaces/:ns/pods/:pod/terminal: xterm.js on the exec
// WebSocket of /work/briefs/exec-contract.md (the same ticket/subprotocol auth as the log stream), with resize,
// copy/paste, reconnect (a new shell, as with kubectl exec) and the ending in the user's language. A lazy route
// chunk: xterm.js is never in the initial load.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Input, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { ApiOutlined, CopyOutlined, DisconnectOutlined, ReloadOutlined, SnippetsOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { useI18n } from '../../i18n';
import { useThemeMode } from '../../theme';
import { getPod } from '../../api/pods';
import { ApiError, refreshSession } from '../../api/client';
import { accessTokenStale, getSession } from '../../api/session';
import { ErrorAlert, PageHeader } from '../../components/common';
import { errorText } from '../../lib/errors';
import { execUrl, readExecFrame, resizeMessage, terminalEnd, type ExecFrame, type TerminalEnd } from '../../lib/terminal';

type State = { kind: 'idle' } | { kind: 'connecting' } | { kind: 'open' } | { kind: 'ended'; end: TerminalEnd; why?: string };

const THEMES = {
  dark: { background: '#141414', foreground: '#e6e6e6', cursor: '#e6e6e6', selectionBackground: '#3a5a85' },
  light: { background: '#fafafa', foreground: '#1f1f1f', cursor: '#1f1f1f', selectionBackground: '#b5d3ff' },
};

/** Why the server refused the upgrade: the browser never sees that answer, so the same address asked over HTTP. */
async function whyRefused(url: string): Promise<unknown> {
  try {
    const s = getSession();
    const res = await fetch(url.replace(/^ws/, 'http'), { headers: s ? { Authorization: `Bearer ${s.accessToken}` } : {} });
    const body = await res.json().catch(() => ({}));
    if (res.ok || body.code === 'websocket_required') return undefined;
    return new ApiError(res.status, body);
  } catch {
    return undefined;
  }
}

export default function TerminalPage() {
  const { clusterId = '', namespace = '', podName = '' } = useParams();
  const { t } = useI18n();
  const { mode } = useThemeMode();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const pod = useQuery({ queryKey: ['pod', clusterId, namespace, podName, 'terminal'], queryFn: () => getPod(clusterId, namespace, podName) });
  const containers = ((pod.data?.object as { spec?: { containers?: { name: string }[] } } | undefined)?.spec?.containers ?? []).map((c) => c.name);
  const container = params.get('container') || containers[0] || '';
  const [command, setCommand] = useState(params.get('command') || '/bin/sh');
  const [state, setState] = useState<State>({ kind: 'idle' });
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const ws = useRef<WebSocket | null>(null);

  // the terminal itself, once
  useEffect(() => {
    const tm = new Terminal({ cursorBlink: true, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace', fontSize: 13, scrollback: 5000, theme: THEMES[mode] });
    const f = new FitAddon();
    tm.loadAddon(f);
    tm.open(host.current!);
    f.fit();
    term.current = tm;
    fit.current = f;
    // keystrokes (and pastes) go to the shell as bytes
    const enc = new TextEncoder();
    const input = tm.onData((d) => {
      if (ws.current?.readyState === WebSocket.OPEN) ws.current.send(enc.encode(d));
    });
    const resized = tm.onResize(({ cols, rows }) => {
      if (ws.current?.readyState === WebSocket.OPEN) ws.current.send(resizeMessage(cols, rows));
    });
    // Ctrl+Shift+C / Ctrl+Shift+V copy and paste, as terminals do (Ctrl+C stays the shell's interrupt)
    tm.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.ctrlKey && e.shiftKey && (e.key === 'C' || e.key === 'c')) {
        void navigator.clipboard?.writeText(tm.getSelection());
        return false;
      }
      if (e.type === 'keydown' && e.ctrlKey && e.shiftKey && (e.key === 'V' || e.key === 'v')) {
        void navigator.clipboard?.readText().then((x) => tm.paste(x));
        return false;
      }
      return true;
    });
    const ro = new ResizeObserver(() => f.fit());
    ro.observe(host.current!);
    return () => {
      ro.disconnect();
      input.dispose();
      resized.dispose();
      ws.current?.close(1000, 'page closed');
      tm.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    if (term.current) term.current.options.theme = THEMES[mode];
  }, [mode]);

  const connect = useCallback(async () => {
    ws.current?.close(1000, 'reconnect');
    const tm = term.current!;
    setState({ kind: 'connecting' });
    let s = getSession();
    if (s && accessTokenStale(s)) {
      await refreshSession();
      s = getSession();
    }
    const url = execUrl(location, clusterId, namespace, podName, { container, command, tty: true });
    const sock = new WebSocket(url, s ? ['kubedeck', `bearer.${s.accessToken}`] : ['kubedeck']);
    sock.binaryType = 'arraybuffer';
    ws.current = sock;
    let opened = false;
    let last: ExecFrame | null = null;
    sock.onopen = () => {
      opened = true;
      setState({ kind: 'open' });
      tm.reset();
      sock.send(resizeMessage(tm.cols, tm.rows));
      tm.focus();
    };
    sock.onmessage = (ev) => {
      const f = readExecFrame(ev.data as ArrayBuffer | string);
      if (f.kind === 'output') tm.write(f.bytes);
      else if (f.kind !== 'ignored') last = f;
    };
    sock.onclose = (ev) => {
      if (ws.current !== sock) return;
      const end = terminalEnd(last, opened, ev.code, ev.reason);
      if (end.kind === 'refused') void whyRefused(url).then((e) => setState({ kind: 'ended', end, why: e ? errorText(t, e) : undefined }));
      else setState({ kind: 'ended', end });
      if (end.kind === 'exited') tm.write(`\r\n\x1b[2m[${t('terminal.exitedLine', { code: end.code })}]\x1b[0m\r\n`);
    };
  }, [clusterId, namespace, podName, container, command, t]);

  // connect when the pod (and so its container) is known
  useEffect(() => {
    if (pod.data && state.kind === 'idle') void connect();
  }, [pod.data, state.kind, connect]);

  const disconnect = () => {
    const sock = ws.current;
    ws.current = null;
    sock?.close(1000, 'disconnected');
    setState({ kind: 'ended', end: { kind: 'closed', code: 1000, reason: '' }, why: t('terminal.disconnected') });
  };
  const copy = async () => {
    const sel = term.current?.getSelection() ?? '';
    if (!sel) return message.info(t('terminal.nothingSelected'));
    await navigator.clipboard?.writeText(sel);
    message.success(t('terminal.copied'));
  };
  const paste = async () => {
    const text = await navigator.clipboard?.readText().catch(() => '');
    if (text) term.current?.paste(text);
    term.current?.focus();
  };

  const endText = (st: Extract<State, { kind: 'ended' }>) => {
    const e = st.end;
    if (st.why) return st.why;
    switch (e.kind) {
      case 'exited':
        return t('terminal.exited', { code: e.code });
      case 'broken':
        return e.message ? t('apiError.withDetail', { sentence: t('terminal.broken'), detail: e.message }) : t('terminal.broken');
      case 'refused':
        return t('terminal.refused');
      case 'closed':
        return t('terminal.closed', { code: e.code });
    }
  };
  const tag =
    state.kind === 'open' ? <Tag color="green">{t('terminal.state.open')}</Tag> : state.kind === 'connecting' ? <Tag color="processing">{t('terminal.state.connecting')}</Tag> : state.kind === 'ended' ? <Tag>{t('terminal.state.ended')}</Tag> : null;

  if (pod.error) return <ErrorAlert error={pod.error} />;
  return (
    <>
      <PageHeader
        title={
          <Space>
            {t('terminal.title', { pod: podName })}
            <span data-testid="terminal-state" data-state={state.kind === 'ended' ? `ended-${state.end.kind}` : state.kind}>
              {tag}
            </span>
          </Space>
        }
        sub={
          <span>
            <Link to={`/clusters/${clusterId}/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}`}>{`${namespace}/${podName}`}</Link>
          </span>
        }
      />
      <Card size="small">
        <Space wrap style={{ marginBottom: 12 }}>
          {t('workload.container')}
          <Select
            style={{ minWidth: 160 }}
            value={container || undefined}
            options={containers.map((c) => ({ value: c, label: c }))}
            onChange={(c) => setParams((p) => { const n = new URLSearchParams(p); n.set('container', c); return n; }, { replace: true })}
            data-testid="terminal-container"
          />
          {t('terminal.command')}
          <Input value={command} onChange={(e) => setCommand(e.target.value)} style={{ width: 220 }} className="kd-mono" data-testid="terminal-command" onPressEnter={() => void connect()} />
          {state.kind === 'open' || state.kind === 'connecting' ? (
            <Button icon={<DisconnectOutlined />} onClick={disconnect} data-testid="terminal-disconnect">
              {t('terminal.disconnect')}
            </Button>
          ) : (
            <Button type="primary" icon={state.kind === 'ended' ? <ReloadOutlined /> : <ApiOutlined />} onClick={() => void connect()} data-testid="terminal-connect">
              {state.kind === 'ended' ? t('terminal.reconnect') : t('terminal.connect')}
            </Button>
          )}
          <Tooltip title={t('terminal.copyTip')}>
            <Button icon={<CopyOutlined />} onClick={() => void copy()}>
              {t('terminal.copy')}
            </Button>
          </Tooltip>
          <Tooltip title={t('terminal.pasteTip')}>
            <Button icon={<SnippetsOutlined />} onClick={() => void paste()}>
              {t('terminal.paste')}
            </Button>
          </Tooltip>
        </Space>
        {state.kind === 'ended' && (
          <Alert type={state.end.kind === 'exited' && state.end.code === 0 ? 'info' : state.end.kind === 'exited' ? 'warning' : 'error'} showIcon style={{ marginBottom: 12 }} message={endText(state)} data-testid="terminal-ended" />
        )}
        <div ref={host} style={{ height: '62vh', padding: 6, background: THEMES[mode].background, borderRadius: 6 }} data-testid="terminal" />
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          {t('terminal.hint')}
        </Typography.Paragraph>
      </Card>
    </>
  );
}
