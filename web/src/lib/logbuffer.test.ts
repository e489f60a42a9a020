import { describe, expect, it } from 'vitest';
import { findMatches, highlightSegments, LineSplitter, LogBuffer, lineTimestamp, logFileName, mergeByTimestamp, parseStreamMessage, sourceColor } from './logbuffer';

describe('LogBuffer', () => {
  it('keeps at most `capacity` lines however many arrive', () => {
    const b = new LogBuffer(1000);
    for (let i = 0; i < 100; i++) b.append(Array.from({ length: 500 }, (_, j) => `line ${i * 500 + j}`));
    const v = b.view();
    expect(v.length).toBe(1000);
    expect(v[v.length - 1].text).toBe('line 49999');
    expect(v[0].text).toBe('line 49000');
    expect(b.dropped).toBeGreaterThan(0);
  });
  it('gives every line a increasing sequence number (stable React keys)', () => {
    const b = new LogBuffer(10);
    b.append(['a', 'b'], 'pod-1');
    b.append(['c']);
    expect(b.view().map((l) => l.seq)).toEqual([0, 1, 2]);
    expect(b.view()[0].source).toBe('pod-1');
    b.clear();
    expect(b.size).toBe(0);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and strips CR', () => {
    const s = new LineSplitter();
    expect(s.push('hel')).toEqual([]);
    expect(s.push('lo\r\nwor')).toEqual(['hello']);
    expect(s.push('ld\nnext\n')).toEqual(['world', 'next']);
    expect(s.push('tail')).toEqual([]);
    expect(s.flush()).toEqual(['tail']);
  });
});

describe('search', () => {
  const lines = ['GET /healthz 200', 'ERROR db timeout', 'error: retry', 'ok'].map((text, seq) => ({ seq, text }));
  it('finds matching lines case-insensitively', () => {
    expect(findMatches(lines, 'error')).toEqual([1, 2]);
    expect(findMatches(lines, '')).toEqual([]);
  });
  it('splits a line into highlighted segments', () => {
    expect(highlightSegments('an Error and error', 'error')).toEqual([
      { text: 'an ', match: false },
      { text: 'Error', match: true },
      { text: ' and ', match: false },
      { text: 'error', match: true },
    ]);
    expect(highlightSegments('plain', '')).toEqual([{ text: 'plain', match: false }]);
    expect(highlightSegments('', 'x')).toEqual([{ text: '', match: false }]);
  });
});

describe('merged workload view', () => {
  it('orders lines of several pods by their timestamps', () => {
    const merged = mergeByTimestamp([
      { source: 'web-1', lines: ['2026-01-10T12:00:01.000000000Z a1', '2026-01-10T12:00:03.000000000Z a2'] },
      { source: 'web-2', lines: ['2026-01-10T12:00:02.000000000Z b1', 'continuation of b1', '2026-01-10T12:00:04Z b2'] },
    ]);
    expect(merged.map((l) => l.text.split(' ').slice(1).join(' '))).toEqual(['a1', 'b1', 'of b1', 'a2', 'b2']);
    expect(merged.map((l) => l.source)).toEqual(['web-1', 'web-2', 'web-2', 'web-1', 'web-2']);
  });
  it('reads RFC3339 timestamps with nanoseconds', () => {
    expect(lineTimestamp('2026-01-10T12:00:01.123456789Z hello')).toBeCloseTo(Date.parse('2026-01-10T12:00:01.123Z') + 0.456789, 3);
    expect(lineTimestamp('no timestamp')).toBeNull();
  });
  it('gives each pod a stable colour', () => {
    expect(sourceColor('web-1')).toBe(sourceColor('web-1'));
    expect(sourceColor('web-1')).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('stream messages', () => {
  it('accepts raw text and JSON envelopes', () => {
    expect(parseStreamMessage('plain line')).toEqual({ text: 'plain line' });
    expect(parseStreamMessage('{"type":"line","line":"x"}')).toEqual({ lines: ['x'], text: undefined });
    expect(parseStreamMessage('{"type":"notice","message":"dropped 10 lines"}')).toEqual({ notice: 'dropped 10 lines' });
    expect(parseStreamMessage('{"type":"end","reason":"container terminated"}')).toEqual({ end: 'container terminated' });
    expect(parseStreamMessage('{"level":"info","msg":"a JSON log line"}')).toEqual({ text: '{"level":"info","msg":"a JSON log line"}' });
  });
  it('download file names carry pod and container', () => {
    expect(logFileName('web-1', 'nginx', new Date('2026-01-10T12:00:00Z'))).toBe('web-1_nginx_2026-01-10T12-00-00.log');
  });
});
