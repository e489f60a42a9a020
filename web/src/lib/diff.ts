// Diffs as the YAML editor shows them: the server's unified diff (live → new, on a dry run) read line by line,
// and a line diff of two texts (the user's edit beside the latest object after a conflict). React-free.

export type DiffKind = 'add' | 'del' | 'ctx' | 'hunk' | 'meta';

export interface DiffLine {
  kind: DiffKind;
  text: string;
}

/** A unified diff's lines, each with what it is (`+` added, `-` removed, `@@` a hunk header, `---`/`+++` file names). */
export function parseUnifiedDiff(diff: string | null | undefined): DiffLine[] {
  if (!diff) return [];
  const lines = diff.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((text): DiffLine => {
    if (text.startsWith('+++') || text.startsWith('---') || text.startsWith('diff ') || text.startsWith('index ') || text.startsWith('\\')) return { kind: 'meta', text };
    if (text.startsWith('@@')) return { kind: 'hunk', text };
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'del', text };
    return { kind: 'ctx', text };
  });
}

/** How many lines a diff adds and removes. */
export function diffStat(lines: DiffLine[]): { added: number; removed: number } {
  return { added: lines.filter((l) => l.kind === 'add').length, removed: lines.filter((l) => l.kind === 'del').length };
}

/**
 * A line diff from `a` to `b`, as unified-diff lines with `context` unchanged lines around each change (a hunk
 * header `@@ -l,n +l,n @@` before each group). Equal texts give no lines. Longest common subsequence on the part
 * between the common head and tail, which keeps the table small for an edit of a few lines.
 */
export function lineDiff(a: string, b: string, context = 3): DiffLine[] {
  const x = a.replace(/\r\n/g, '\n').split('\n');
  const y = b.replace(/\r\n/g, '\n').split('\n');
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  if (!xs.length && !ys.length) return [];
  // LCS lengths, from the end
  const n = xs.length;
  const m = ys.length;
  const w = m + 1;
  const L = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i * w + j] = xs[i] === ys[j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
  // every line of both texts with its operation, and its line numbers in a and b
  type Op = { kind: 'add' | 'del' | 'ctx'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: 'ctx', text: x[k], ai: k, bi: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && xs[i] === ys[j]) {
      ops.push({ kind: 'ctx', text: xs[i], ai: head + i, bi: head + j });
      i++;
      j++;
    } else if (i < n && (j >= m || L[(i + 1) * w + j] >= L[i * w + j + 1])) {
      // (a removed line before the line that replaces it, as diff prints them)
      ops.push({ kind: 'del', text: xs[i], ai: head + i, bi: head + j });
      i++;
    } else {
      ops.push({ kind: 'add', text: ys[j], ai: head + i, bi: head + j });
      j++;
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: 'ctx', text: x[x.length - tail + k], ai: x.length - tail + k, bi: y.length - tail + k });
  // hunks: changes with `context` lines around them
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach((o, k) => {
    if (o.kind === 'ctx') return;
    for (let d = Math.max(0, k - context); d <= Math.min(ops.length - 1, k + context); d++) keep[d] = true;
  });
  const out: DiffLine[] = [];
  let k = 0;
  while (k < ops.length) {
    if (!keep[k]) {
      k++;
      continue;
    }
    let end = k;
    while (end < ops.length && keep[end]) end++;
    const hunk = ops.slice(k, end);
    const aLines = hunk.filter((o) => o.kind !== 'add').length;
    const bLines = hunk.filter((o) => o.kind !== 'del').length;
    out.push({ kind: 'hunk', text: `@@ -${hunk[0].ai + 1},${aLines} +${hunk[0].bi + 1},${bLines} @@` });
    for (const o of hunk) out.push({ kind: o.kind, text: `${o.kind === 'add' ? '+' : o.kind === 'del' ? '-' : ' '}${o.text}` });
    k = end;
  }
  return out;
}
