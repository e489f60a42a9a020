// From a click in the sidebar to the first rows of a kind's list (issue 13's console figure): logs in, opens the
// cluster, opens the sidebar's kind groups, clicks Pods, Deployments, ConfigMaps, Secrets and Services in turn
// (one warm-up round, untimed, so that every page's code is in the HTTP cache; then BENCH_RUNS rounds) and times,
// in the page's own clock, each click → the first table row showing the first object of the list answer this
// click fetched. With KUBEDECK_URL, KUBEDECK_ADMIN_PASSWORD and CLUSTER_ID it measures a real server; without, the
// in-memory mock (e2e/mock-server.mjs, MOCK_PODS pods; the output says "MOCK") for developing the script.
//
// Where the time goes, per click (medians printed per kind):
//   fetch start: click → the browser sends the list request (route change, the page's code, React's first render);
//   API: the request's duration in the browser (Resource Timing: server + loopback + body);
//   render: the answer received → the row with its first object on screen (JSON, React render, layout);
//   longtasks: main-thread tasks over 50 ms between the click and the row (sum).
// A row already on screen from react-query's cache (an earlier visit) counts only from the answer of this click:
// the figure is max(row shown, answer received). A click whose answer is not 2xx, or shows no row within 30 s, is
// a failed sample, reported and not timed.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS || 7);
const real = !!process.env.KUBEDECK_URL;
const PODS = Number(process.env.MOCK_PODS || 150000);
const PORT = 18183;
const KINDS = (process.env.BENCH_KINDS || 'pods,deployments,configmaps,secrets,services').split(',');
let mock = null;
let BASE = process.env.KUBEDECK_URL;
let password = process.env.KUBEDECK_ADMIN_PASSWORD || 'bench-initial-pw';
if (!real) {
  mock = spawn(process.execPath, [new URL('./mock-server.mjs', import.meta.url).pathname, String(PORT)], {
    env: { ...process.env, KUBEDECK_ADMIN_PASSWORD: password, MOCK_PODS: String(PODS), MOCK_CLUSTER: '1' },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 1500));
  BASE = `http://127.0.0.1:${PORT}`;
}
const clusterId = process.env.CLUSTER_ID || '1';
const profile = mkdtempSync(join(tmpdir(), 'kubedeck-bench-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0];
const href = (kind) => (kind === 'pods' ? `/clusters/${clusterId}/pods` : `/clusters/${clusterId}/resources/${kind}`);
// the list request a click on KIND makes (the pod page's namespace count, page_size=1, is another question)
const isList = (kind) => (r) => {
  if (r.request().method() !== 'GET') return false;
  const u = new URL(r.url());
  return u.pathname === `/api/v1/k8s/cluster/${clusterId}/${kind}` && u.searchParams.get('page_size') !== '1';
};
const med = (a) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] : NaN);
const p90 = (a) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * 0.9))] : NaN);
const ms = (v) => (Number.isNaN(v) ? 'n/a' : `${Math.round(v)}`);

// One click on KIND's sidebar entry, timed in the page (see the top).
async function clickKind(kind) {
  await page.evaluate(() => {
    performance.clearResourceTimings();
    const kd = (window.__kd = { clickAt: null, frames: [], long: [], on: true });
    document.addEventListener('click', () => (kd.clickAt ??= performance.now()), { capture: true, once: true });
    // the first row of the page's table, every frame, from before the click until told to stop
    let last = null;
    const tick = () => {
      if (!kd.on) return;
      const row = document.querySelector('main .ant-table-tbody tr.ant-table-row');
      const text = row ? row.textContent : null;
      if (text !== last) kd.frames.push({ t: performance.now(), text });
      last = text;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    kd.obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => kd.long.push({ t: e.startTime, d: e.duration })));
    kd.obs.observe({ type: 'longtask' });
  });
  const answer = page.waitForResponse(isList(kind), { timeout: 30000 });
  answer.catch(() => {});
  let resp;
  try {
    await page.locator(`li.ant-menu-item[data-menu-id$="-${href(kind)}"]`).click({ timeout: 30000 });
    resp = await answer;
  } catch {
    await page.evaluate(() => (window.__kd.on = false));
    return { failed: 'no list request within 30 s' };
  }
  if (resp.status() < 200 || resp.status() >= 300) {
    await page.evaluate(() => (window.__kd.on = false));
    return { failed: `HTTP ${resp.status()}` };
  }
  const body = await resp.json();
  const first = body.items?.[0];
  if (!first) {
    await page.evaluate(() => (window.__kd.on = false));
    return { failed: 'empty list' };
  }
  const url = resp.url();
  const shown = await page
    .waitForFunction((name) => window.__kd.frames.length && window.__kd.frames.at(-1).text?.includes(name), first.name, { timeout: 30000, polling: 100 })
    .then(() => true, () => false);
  // ... and stays (a later frame could replace it); one more frame to be sure the last recorded text is current
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  const m = await page.evaluate(
    ({ url, name }) => {
      const kd = window.__kd;
      kd.on = false;
      kd.obs.disconnect();
      const res = performance.getEntriesByType('resource').filter((e) => e.name === url && e.startTime >= (kd.clickAt ?? 0));
      const e = res[0];
      // the first frame since which the row has shown NAME without interruption
      let since = null;
      for (const f of kd.frames) since = f.text?.includes(name) ? (since ?? f.t) : null;
      return {
        clickAt: kd.clickAt,
        fetchStart: e ? e.startTime : null,
        responseEnd: e ? e.responseEnd : null,
        rowAt: since,
        longtasks: kd.long.filter((l) => l.t >= kd.clickAt).reduce((s, l) => s + l.d, 0),
      };
    },
    { url, name: first.name },
  );
  if (!shown || m.rowAt === null || m.clickAt === null) return { failed: 'no row within 30 s' };
  const end = m.responseEnd !== null ? Math.max(m.rowAt, m.responseEnd) : m.rowAt;
  return {
    total: end - m.clickAt,
    fetchStart: m.fetchStart !== null ? m.fetchStart - m.clickAt : NaN,
    api: m.fetchStart !== null ? m.responseEnd - m.fetchStart : NaN,
    render: m.responseEnd !== null ? end - m.responseEnd : NaN,
    cached: m.responseEnd !== null && m.rowAt < m.responseEnd,
    longtasks: m.longtasks,
    rows: body.items.length,
    total_objects: body.total,
  };
}

try {
  await page.goto(`${BASE}/login`);
  await page.locator('#username').fill('admin');
  await page.locator('#password').fill(password);
  const login = page.waitForResponse((r) => r.url().includes('/api/v1/auth/login'));
  await page.getByTestId('login-submit').click();
  const loginStatus = (await login).status();
  if (loginStatus !== 200) throw new Error(`login answered HTTP ${loginStatus}`);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  if (page.url().includes('change-password')) {
    password = 'bench-changed-pw';
    await page.locator('#new-password').fill(password);
    await page.locator('#confirm-password').fill(password);
    await page.getByTestId('password-submit').click();
    await page.waitForURL(/clusters/);
  }
  // open the cluster, then the sidebar's groups of the kinds clicked (Workloads, Network, Configuration)
  await page.goto(`${BASE}/clusters/${clusterId}`);
  await page.locator(`li.ant-menu-item[data-menu-id$="-${href('pods')}"]`).waitFor({ timeout: 30000 });
  for (const group of ['workloads', 'network', 'configuration']) {
    const title = page.locator(`.ant-menu-submenu-title[data-menu-id$="-kinds-${group}"]`);
    if ((await title.getAttribute('aria-expanded')) !== 'true') await title.click();
  }
  await page.waitForTimeout(500);
  const results = Object.fromEntries(KINDS.map((k) => [k, []]));
  const failed = Object.fromEntries(KINDS.map((k) => [k, {}]));
  const sizes = {};
  // warm-up round (untimed): every page's code and the kinds' registry in the cache
  for (const kind of KINDS) {
    const r = await clickKind(kind);
    if (r.failed) throw new Error(`warm-up click on ${kind}: ${r.failed}`);
  }
  for (let run = 0; run < RUNS; run++) {
    for (const kind of KINDS) {
      const r = await clickKind(kind);
      if (r.failed) failed[kind][r.failed] = (failed[kind][r.failed] || 0) + 1;
      else {
        results[kind].push(r);
        sizes[kind] = `${r.rows} rows of ${r.total_objects}`;
      }
      // a list answer younger than 2 s is shown without a new request (useResourceList's staleTime): wait so
      // that every timed click of a kind comes more than 2 s after its previous one, and so fetches
      await page.waitForTimeout(600);
    }
  }
  console.log(`${real ? `real server ${BASE}` : `MOCK server (e2e/mock-server.mjs) with ${PODS.toLocaleString()} pods`}: click in the sidebar → first row of this click's answer, ${RUNS} rounds after one warm-up round`);
  console.log('| kind | page | median / p90 (ms) | of which: fetch start / API / render (medians) | long tasks (median ms) | answer shown from cache first | samples (failed) |');
  console.log('|---|---|---|---|---|---|---|');
  let any = false;
  for (const kind of KINDS) {
    const v = results[kind];
    any ||= v.length > 0;
    const f = Object.entries(failed[kind]).map(([k, n]) => `${k}: ${n}`).join(', ');
    const col = (k) => ms(med(v.map((x) => x[k])));
    console.log(
      `| ${kind} | ${sizes[kind] ?? '-'} | ${ms(med(v.map((x) => x.total)))} / ${ms(p90(v.map((x) => x.total)))} | ${col('fetchStart')} / ${col('api')} / ${col('render')} | ${col('longtasks')} | ${v.filter((x) => x.cached).length} of ${v.length} | ${v.length} of ${RUNS}${f ? ` (${f})` : ''} |`,
    );
  }
  console.log(`all clicks: ${KINDS.map((k) => results[k].map((x) => Math.round(x.total)).join(' ')).join(' | ')}`);
  if (!any) process.exitCode = 1;
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
  mock?.kill();
}
