import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Input, Select, Space, Switch, Tag, Tooltip, Typography } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, ClearOutlined, DownloadOutlined, PauseOutlined, CaretRightOutlined, ReloadOutlined, VerticalAlignBottomOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { downloadLogs, fetchLogs, getPod, mergedLogs } from '../../api/pods';
import { podObjectView } from '../../lib/podObject';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { ApiError } from '../../api/client';
import { findMatches, LogBuffer, logFileName, sourceColor } from '../../lib/logbuffer';
import { mergedLogParams } from '../../lib/urlstate';
import { PageHeader } from '../../components/common';
import { LogView, type LogViewHandle } from './LogView';
import { openLogStream, streamEndText, streamNoticeText } from './stream';

const TAILS = [100, 500, 1000, 5000, 20000];
const MAX_MERGED_PODS = 20;

type Conn = 'idle' | 'loading' | 'following' | 'ended' | 'error' | 'waiting';

function saveBlob(blob: Blob, name: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export default function LogViewerPage() {
  const { clusterId = '', namespace, podName } = useParams();
  const [params, setParams] = useSearchParams();
  const { t } = useI18n();
  const { message } = App.useApp();
  const merged = !podName;
  const selNs = params.get('namespace') ?? '';
  const selector = params.get('selector') ?? '';
  // what is typed in the two boxes; either box's Enter or the Show button applies both (typing a namespace and
  // then pressing Show must not leave the namespace behind)
  const [nsInput, setNsInput] = useState(selNs);
  const [selectorInput, setSelectorInput] = useState(selector);
  useEffect(() => setNsInput(selNs), [selNs]);
  useEffect(() => setSelectorInput(selector), [selector]);
  const applyMerged = (ns: string, sel: string) => setParams((p) => mergedLogParams(p, ns, sel));

  const [container, setContainer] = useState<string | undefined>(params.get('container') ?? undefined);
  const [tail, setTail] = useState(500);
  const [previous, setPrevious] = useState(false);
  const [timestamps, setTimestamps] = useState(merged);
  const [follow, setFollow] = useState(true);
  const [wrap, setWrap] = useState(false);
  const [paused, setPaused] = useState(false);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [conn, setConn] = useState<Conn>('idle');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [version, setVersion] = useState(0);
  const [stick, setStick] = useState(true);
  const buffer = useRef(new LogBuffer(50_000));
  const dirty = useRef(false);
  const viewRef = useRef<LogViewHandle>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const [height, setHeight] = useState(520);

  const pod = useQuery({
    queryKey: ['pod', clusterId, namespace, podName],
    queryFn: () => getPod(clusterId, namespace!, podName!),
    enabled: !merged,
    retry: (n, e) => !(e instanceof ApiError && e.status === 404) && n < 3,
  });
  const containers = useMemo(() => {
    const v = podObjectView(pod.data?.object);
    return [...v.containers, ...v.initContainers];
  }, [pod.data]);
  // Say what the cluster says instead of an empty view or a refused connection: the pod does not exist, or the
  // container has not started (no log yet; the page waits for it and then opens the log).
  const podMissing = !merged && pod.error instanceof ApiError && pod.error.status === 404;
  const selected = containers.find((c) => c.name === container);
  const notStarted = !merged && !previous && !!selected && (selected.state === 'waiting' || selected.state === null);
  const waitReason = notStarted ? (selected?.reason ?? '') : '';
  useEffect(() => {
    if (!notStarted) return;
    const id = setInterval(() => pod.refetch(), 3000);
    return () => clearInterval(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [notStarted]);
  useEffect(() => {
    if (!merged && !container && containers.length) setContainer(containers[0].name);
  }, [merged, container, containers]);

  const [sources, setSources] = useState<string[]>([]);

  // throttle renders: a stream of thousands of lines/s repaints at most 5 times a second
  useEffect(() => {
    const id = setInterval(() => {
      if (dirty.current && !paused) {
        dirty.current = false;
        setVersion((v) => v + 1);
      }
    }, 200);
    return () => clearInterval(id);
  }, [paused]);

  useEffect(() => {
    const resize = () => {
      const top = boxRef.current?.getBoundingClientRect().top ?? 200;
      setHeight(Math.max(240, window.innerHeight - top - 40));
    };
    resize();
    window.addEventListener('resize', resize);
    return () => window.removeEventListener('resize', resize);
  }, []);

  const push = useCallback((lines: string[], source?: string) => {
    buffer.current.append(lines, source);
    dirty.current = true;
  }, []);

  // (re)load whenever the target or the options change
  useEffect(() => {
    const buf = buffer.current;
    buf.clear();
    dirty.current = true;
    setError(null);
    setNotice(null);
    const closers: (() => void)[] = [];
    let cancelled = false;
    const opts = { tailLines: tail, previous: previous || undefined, timestamps: timestamps || undefined };
    const run = async () => {
      if (!merged) {
        if (podMissing) {
          setConn('error');
          setError(t('logs.podNotFound', { name: podName ?? '', namespace: namespace ?? '' }));
          return;
        }
        if (!container) return;
        if (notStarted) {
          setConn('waiting');
          setNotice(t('logs.notStarted', { container }) + (waitReason ? ` (${waitReason})` : ''));
          return;
        }
        setConn('loading');
        if (follow && !previous) {
          closers.push(
            await openLogStream(clusterId, namespace!, podName!, { ...opts, container }, {
              onOpen: () => !cancelled && setConn('following'),
              onLines: (l) => push(l),
              onNotice: (n) => !cancelled && setNotice(streamNoticeText(t, n)),
              onEnd: (end) => {
                if (cancelled) return;
                setConn('ended');
                setNotice(streamEndText(t, end));
              },
            }),
          );
        } else {
          const text = await fetchLogs(clusterId, namespace!, podName!, { ...opts, container });
          if (cancelled) return;
          push(text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1));
          setConn('idle');
        }
        return;
      }
      // merged view: the server merges the recent lines of every container in time order; following then
      // opens one stream per pod/container it reported (bounded), each line tagged with its source
      if (!selNs || !selector) return;
      setConn('loading');
      const m = await mergedLogs(clusterId, selNs, { labelSelector: selector, tailLines: Math.min(tail, 5000) });
      if (cancelled) return;
      const multi = new Set<string>();
      const seen = new Map<string, Set<string>>();
      for (const l of m.lines) {
        const set = seen.get(l.pod) ?? new Set<string>();
        set.add(l.container);
        seen.set(l.pod, set);
      }
      for (const [pod, cs] of seen) if (cs.size > 1) multi.add(pod);
      const tagOf = (pod: string, c?: string) => (c && multi.has(pod) ? `${pod}/${c}` : pod);
      for (const l of m.lines) push([timestamps ? `${l.ts} ${l.line}` : l.line], tagOf(l.pod, l.container));
      // each container that could not be read, with why in the user's language
      if (m.failures.length)
        setNotice(
          m.failures
            .map((f) => `${f.pod}/${f.container}: ${errorText(t, new ApiError(502, { code: f.code, message: f.message, params: f.params as Record<string, unknown> }))}`)
            .join('; '),
        );
      setSources(m.pods);
      if (!(follow && !previous)) {
        setConn('idle');
        return;
      }
      const targets: { pod: string; c?: string }[] = [];
      for (const pod of m.pods) {
        const cs = seen.get(pod);
        if (cs) for (const c of cs) targets.push({ pod, c });
        else targets.push({ pod });
      }
      for (const { pod, c } of targets.slice(0, MAX_MERGED_PODS)) {
        const tag = tagOf(pod, c);
        closers.push(
          await openLogStream(clusterId, selNs, pod, { tailLines: 0, timestamps: timestamps || undefined, container: c }, {
            onOpen: () => !cancelled && setConn('following'),
            onLines: (l) => push(l, tag),
            onNotice: (n) => !cancelled && setNotice(`${tag}: ${streamNoticeText(t, n)}`),
            onEnd: (end) => !cancelled && setNotice(`${tag}: ${streamEndText(t, end)}`),
          }),
        );
        if (cancelled) break;
      }
      if (targets.length > MAX_MERGED_PODS) setNotice(t('logs.tooManyPods', { max: MAX_MERGED_PODS, total: targets.length }));
    };
    run().catch((e) => {
      if (cancelled) return;
      setConn('error');
      setError(errorText(t, e));
    });
    return () => {
      cancelled = true;
      closers.forEach((c) => c());
    };
  }, [merged, clusterId, namespace, podName, container, tail, previous, timestamps, follow, reload, selNs, selector, push, t, podMissing, notStarted, waitReason]);

  const lines = useMemo(() => buffer.current.view().slice(), [version]);
  const matches = useMemo(() => findMatches(lines, query), [lines, query]);
  useEffect(() => setCurrent(0), [query]);

  useEffect(() => {
    if (stick && !query) viewRef.current?.scrollToBottom();
  }, [version, stick, query]);

  const go = (d: number) => {
    if (!matches.length) return;
    const next = (current + d + matches.length) % matches.length;
    setCurrent(next);
    setStick(false);
    viewRef.current?.scrollToLine(matches[next]);
  };

  const download = async () => {
    try {
      if (!merged && container) {
        saveBlob(await downloadLogs(clusterId, namespace!, podName!, { container, previous: previous || undefined, timestamps: timestamps || undefined }), logFileName(podName!, container));
      } else {
        const text = lines.map((l) => (l.source ? `[${l.source}] ${l.text}` : l.text)).join('\n');
        saveBlob(new Blob([text], { type: 'text/plain' }), logFileName(selector.replace(/[^a-zA-Z0-9-]+/g, '_') || 'merged'));
      }
    } catch (e) {
      message.error(errorText(t, e));
    }
  };


  return (
    <>
      <PageHeader
        title={merged ? t('logs.mergedTitle') : t('logs.title', { name: podName })}
        sub={
          merged ? (
            t('logs.mergedHint')
          ) : (
            <Link to={`/clusters/${clusterId}/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(podName!)}`}>
              ← {namespace}/{podName}
            </Link>
          )
        }
      />
      {merged && (
        <Space wrap style={{ marginBottom: 12 }}>
          <Input.Search
            value={nsInput}
            onChange={(e) => setNsInput(e.target.value)}
            placeholder={t('pod.namespace')}
            style={{ width: 180 }}
            onSearch={(v) => applyMerged(v, selectorInput)}
            data-testid="merged-namespace"
          />
          <Input.Search
            value={selectorInput}
            onChange={(e) => setSelectorInput(e.target.value)}
            className="kd-mono"
            placeholder={t('logs.selectorPlaceholder')}
            style={{ width: 320 }}
            enterButton={t('logs.show')}
            onSearch={(v) => applyMerged(nsInput, v)}
            data-testid="merged-selector"
          />
          {sources.map((s) => (
            <Tag key={s} color={sourceColor(s)}>
              {s}
            </Tag>
          ))}
        </Space>
      )}
      <Card size="small" styles={{ body: { padding: 12 } }}>
        <Space wrap style={{ marginBottom: 12 }}>
          {!merged && (
            <Select
              style={{ minWidth: 160 }}
              value={container}
              onChange={setContainer}
              placeholder={t('pod.container')}
              options={containers.map((c) => ({ value: c.name, label: c.init ? `${c.name} (init)` : c.name }))}
              data-testid="log-container"
            />
          )}
          <Space size={4}>
            {t('logs.tail')}
            <Select style={{ width: 100 }} value={tail} onChange={setTail} options={TAILS.map((n) => ({ value: n, label: String(n) }))} />
          </Space>
          <Switch checked={follow} onChange={setFollow} checkedChildren={t('logs.follow')} unCheckedChildren={t('logs.follow')} disabled={previous} />
          <Switch checked={previous} onChange={setPrevious} checkedChildren={t('logs.previous')} unCheckedChildren={t('logs.previous')} />
          <Switch checked={timestamps} onChange={setTimestamps} checkedChildren={t('logs.timestamps')} unCheckedChildren={t('logs.timestamps')} />
          <Switch checked={wrap} onChange={setWrap} checkedChildren={t('logs.wrap')} unCheckedChildren={t('logs.wrap')} />
          {follow && !previous && (
            <Button icon={paused ? <CaretRightOutlined /> : <PauseOutlined />} onClick={() => setPaused((p) => !p)} data-testid="log-pause">
              {paused ? t('logs.resume') : t('logs.pause')}
            </Button>
          )}
          <Input
            allowClear
            placeholder={t('logs.search')}
            style={{ width: 220 }}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onPressEnter={(e) => go(e.shiftKey ? -1 : 1)}
            data-testid="log-search"
            suffix={<Typography.Text type="secondary">{query ? `${matches.length ? current + 1 : 0}/${matches.length}` : ''}</Typography.Text>}
          />
          <Button icon={<ArrowUpOutlined />} onClick={() => go(-1)} disabled={!matches.length} aria-label={t('logs.prevMatch')} />
          <Button icon={<ArrowDownOutlined />} onClick={() => go(1)} disabled={!matches.length} aria-label={t('logs.nextMatch')} />
          <Tooltip title={t('logs.download')}>
            <Button icon={<DownloadOutlined />} onClick={download} />
          </Tooltip>
          <Tooltip title={t('logs.clear')}>
            <Button
              icon={<ClearOutlined />}
              onClick={() => {
                buffer.current.clear();
                setVersion((v) => v + 1);
              }}
            />
          </Tooltip>
          <Tooltip title={t('logs.reconnect')}>
            <Button icon={<ReloadOutlined />} onClick={() => setReload((r) => r + 1)} />
          </Tooltip>
        </Space>
        <Space style={{ marginBottom: 8 }} wrap>
          <Tag color={conn === 'following' ? (paused ? 'gold' : 'green') : conn === 'error' ? 'red' : conn === 'loading' ? 'blue' : 'default'} data-testid="log-state">
            {paused && conn === 'following' ? t('logs.state.paused') : t(`logs.state.${conn}`)}
          </Tag>
          <Typography.Text type="secondary" data-testid="log-count" data-lines={lines.length} data-dropped={buffer.current.dropped}>
            {t('logs.lineCount', { count: lines.length })}
            {buffer.current.dropped > 0 ? ` · ${t('logs.dropped', { count: buffer.current.dropped })}` : ''}
          </Typography.Text>
          {notice && <Typography.Text type="secondary">{notice}</Typography.Text>}
          {!stick && (
            <Button size="small" icon={<VerticalAlignBottomOutlined />} onClick={() => { setStick(true); viewRef.current?.scrollToBottom(); }}>
              {t('logs.jumpToEnd')}
            </Button>
          )}
        </Space>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 8 }} />}
        {merged && (!selector || !selNs) && <Alert type="info" showIcon message={t('logs.mergedEmpty')} style={{ marginBottom: 8 }} />}
        <div ref={boxRef}>
          <LogView
            ref={viewRef}
            lines={lines}
            query={query}
            currentMatch={matches.length ? matches[current] : null}
            wrap={wrap}
            height={height}
            showSource={merged}
            onScrollAway={(bottom) => setStick(bottom)}
          />
        </div>
      </Card>
    </>
  );
}
