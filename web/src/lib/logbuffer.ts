// Bounded in-memory log lines: the tab keeps at most `capacity` lines however fast the stream is.

export interface LogLine {
  seq: number;
  text: string;
  /** pod/container tag in the merged view */
  source?: string;
}

export class LogBuffer {
  private lines: LogLine[] = [];
  private nextSeq = 0;
  dropped = 0;

  constructor(readonly capacity: number = 50_000) {}

  append(texts: string[], source?: string): void {
    for (const text of texts) this.lines.push({ seq: this.nextSeq++, text, source });
    // compact in bulk so a fast stream costs amortised O(1) per line
    if (this.lines.length > this.capacity * 1.25) {
      const extra = this.lines.length - this.capacity;
      this.dropped += extra;
      this.lines = this.lines.slice(extra);
    }
  }

  clear(): void {
    this.lines = [];
    this.dropped = 0;
  }

  get size(): number {
    return Math.min(this.lines.length, this.capacity);
  }

  /** A snapshot of the visible window (the last `capacity` lines). */
  view(): LogLine[] {
    return this.lines.length > this.capacity ? this.lines.slice(this.lines.length - this.capacity) : this.lines;
  }
}

/** Splits a chunk of streamed text into complete lines, carrying the unfinished tail to the next chunk. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r ? [r] : [];
  }
}

/** Indices of lines containing `query` (case-insensitive). */
export function findMatches(lines: readonly LogLine[], query: string): number[] {
  if (!query) return [];
  const q = query.toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i].text.toLowerCase().includes(q)) out.push(i);
  return out;
}

/** Splits `text` into plain and matching segments for highlighting. */
export function highlightSegments(text: string, query: string): { text: string; match: boolean }[] {
  if (!query) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const out: { text: string; match: boolean }[] = [];
  let i = 0;
  for (;;) {
    const j = lower.indexOf(q, i);
    if (j < 0) break;
    if (j > i) out.push({ text: text.slice(i, j), match: false });
    out.push({ text: text.slice(j, j + q.length), match: true });
    i = j + q.length;
  }
  if (i < text.length || out.length === 0) out.push({ text: text.slice(i), match: false });
  return out;
}

/** Stable colour per pod in the merged view. */
export function sourceColor(source: string): string {
  const palette = ['#1677ff', '#52c41a', '#fa8c16', '#eb2f96', '#13c2c2', '#722ed1', '#a0d911', '#fa541c', '#2f54eb', '#faad14'];
  let h = 0;
  for (let i = 0; i < source.length; i++) h = (h * 31 + source.charCodeAt(i)) >>> 0;
  return palette[h % palette.length];
}

export function logFileName(pod: string, container?: string, now = new Date()): string {
  const ts = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return `${pod}${container ? `_${container}` : ''}_${ts}.log`;
}

/** RFC3339 timestamp kubectl prints with --timestamps, at the start of a line. */
const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))\s/;

export function lineTimestamp(text: string): number | null {
  const m = TS.exec(text);
  if (!m) return null;
  // keep sub-millisecond order stable by reading the fraction as well
  const ms = Date.parse(m[1]);
  if (!Number.isFinite(ms)) return null;
  const frac = /\.(\d+)/.exec(m[1])?.[1] ?? '';
  return ms + Number(`0.${frac.slice(3) || '0'}`);
}

/** Merges per-pod line lists into one, in timestamp order; lines without a timestamp keep their pod's order. */
export function mergeByTimestamp(sources: { source: string; lines: string[] }[]): { source: string; text: string }[] {
  const out: { source: string; text: string; ts: number; src: number; idx: number }[] = [];
  sources.forEach((s, si) => {
    let last = -Infinity;
    s.lines.forEach((text, idx) => {
      const ts = lineTimestamp(text);
      if (ts !== null) last = ts;
      out.push({ source: s.source, text, ts: ts ?? last, src: si, idx });
    });
  });
  out.sort((a, b) => a.ts - b.ts || a.src - b.src || a.idx - b.idx);
  return out.map(({ source, text }) => ({ source, text }));
}

/** Interprets one WebSocket message: a JSON envelope {type, line|lines|message} or raw text. */
export function parseStreamMessage(data: string): { lines?: string[]; text?: string; notice?: string; end?: string } {
  if (data.startsWith('{')) {
    try {
      const m = JSON.parse(data) as { type?: string; line?: string; lines?: string[]; message?: string; reason?: string; data?: string };
      if (m && typeof m === 'object' && typeof m.type === 'string') {
        if (m.type === 'line' || m.type === 'log') return { lines: m.lines ?? (m.line !== undefined ? [m.line] : m.data !== undefined ? undefined : []), text: m.data };
        if (m.type === 'end' || m.type === 'close' || m.type === 'error') return { end: m.message ?? m.reason ?? m.type };
        return { notice: m.message ?? m.reason ?? m.type };
      }
    } catch {
      /* a log line that merely starts with '{' */
    }
  }
  return { text: data };
}
