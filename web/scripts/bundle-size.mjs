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
