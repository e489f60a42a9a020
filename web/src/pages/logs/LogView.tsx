// Virtualized log rendering: only the rows in view are in the DOM, so 50k lines scroll smoothly.
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { theme } from 'antd';
import { highlightSegments, sourceColor, type LogLine } from '../../lib/logbuffer';

export const ROW_HEIGHT = 18;
const WRAP_WINDOW = 3000;

export interface LogViewHandle {
  scrollToLine: (index: number) => void;
  scrollToBottom: () => void;
  atBottom: () => boolean;
}

interface Props {
  lines: readonly LogLine[];
  query: string;
  currentMatch: number | null;
  wrap: boolean;
  height: number;
  showSource: boolean;
  onScrollAway?: (atBottom: boolean) => void;
}

export const LogView = forwardRef<LogViewHandle, Props>(function LogView({ lines, query, currentMatch, wrap, height, showSource, onScrollAway }, ref) {
  const el = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const { token } = theme.useToken();

  const atBottom = useCallback(() => {
    const d = el.current;
    return !d || d.scrollHeight - d.scrollTop - d.clientHeight < ROW_HEIGHT * 2;
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      scrollToLine: (i: number) => {
        if (!el.current) return;
        if (wrap) {
          el.current.querySelector(`[data-line="${i}"]`)?.scrollIntoView({ block: 'center' });
        } else {
          el.current.scrollTop = Math.max(0, i * ROW_HEIGHT - height / 2);
        }
      },
      scrollToBottom: () => {
        if (el.current) el.current.scrollTop = el.current.scrollHeight;
      },
      atBottom,
    }),
    [wrap, height, atBottom],
  );

  useEffect(() => {
    const d = el.current;
    if (!d) return;
    const h = () => {
      setScrollTop(d.scrollTop);
      onScrollAway?.(atBottom());
    };
    d.addEventListener('scroll', h, { passive: true });
    return () => d.removeEventListener('scroll', h);
  }, [onScrollAway, atBottom]);

  const renderLine = (l: LogLine, i: number) => (
    <div key={l.seq} className="kd-log-line" data-line={i}>
      {showSource && l.source && <span style={{ color: sourceColor(l.source), fontWeight: 600 }}>[{l.source}] </span>}
      {highlightSegments(l.text, query).map((s, k) =>
        s.match ? (
          <mark key={k} className={i === currentMatch ? 'current' : undefined}>
            {s.text}
          </mark>
        ) : (
          s.text
        ),
      )}
    </div>
  );

  const style = { height, background: token.colorFillQuaternary, color: token.colorText };
  if (wrap) {
    const start = Math.max(0, lines.length - WRAP_WINDOW);
    return (
      <div ref={el} className="kd-log wrap" style={style} data-testid="log-view">
        {lines.slice(start).map((l, k) => renderLine(l, start + k))}
      </div>
    );
  }
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 20);
  const last = Math.min(lines.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + 20);
  const rows = [];
  for (let i = first; i < last; i++) rows.push(renderLine(lines[i], i));
  return (
    <div ref={el} className="kd-log" style={style} data-testid="log-view">
      <div style={{ minWidth: '100%', width: 'max-content' }}>
        <div style={{ height: first * ROW_HEIGHT }} />
        {rows}
        <div style={{ height: (lines.length - last) * ROW_HEIGHT }} />
      </div>
    </div>
  );
});
