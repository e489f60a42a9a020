import { describe, expect, it } from 'vitest';
import { diffStat, lineDiff, parseUnifiedDiff } from './diff';

describe("the server's unified diff", () => {
  it('reads each line as added, removed, context, hunk or file names', () => {
    const d = '--- live\n+++ new\n@@ -1,3 +1,3 @@\n data:\n-  k: v\n+  k: w\n   other: x\n\\ No newline at end of file\n';
    expect(parseUnifiedDiff(d).map((l) => l.kind)).toEqual(['meta', 'meta', 'hunk', 'ctx', 'del', 'add', 'ctx', 'meta']);
    expect(diffStat(parseUnifiedDiff(d))).toEqual({ added: 1, removed: 1 });
    expect(parseUnifiedDiff(null)).toEqual([]);
    expect(parseUnifiedDiff('')).toEqual([]);
  });
});

describe('a line diff of two texts', () => {
  it('shows the changed lines with context and hunk headers', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n');
    const b = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h', 'i', 'j', 'k'].join('\n');
    expect(lineDiff(a, b, 1).map((l) => l.text)).toEqual(['@@ -4,3 +4,3 @@', ' d', '-e', '+E', ' f', '@@ -10,1 +10,2 @@', ' j', '+k']);
  });
  it('gives nothing for equal texts, and every line for unrelated ones', () => {
    expect(lineDiff('x\ny\n', 'x\ny\n')).toEqual([]);
    expect(lineDiff('a', 'b').map((l) => l.kind)).toEqual(['hunk', 'del', 'add']);
  });
  it('handles a thousand-line object with one change quickly', () => {
    const a = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 500', 'line five hundred');
    const t0 = Date.now();
    const d = lineDiff(a, b);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(d.filter((l) => l.kind !== 'ctx' && l.kind !== 'hunk').map((l) => l.text)).toEqual(['-line 500', '+line five hundred']);
  });
});
