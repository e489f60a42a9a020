// Prints raw and gzip sizes of the built assets; the entry chunk is the one index.html loads.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = html.match(/<script[^>]+src="\/?(assets\/[^"]+\.js)"/)?.[1];
const preloads = [...html.matchAll(/rel="modulepreload"[^>]*href="\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const css = [...html.matchAll(/rel="stylesheet"[^>]*href="\/?(assets\/[^"]+\.css)"/g)].map((m) => m[1]);
const kb = (n) => (n / 1024).toFixed(1) + ' KiB';
let total = 0;
const rows = [];
for (const f of readdirSync(join(dist, 'assets'))) {
  const buf = readFileSync(join(dist, 'assets', f));
  const gz = gzipSync(buf, { level: 9 }).length;
  rows.push({ f, raw: buf.length, gz });
}
rows.sort((a, b) => b.gz - a.gz);
const initial = [entry, ...preloads, ...css].filter(Boolean);
let initialGz = 0;
for (const r of rows) {
  const mark = initial.includes('assets/' + r.f) ? '*' : ' ';
  if (mark === '*') initialGz += r.gz;
  total += r.gz;
  console.log(`${mark} ${r.f.padEnd(44)} ${kb(r.raw).padStart(11)}  gzip ${kb(r.gz).padStart(10)}`);
}
const entryRow = rows.find((r) => 'assets/' + r.f === entry);
console.log(`entry chunk ${entry}: gzip ${kb(entryRow?.gz ?? 0)}`);
console.log(`initial load (entry + modulepreload + css, marked *): gzip ${kb(initialGz)}; all assets: gzip ${kb(total)}`);

// The YAML editor (CodeMirror and the `yaml` parser, ≈150 KiB gzip) loads only when an editor opens (issue 13):
// the build fails if any of it is in what the first screen loads.
const EDITOR_MARKS = ['cm-gutters', 'sufficiently indented'];
const leaked = initial.filter((f) => f.endsWith('.js')).filter((f) => {
  const text = readFileSync(join(dist, f), 'utf8');
  return EDITOR_MARKS.some((m) => text.includes(m));
});
if (leaked.length) {
  console.error(`bundle budget: the YAML editor (CodeMirror / yaml) is in the initial load: ${leaked.join(', ')}; load it lazily`);
  process.exit(1);
}
console.log('bundle budget: the YAML editor is not in the initial load');
