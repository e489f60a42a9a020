// End-to-end test of the console in Debian's Chromium, against a running kubedeck (serving the built web/dist) and the
// testbed, whose cluster every step checks against with kubectl:
//   KUBEDECK_URL=http://127.0.0.1:18080 KUBEDECK_ADMIN_PASSWORD=... KUBEDECK_TESTBED_DIR=/tmp/kubedeck-testbed npm run e2e
//
// Rules of this file, so that it cannot pass while the console or the server is broken:
// - every step asserts what an operator would look at (numbers and names that match the cluster as kubectl sees it,
//   the row an action left in the audit log, the colours actually applied), never only a screenshot;
// - a step that cannot run is a FAILURE, unless it is declared `optional` with a reason; optional skips are listed in
//   the summary with that reason;
// - a step whose precondition an earlier step did not provide fails too (`need`), it is never skipped;
// - there are no tolerant fallbacks: a missing route, a "not found" answer or a "console not built" page fails.
// The last line printed is exactly `e2e: N passed, N failed, N skipped`; the exit code is 1 when anything failed.
import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const STARTED = Date.now();
const BASE = (process.env.KUBEDECK_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
const USER = process.env.KUBEDECK_ADMIN_USER || 'admin';
let password = process.env.KUBEDECK_ADMIN_PASSWORD || '';
const NEW_PASSWORD = process.env.KUBEDECK_E2E_NEW_PASSWORD || `${password || 'Kubedeck'}-e2e-Changed1`;
const TESTBED = process.env.KUBEDECK_TESTBED_DIR || '/tmp/kubedeck-testbed';
const KUBECONFIG = join(TESTBED, 'admin.kubeconfig');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const WEB = resolve(new URL('.', import.meta.url).pathname, '..');
// Screenshots refresh docs/screenshots only when asked (KUBEDECK_E2E_SCREENSHOTS=docs), so a test run does not
// rewrite tracked files; otherwise they go to test-results/screenshots for inspection.
const SHOTS = process.env.KUBEDECK_E2E_SCREENSHOTS === 'docs' ? resolve(WEB, '../docs/screenshots') : resolve(WEB, 'test-results/screenshots');
const RESULTS = resolve(WEB, 'test-results');
const SLOW = Number(process.env.KUBEDECK_E2E_TIMEOUT_MS || 20000);
// no step may hang the run: one that takes longer than this fails
const STEP_LIMIT = Number(process.env.KUBEDECK_E2E_STEP_LIMIT_MS || 300_000);
// For development only (CI never sets it): KUBEDECK_E2E_ONLY=<regular expression> runs only the steps whose name
// matches (include the login and import steps, which the others need). Every other step is reported as skipped,
// not selected, and a partial run always exits 1: it can never pass as a whole run.
const ONLY = process.env.KUBEDECK_E2E_ONLY ? new RegExp(process.env.KUBEDECK_E2E_ONLY) : null;

const results = [];
function summary() {
  const n = (s) => results.filter((r) => r.status === s).length;
  console.log(`\ne2e: finished in ${Math.round((Date.now() - STARTED) / 1000)} s`);
  for (const r of results.filter((x) => x.status === 'skipped' && !x.unselected)) console.log(`e2e: skipped (optional) ${r.name}: ${r.reason}`);
  const unselected = results.filter((x) => x.unselected).length;
  if (unselected) console.log(`e2e: skipped ${unselected} steps not selected by KUBEDECK_E2E_ONLY=${process.env.KUBEDECK_E2E_ONLY} (a partial run, which exits 1)`);
  for (const r of results.filter((x) => x.status === 'failed')) console.log(`e2e: FAILED ${r.name}: ${r.reason}`);
  console.log(`e2e: ${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} skipped`);
  return n('failed') + unselected;
}
// whatever goes wrong outside a step (Chromium does not start, ...) is a failure with the same closing line
let finished = false;
const crash = (what) => (e) => {
  if (finished) return;
  finished = true;
  results.push({ name: what, status: 'failed', reason: String(e?.stack || e).split('\n')[0] });
  console.log(`FAIL ${what}: ${e?.stack || e}`);
  summary();
  process.exit(1);
};
process.on('uncaughtException', crash('uncaught exception in the test runner'));
process.on('unhandledRejection', crash('unhandled rejection in the test runner'));

if (!password) {
  console.error('e2e: set KUBEDECK_ADMIN_PASSWORD to the admin password the server was started with');
  results.push({ name: 'configuration', status: 'failed', reason: 'KUBEDECK_ADMIN_PASSWORD is not set' });
  summary();
  process.exit(2);
}
mkdirSync(SHOTS, { recursive: true });
mkdirSync(RESULTS, { recursive: true });

/** Thrown by a step that cannot run; only an `optional` step may end this way without failing the run. */
class Skip extends Error {}
/** A precondition an earlier step should have provided: its absence fails the step. */
function need(value, what) {
  if (value === null || value === undefined || value === false) throw new Error(`needs ${what}, which an earlier step did not provide`);
  return value;
}

let page = null;
// the first column of the table on the page (names), trimmed
const tableNames = async () => (await page.locator('.ant-table-tbody .ant-table-row td:first-child').allInnerTexts()).map((s) => s.trim());
async function step(name, fn, { optional } = {}) {
  if (ONLY && !ONLY.test(name)) {
    results.push({ name, status: 'skipped', unselected: true, reason: `not selected by KUBEDECK_E2E_ONLY` });
    return;
  }
  const t0 = Date.now();
  let timer;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the step took longer than ${STEP_LIMIT / 1000} s`)), STEP_LIMIT);
      }),
    ]);
    results.push({ name, status: 'passed' });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    if (e instanceof Skip && optional) {
      results.push({ name, status: 'skipped', reason: `${e.message} (optional: ${optional})` });
      console.log(`skip ${name}: ${e.message} (optional: ${optional})`);
      return;
    }
    const reason = e instanceof Skip ? `skipped, but the step is not optional: ${e.message}` : String(e?.message || e).split('\n')[0];
    results.push({ name, status: 'failed', reason });
    console.log(`FAIL ${name}: ${e instanceof Skip ? reason : e?.stack || e}`);
    try {
      await page?.screenshot({ path: join(RESULTS, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
    } catch {
      /* page gone */
    }
  } finally {
    clearTimeout(timer);
  }
}

const expectVisible = (locator, what, timeout = SLOW) =>
  locator.first().waitFor({ state: 'visible', timeout }).catch(() => {
    throw new Error(`not visible: ${what}`);
  });
/** Polls `fn` until it returns a truthy value (returned); `fn(note)` may note what it saw, reported on timeout. */
async function until(what, ms, fn, every = 1000) {
  const deadline = Date.now() + ms;
  let seen = '';
  const note = (s) => {
    seen = s;
  };
  for (;;) {
    try {
      const v = await fn(note);
      if (v) return v;
    } catch (e) {
      seen = `error: ${String(e?.message || e).split('\n')[0]}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}${seen ? `; last seen: ${seen}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
const squash = (s) => String(s ?? '').replace(/\s+/g, '');
const shot = async (name, fullPage = false) => {
  // let queries settle and antd's loading fades finish so the picture shows the page at rest (the picture is for
  // people; no step relies on it)
  // (a page following the server's change stream is never network-idle: wait a little, not the full timeout)
  await page.waitForLoadState('networkidle', { timeout: 3000 }).catch(() => undefined);
  await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
};

// ---- the testbed, as kubectl sees it -------------------------------------------------------------------------------
const execFileP = promisify(execFile);
async function kubectl(...args) {
  const { stdout } = await execFileP('kubectl', ['--request-timeout=30s', ...args], {
    env: { ...process.env, KUBECONFIG },
    maxBuffer: 64 << 20,
  });
  return stdout;
}
const kubectlJson = async (...args) => JSON.parse(await kubectl(...args, '-o', 'json'));
const isMaster = (n) => Object.keys(n.metadata.labels ?? {}).some((k) => k === 'node-role.kubernetes.io/master' || k === 'node-role.kubernetes.io/control-plane');
const isReady = (n) => (n.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
async function clusterFacts() {
  const nodes = (await kubectlJson('get', 'nodes')).items;
  const version = JSON.parse(await kubectl('get', '--raw', '/version')).gitVersion;
  const masters = nodes.filter(isMaster).length;
  return {
    version,
    nodes,
    total: nodes.length,
    ready: nodes.filter(isReady).length,
    masters,
    workers: nodes.length - masters,
    podsAllocatable: nodes.reduce((s, n) => s + Number(n.status.allocatable?.pods ?? 0), 0),
  };
}
async function podPhases() {
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0, Unknown: 0, total: 0 };
  for (const p of (await kubectlJson('get', 'pods', '-A')).items) {
    counts[p.status.phase ?? 'Unknown'] = (counts[p.status.phase ?? 'Unknown'] ?? 0) + 1;
    counts.total += 1;
  }
  return counts;
}
const mastersWorkersZh = (f) => `${f.masters}个主节点·${f.workers}个工作节点`;

// ---- the console's own session --------------------------------------------------------------------------------------
async function api(path, opts = {}) {
  // the page's own session, so the checks see what the user sees
  return page.evaluate(
    async ([path, opts]) => {
      const s = JSON.parse(localStorage.getItem('kubedeck.session') || 'null');
      const r = await fetch(`/api/v1${path}`, { ...opts, headers: { 'Content-Type': 'application/json', ...(s ? { Authorization: `Bearer ${s.accessToken}` } : {}) } });
      const text = await r.text();
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      return { status: r.status, body };
    },
    [path, opts],
  );
}
/** An API read that must answer 200 (a missing route is a failure like any other). */
async function apiOk(path) {
  const r = await api(path);
  if (r.status !== 200) throw new Error(`GET /api/v1${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

async function login(user, pass) {
  await page.goto(`${BASE}/login`);
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(pass);
  await page.getByTestId('login-submit').click();
}

// ---- the steps -------------------------------------------------------------------------------------------------------
await step('the server serves the built console (web/dist), not a "console not built" notice', async () => {
  const fetch = (url) =>
    globalThis.fetch(url).catch((e) => {
      throw new Error(`GET ${url}: ${e.cause?.message ?? e.message} (is the server running at KUBEDECK_URL?)`);
    });
  const distIndex = join(WEB, 'dist/index.html');
  if (!existsSync(distIndex)) throw new Error(`${distIndex} is missing: build the console (cd web && npm run build), then the server`);
  const expected = readFileSync(distIndex, 'utf8');
  // the index and the SPA fallback for client-side routes
  for (const path of ['/', '/login', `/clusters/1/nodes/e2e-${Date.now()}`]) {
    const r = await fetch(`${BASE}${path}`);
    const body = await r.text();
    if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}`);
    if (!/text\/html/.test(r.headers.get('content-type') ?? '')) throw new Error(`GET ${path}: content-type ${r.headers.get('content-type')}`);
    if (/not built/i.test(body)) throw new Error(`GET ${path} answers the "console not built" notice: ${body.slice(0, 200)}`);
    if (body !== expected) throw new Error(`GET ${path} is not web/dist/index.html (the server serves another build of the console)`);
  }
  // every asset the index names, byte for byte, cached forever (hashed names)
  const assets = [...expected.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  if (!assets.some((a) => a.endsWith('.js'))) throw new Error('web/dist/index.html names no /assets/*.js entry');
  for (const a of assets) {
    const r = await fetch(`${BASE}${a}`);
    const body = Buffer.from(await r.arrayBuffer());
    if (r.status !== 200) throw new Error(`GET ${a}: HTTP ${r.status}`);
    if (!body.equals(readFileSync(join(WEB, 'dist', a)))) throw new Error(`GET ${a} differs from web/dist${a}`);
    if (!/immutable/.test(r.headers.get('cache-control') ?? '')) throw new Error(`GET ${a}: cache-control ${r.headers.get('cache-control')}`);
  }
  const missing = await fetch(`${BASE}/assets/no-such-asset-${Date.now()}.js`);
  if (missing.status !== 404) throw new Error(`a missing asset answers HTTP ${missing.status}, not 404`);
});

const profile = mkdtempSync(join(tmpdir(), 'kubedeck-e2e-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  locale: 'zh-CN',
  viewport: { width: 1440, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(SLOW);
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));
// the whole run is under the server's Content-Security-Policy (issue 17): anything it blocks (an inline script, a
// connection elsewhere, a style the console needs) fails the run at the end, with Chromium's message
page.on('console', (m) => {
  if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) consoleErrors.push(`CSP: ${m.text()}`);
});

await step('every page carries the browser protections: a script policy of its own files, no framing (issue 17)', async () => {
  for (const path of ['/', '/login', '/api/docs/', '/api/v1/auth/me']) {
    const r = await fetch(`${BASE}${path}`);
    const csp = r.headers.get('content-security-policy') ?? '';
    for (const d of ["script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) {
      if (!csp.includes(d)) throw new Error(`${path}: the Content-Security-Policy lacks ${d}: ${csp}`);
    }
    if (r.headers.get('x-frame-options') !== 'DENY' || r.headers.get('x-content-type-options') !== 'nosniff' || r.headers.get('referrer-policy') !== 'no-referrer') {
      throw new Error(`${path}: missing protections: ${JSON.stringify(Object.fromEntries(r.headers))}`);
    }
  }
});

const clusterName = `testbed-${Date.now().toString(36)}`;
let clusterId = null;
let facts = null;

await step('the testbed answers kubectl', async () => {
  if (!existsSync(KUBECONFIG)) throw new Error(`${KUBECONFIG} not found: start the testbed (testbed/up) or set KUBEDECK_TESTBED_DIR`);
  facts = await clusterFacts();
  if (!facts.total) throw new Error('the testbed has no nodes');
  console.log(`     testbed ${facts.version}: ${facts.ready}/${facts.total} nodes ready, ${facts.masters} masters, ${facts.workers} workers`);
});

await step('login page is Chinese for a Chinese browser', async () => {
  await page.goto(`${BASE}/`);
  await page.waitForURL(/\/login/);
  await expectVisible(page.getByRole('button', { name: /登\s*录/ }), 'Chinese login button');
  await expectVisible(page.getByText('Kubernetes 多集群管理平台'), 'Chinese subtitle');
  await shot('login');
});

await step('wrong password shows a clear message', async () => {
  await login(USER, `${password}-wrong`);
  const err = page.getByTestId('login-error');
  await expectVisible(err, 'login error');
  const text = (await err.innerText()).trim();
  if (!text || /HTTP \d+/.test(text)) throw new Error(`unclear login error: "${text}"`);
  if (!page.url().includes('/login')) throw new Error(`a wrong password left the login page: ${page.url()}`);
  await shot('login-wrong-password');
});

await step('log in (and the forced password change when shown)', async () => {
  await login(USER, password);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: SLOW });
  if (page.url().includes('/change-password')) {
    await shot('forced-password-change');
    await page.locator('#new-password, #password').first().fill(NEW_PASSWORD);
    await page.locator('#confirm-password, #confirm').first().fill(NEW_PASSWORD);
    await page.getByTestId('password-submit').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/change-password') && !u.pathname.startsWith('/login'), { timeout: SLOW });
    password = NEW_PASSWORD;
    writeFileSync(join(RESULTS, 'admin-password.txt'), `${password}\n`);
    console.log(`     admin password was changed by the forced change; the new one is in web/test-results/admin-password.txt`);
  }
  await page.waitForURL(/\/clusters/);
  const me = await apiOk('/auth/me');
  if (me.username !== USER) throw new Error(`logged in as ${JSON.stringify(me).slice(0, 200)}, not ${USER}`);
});

await step(
  'newcomer sees how to import a cluster',
  async () => {
    const list = await apiOk('/k8s/cluster?page=1&page_size=1');
    // a reused server already has clusters: then the empty state cannot be shown (the list step checks the table)
    if (list.total !== 0) throw new Skip(`the server already has ${list.total} cluster(s)`);
    await page.goto(`${BASE}/clusters`);
    await expectVisible(page.getByTestId('getting-started'), 'getting started');
    const text = await page.getByTestId('getting-started').innerText();
    if (!text.includes('testbed/up')) throw new Error('the empty state does not mention testbed/up');
    await shot('getting-started');
  },
  { optional: 'the empty state exists only on a server without clusters (scripts/test-against-testbed.sh starts a fresh one)' },
);

await step('garbage kubeconfig is refused with a clear message', async () => {
  const before = (await apiOk('/k8s/cluster?page=1&page_size=1')).total;
  await page.goto(`${BASE}/clusters/import`);
  await page.locator('#cluster-name, #name').first().fill('garbage');
  await page.locator('textarea#kubeconfig, textarea#credential').first().fill('this is: [not a kubeconfig');
  await page.getByTestId('run-preflight').click();
  const err = page.getByTestId('import-error');
  await expectVisible(err, 'import error');
  const text = (await err.innerText()).trim();
  if (!text || /HTTP \d+/.test(text)) throw new Error(`unclear import error: "${text}"`);
  if (!/kubeconfig|YAML|yaml/.test(text)) throw new Error(`the error does not say what is wrong with the kubeconfig: "${text}"`);
  await expectVisible(page.getByTestId('confirm-import').or(page.getByTestId('run-preflight')), 'the form is still there');
  if (await page.getByTestId('confirm-import').count() && !(await page.getByTestId('confirm-import').isDisabled())) throw new Error('import is enabled for a garbage kubeconfig');
  const after = (await apiOk('/k8s/cluster?page=1&page_size=1')).total;
  if (after !== before) throw new Error(`a garbage kubeconfig changed the cluster count from ${before} to ${after}`);
  await shot('import-garbage-kubeconfig');
});

await step('import the testbed cluster through the wizard (the preflight report matches the cluster)', async () => {
  need(facts, 'the testbed facts');
  const kc = readFileSync(KUBECONFIG, 'utf8');
  // a server reused between runs refuses the same API server twice: remove earlier e2e imports of it
  const server = /server:\s*(\S+)/.exec(kc)?.[1];
  const existing = await apiOk('/k8s/cluster?page=1&page_size=500');
  for (const c of existing.items ?? []) {
    if (c.server_url === server && c.name.startsWith('testbed-')) {
      const d = await api(`/k8s/cluster/${c.id}`, { method: 'DELETE' });
      if (d.status >= 300) throw new Error(`removing the earlier import ${c.name}: HTTP ${d.status}`);
    }
  }
  await page.goto(`${BASE}/clusters/import`);
  await page.locator('#cluster-name, #name').first().fill(clusterName);
  await page.locator('#cluster-description, #description').first().fill('Kubernetes v1.20 testbed (e2e)');
  await page.locator('textarea#kubeconfig, textarea#credential').first().fill(kc);
  await page.getByTestId('run-preflight').click();
  const report = page.getByTestId('preflight-report');
  await expectVisible(report, 'preflight report', 60_000);
  await expectVisible(page.getByTestId('preflight-permissions'), 'permission table');
  // what the operator reads before confirming: the server, its version and its nodes, as kubectl sees them
  const text = squash(await report.innerText());
  for (const want of [server, facts.version, `${facts.ready}/${facts.total}就绪`, mastersWorkersZh(facts)]) {
    if (!text.includes(squash(want))) throw new Error(`the preflight report does not show "${want}": ${text.slice(0, 400)}`);
  }
  // the admin credential may do everything: no "not allowed" tag in the permission table
  if (await page.getByTestId('preflight-permissions').getByText('不允许').count()) throw new Error('the admin kubeconfig is reported as lacking a permission');
  await page.waitForTimeout(300);
  await shot('import-preflight', true);
  const confirm = page.getByTestId('confirm-import');
  if (await confirm.isDisabled()) throw new Error('preflight did not pass for the testbed kubeconfig');
  await confirm.click();
  await expectVisible(page.getByTestId('open-cluster'), 'import done', 60_000);
  const list = await apiOk(`/k8s/cluster?name=${clusterName}`);
  clusterId = list.items?.find((c) => c.name === clusterName)?.id ?? null;
  if (!clusterId) throw new Error(`the cluster ${clusterName} is not in the API's list after the import`);
});

await step('the imported cluster is in the list with its nodes (counts match kubectl)', async () => {
  need(clusterId, 'an imported cluster');
  // the first sync fills in the node counts
  await until(`the API's node counts to match kubectl (${facts.ready}/${facts.total})`, 60_000, async (note) => {
    const c = (await api(`/k8s/cluster/${clusterId}`)).body;
    note(`${c?.ready_nodes}/${c?.node_count} (status ${c?.status}: ${c?.status_reason})`);
    return c?.node_count === facts.total && c?.ready_nodes === facts.ready;
  });
  await page.goto(`${BASE}/clusters`);
  const row = page.getByRole('row', { name: new RegExp(clusterName) });
  await expectVisible(row, `row ${clusterName}`);
  const text = squash(await row.first().innerText());
  for (const want of [facts.version, `${facts.ready}/${facts.total}就绪`, mastersWorkersZh(facts), '运行中']) {
    if (!text.includes(squash(want))) throw new Error(`the cluster row does not show "${want}": ${text}`);
  }
  await shot('clusters');
});

await step('cluster overview shows the version, nodes and pods of the cluster', async () => {
  need(clusterId, 'an imported cluster');
  const card = (title) => page.locator('.ant-statistic').filter({ has: page.locator('.ant-statistic-title').filter({ hasText: new RegExp(`^\\s*${title}\\s*$`) }) });
  const value = async (title) => squash(await card(title).first().locator('.ant-statistic-content').innerText());
  await page.goto(`${BASE}/clusters/${clusterId}`);
  await expectVisible(page.getByText(clusterName), 'cluster name');
  await expectVisible(card('版本'), 'version statistic');
  if ((await value('版本')) !== facts.version) throw new Error(`the overview shows version "${await value('版本')}", kubectl says ${facts.version}`);
  if ((await value('就绪节点')) !== `${facts.ready}/${facts.total}`) throw new Error(`the overview shows ready nodes "${await value('就绪节点')}", kubectl says ${facts.ready}/${facts.total}`);
  await expectVisible(page.getByText(`${facts.masters} 个主节点 · ${facts.workers} 个工作节点`), 'masters and workers');
  // pods by phase, as kubectl counts them (the inventory syncs right after the import; pods come and go, so
  // compare a fresh page with a fresh kubectl count until they agree)
  // each phase as the Chinese console writes kubectl's words: the translation, the word kept in brackets
  const phases = { Running: '运行中（Running）', Pending: '等待中（Pending）', Succeeded: '已成功（Succeeded）', Failed: '失败（Failed）', Unknown: '未知（Unknown）' };
  await until('the pod counts by phase to match kubectl', 60_000, async (note) => {
    const want = await podPhases();
    await page.reload();
    await expectVisible(card(phases.Running), 'pod phase statistics');
    const got = {};
    for (const [phase, title] of Object.entries(phases)) {
      await until(`the ${phase} count`, 10_000, async () => /^\d+$/.test(await value(title)), 200);
      got[phase] = Number(await value(title));
    }
    note(`page ${JSON.stringify(got)}, kubectl ${JSON.stringify(want)}`);
    return Object.keys(phases).every((p) => got[p] === want[p]) && want.Running > 0;
  }, 2000);
  // capacity: the pods the nodes may hold, summed over the nodes kubectl lists
  const capacity = page.locator('.ant-card').filter({ has: page.getByText('容量与请求', { exact: true }) });
  await expectVisible(capacity.getByText(new RegExp(`容器组 · \\d+ / ${facts.podsAllocatable}$`)), `pod capacity "/ ${facts.podsAllocatable}"`);
  await shot('cluster-overview');
});

await step('the overview lists Pending pods as needing attention and links to them; phases read "等待中（Pending）" (issue 19)', async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-pending-${Date.now().toString(36)}`;
  await kubectl('create', 'namespace', ns);
  try {
    // a pod no node can take stays Pending
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unschedulable', namespace: ns }, spec: { nodeSelector: { 'e2e.kubedeck.io/nowhere': 'true' }, containers: [{ name: 'app', image: 'nginx' }] } });
    await new Promise((resolve, reject) => {
      const c = execFile('kubectl', ['apply', '-f', '-'], { env: { ...process.env, KUBECONFIG } }, (e) => (e ? reject(e) : resolve()));
      c.stdin.end(manifest);
    });
    const attention = page.getByTestId('overview-attention');
    await until("the overview's Pending entry to match kubectl's count", 60_000, async (note) => {
      const pending = (await podPhases()).Pending;
      await page.goto(`${BASE}/clusters/${clusterId}`);
      const entry = attention.getByTestId('attention-Pending');
      await expectVisible(entry, 'a Pending entry under "needs attention"');
      const text = await entry.innerText();
      note(`page "${text}", kubectl ${pending} Pending`);
      return squash(text) === squash(`等待中（Pending）${pending.toLocaleString('zh-CN')} 个容器组处于等待中（Pending）`);
    }, 2000);
    if (await attention.getByText('一切正常').count()) throw new Error('the overview says nothing needs attention while pods are Pending');
    await shot('overview-pending');
    await attention.getByTestId('attention-Pending').getByRole('link').click();
    await page.waitForURL(/\/pods\?(.*&)?phase=Pending\b/);
    const row = page.getByRole('row', { name: /\bunschedulable\b/ });
    await expectVisible(row, `the Pending pod ${ns}/unschedulable in the filtered list`);
    await expectVisible(row.locator('.ant-tag').filter({ hasText: /^等待中（Pending）$/ }), 'its status "等待中（Pending）"');
    // every row the filter shows is Pending for kubectl
    const names = new Set((await kubectlJson('get', 'pods', '-A', '--field-selector=status.phase=Pending')).items.map((p) => p.metadata.name));
    for (const n of await tableNames()) if (!names.has(n)) throw new Error(`the Pending list shows ${n}, which kubectl does not see Pending`);
    // a namespace that does not exist (kubectl agrees): the empty list says why
    const missing = `${ns}-does-not-exist`;
    if ((await kubectl('get', 'namespace', missing, '--ignore-not-found')).trim()) throw new Error(`namespace ${missing} exists`);
    await page.goto(`${BASE}/clusters/${clusterId}/pods?namespace=${missing}`);
    await expectVisible(page.getByTestId('pods-empty-namespace').getByText(`命名空间 ${missing} 中没有容器组，或该命名空间不存在`), 'why the list is empty');
  } finally {
    await kubectl('delete', 'namespace', ns, '--wait=false').catch(() => undefined);
  }
});

await step('an expired access token is refreshed without leaving the page', async () => {
  need(clusterId, 'an imported cluster');
  await page.goto(`${BASE}/clusters/${clusterId}`);
  await expectVisible(page.getByText(clusterName), 'cluster name');
  const before = await page.evaluate(() => JSON.parse(localStorage.getItem('kubedeck.session')));
  // the server answers 401 for this token, as it does for an expired one
  await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('kubedeck.session'));
    localStorage.setItem('kubedeck.session', JSON.stringify({ ...s, accessToken: 'expired.token.value' }));
  });
  await page.reload();
  await expectVisible(page.getByText(clusterName), 'cluster name after refresh');
  if (!page.url().includes(`/clusters/${clusterId}`)) throw new Error(`left the page: ${page.url()}`);
  const after = await page.evaluate(() => JSON.parse(localStorage.getItem('kubedeck.session')));
  if (after.refreshToken === before.refreshToken) throw new Error('the refresh token was not rotated');
  if (after.accessToken === 'expired.token.value') throw new Error('the access token was not replaced');
  // the old refresh token is revoked by rotation
  const reuse = await api('/auth/refresh', { method: 'POST', body: JSON.stringify({ refresh_token: before.refreshToken }) });
  if (reuse.status !== 401) throw new Error(`an old refresh token still works: HTTP ${reuse.status}`);
});

await step('a revoked session goes to login and comes back to the same page', async () => {
  need(clusterId, 'an imported cluster');
  await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('kubedeck.session'));
    localStorage.setItem('kubedeck.session', JSON.stringify({ ...s, accessToken: 'bad', refreshToken: 'revoked' }));
  });
  await page.goto(`${BASE}/clusters/${clusterId}`);
  await page.waitForURL(/\/login\?next=/);
  await expectVisible(page.getByText('会话已结束，请重新登录以回到原页面。'), 'the "session ended" notice');
  await page.locator('#username').fill(USER);
  await page.locator('#password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(new RegExp(`/clusters/${clusterId}$`));
  await expectVisible(page.getByText(clusterName), 'the cluster page after login');
});

await step('switch language to English and back (remembered across reloads)', async () => {
  await page.goto(`${BASE}/clusters`);
  await expectVisible(page.getByRole('menuitem', { name: /集群管理/ }), 'Chinese menu');
  await page.getByTestId('lang-switch').click();
  await expectVisible(page.getByRole('menuitem', { name: /Clusters/ }), 'English menu');
  await page.reload();
  await expectVisible(page.getByRole('menuitem', { name: /Clusters/ }), 'English menu after reload');
  if (await page.getByRole('menuitem', { name: /集群管理/ }).count()) throw new Error('Chinese menu items remain in English');
  await shot('clusters-en');
  await page.getByTestId('lang-switch').click();
  await expectVisible(page.getByRole('menuitem', { name: /集群管理/ }), 'Chinese menu again');
  await page.reload();
  await expectVisible(page.getByRole('menuitem', { name: /集群管理/ }), 'Chinese menu after reload');
});

await step('notification channels: a DingTalk robot made on the Channels page (help text, secret), "send test" reaches a local robot signed with the secret, the log shows it sent, and no answer carries the token (issue 16)', async () => {
  const { createServer } = await import('node:http');
  const { createHmac } = await import('node:crypto');
  const got = [];
  const robot = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ url: new URL(req.url, 'http://x'), body: JSON.parse(body || 'null') });
      res.setHeader('Content-Type', 'application/json');
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise((ok) => robot.listen(0, '127.0.0.1', ok));
  const port = robot.address().port;
  const name = `e2e-钉钉-${Date.now().toString(36)}`;
  const secret = 'SECe2e-signing-secret';
  let cid = null;
  try {
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/clusters`);
    await page.getByRole('menuitem', { name: /通知渠道/ }).click();
    await expectVisible(page.getByTestId('create-channel'), 'the Channels page');
    await page.getByTestId('create-channel').click();
    await expectVisible(page.getByTestId('kind-help').getByText(/加签/), 'how to get a DingTalk webhook and secret');
    await page.getByTestId('channel-name').fill(name);
    await page.getByTestId('channel-url').fill(`http://127.0.0.1:${port}/robot/send?access_token=e2e-robot-token`);
    await page.getByTestId('channel-secret').fill(secret);
    await page.getByTestId('save-channel').click();
    const channel = await until('the channel saved', 20_000, async () => (await apiOk('/notify/channels')).find((c) => c.name === name), 500);
    cid = channel.id;
    if (channel.rate_per_minute !== 20 || !channel.config.secret_set) throw new Error(`channel: ${JSON.stringify(channel)}`);
    const listed = JSON.stringify(await apiOk('/notify/channels')) + JSON.stringify(await apiOk(`/notify/channels/${cid}`));
    if (listed.includes('e2e-robot-token') || listed.includes(secret)) throw new Error('an answer carries the token or the secret');
    await page.getByTestId(`test-${name}`).click();
    // the answer says the robot took it (a failure opens an error dialog with the receiver's answer instead)
    await expectVisible(page.locator('.ant-modal-confirm-success').getByTestId('test-result'), 'the test result: delivered', 30_000);
    const msg = need(got[0], 'a request at the local robot');
    const ts = msg.url.searchParams.get('timestamp');
    const want = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
    if (msg.url.searchParams.get('sign') !== want) throw new Error(`sign ${msg.url.searchParams.get('sign')} is not DingTalk's ${want}`);
    if (msg.body?.msgtype !== 'markdown' || !msg.body.markdown.text.includes('测试通知')) throw new Error(`body: ${JSON.stringify(msg.body)}`);
    await page.locator('.ant-modal-confirm-btns button').click();
    await page.getByTestId(`log-${name}`).click();
    await expectVisible(page.getByTestId('delivery-log').getByText('已发送'), 'the delivery log shows the test sent');
    await shot('channels');
  } finally {
    if (cid) await api(`/notify/channels/${cid}`, { method: 'DELETE' }).catch(() => undefined);
    robot.close();
  }
});

let firstNode = null;
// (a YAML writer quotes a value that starts with a digit, as uids may)
const yamlHas = (text, key, want) => text.split('\n').some((l) => [`${key}: ${want}`, `${key}: "${want}"`, `${key}: '${want}'`].includes(l.trim()));

await step('nodes list and detail (names, versions, addresses and live usage match the cluster)', async () => {
  need(clusterId, 'an imported cluster');
  const nodes = await apiOk(`/k8s/cluster/${clusterId}/nodes?page=1&page_size=50`);
  firstNode = nodes.items.find((n) => !(n.roles ?? []).some((r) => /master|control/.test(r)))?.name ?? null;
  if (!firstNode) throw new Error(`the API lists no worker among ${nodes.items.map((n) => n.name).join(', ')}`);
  await page.goto(`${BASE}/clusters/${clusterId}/nodes`);
  await expectVisible(page.locator('.ant-table-row'), 'node rows');
  // polled (nodes are not in the change stream), with the live tag every list shows
  await expectVisible(page.locator('[data-testid="resource-live"][data-state="live"][data-pushed="false"]'), 'the live tag on the node list');
  // every node kubectl lists has its row, and no other row is there
  for (const n of facts.nodes) await expectVisible(page.getByRole('row', { name: new RegExp(`\\b${n.metadata.name}\\b`) }), `row of node ${n.metadata.name}`);
  const rows = await page.locator('.ant-table-tbody .ant-table-row').count();
  if (rows !== facts.total) throw new Error(`${rows} node rows, kubectl lists ${facts.total} nodes`);
  await shot('nodes');
  const k = facts.nodes.find((n) => n.metadata.name === firstNode);
  if (!k) throw new Error(`kubectl does not know the node ${firstNode} the API lists`);
  // the collector scrapes each Ready node (every 30 s by default): the usage card must show it
  await until(`node metrics for ${firstNode}`, 100_000, async (note) => {
    const m = await api(`/k8s/cluster/${clusterId}/nodes/${encodeURIComponent(firstNode)}/metrics`);
    note(`HTTP ${m.status} ${JSON.stringify(m.body).slice(0, 200)}`);
    if (m.status !== 200) throw new Error(`metrics: HTTP ${m.status}`);
    return m.body?.data && !m.body.stale;
  }, 3000);
  await page.goto(`${BASE}/clusters/${clusterId}/nodes/${encodeURIComponent(firstNode)}`);
  await expectVisible(page.getByText(firstNode), 'node name');
  for (const want of [k.status.nodeInfo.kubeletVersion, k.status.addresses.find((a) => a.type === 'InternalIP')?.address]) {
    await expectVisible(page.getByText(want, { exact: true }), `"${want}" on the node page (kubectl's value)`);
  }
  const usage = page.getByTestId('node-usage');
  await expectVisible(usage.getByText('CPU', { exact: true }), 'CPU usage in the usage card');
  const usageText = await usage.innerText();
  if (!/\d+(\.\d+)?\s*%/.test(usageText) || /暂无数据|起无数据/.test(usageText)) throw new Error(`the usage card shows no figures: ${usageText}`);
  await page.waitForTimeout(1000);
  await shot('node-detail', true);
  // the YAML tab: kubectl's object, through the generic detail page's YAML view; an admin may edit it (platform.write)
  await page.getByRole('tab', { name: 'YAML' }).click();
  const yaml = page.getByTestId('resource-yaml');
  await expectVisible(yaml.getByText(/kind: Node/), 'node YAML');
  const text = await yaml.innerText();
  for (const [key, want] of [['name', firstNode], ['uid', k.metadata.uid]]) if (!yamlHas(text, key, want)) throw new Error(`the node YAML lacks "${key}: ${want}"`);
  await page.getByTestId('node-edit-yaml').click();
  await expectVisible(page.getByTestId('yaml-editor').getByText(k.metadata.uid), 'the node in the shared YAML editor');
  await page.getByRole('dialog').getByRole('button', { name: /^取\s*消$/ }).click();
  await page.getByTestId('yaml-editor').waitFor({ state: 'hidden', timeout: SLOW });
});

// What `kubectl describe node` counts as "Allocated resources" for CPU: pods not finished, each the larger of its
// containers' sum and its largest init container, plus its overhead.
const cpuMillis = (q) => (q === undefined || q === null ? 0 : String(q).endsWith('m') ? Number(String(q).slice(0, -1)) : Math.round(Number(q) * 1000));
async function kubectlCpuRequested(node) {
  const pods = (await kubectlJson('get', 'pods', '-A', `--field-selector=spec.nodeName=${node}`)).items.filter((p) => !['Succeeded', 'Failed'].includes(p.status.phase));
  let sum = 0;
  for (const p of pods) {
    const containers = (p.spec.containers ?? []).reduce((n, c) => n + cpuMillis(c.resources?.requests?.cpu), 0);
    const init = Math.max(0, ...(p.spec.initContainers ?? []).map((c) => cpuMillis(c.resources?.requests?.cpu)));
    sum += Math.max(containers, init) + cpuMillis(p.spec.overhead?.cpu);
  }
  return sum;
}

await step('the node list shows usage and requests of allocatable, each labelled, with tooltips that say which (issue 19)', async () => {
  need(clusterId, 'an imported cluster');
  const node = need(firstNode, 'a worker with metrics (from the nodes step)');
  await page.goto(`${BASE}/clusters/${clusterId}/nodes`);
  await expectVisible(page.getByTestId(`requests-cpu-${node}`), `the CPU requests of ${node}`);
  // every row: "使用 N%" from the newest metrics sample ("使用：暂无数据" when there is none, never 0) and
  // "请求 M%" of allocatable, M as kubectl counts the requests of the node's pods
  await until('every row to show the figures kubectl and the metrics give', 60_000, async (note) => {
    const items = (await apiOk(`/k8s/cluster/${clusterId}/nodes?page=1&page_size=100`)).items;
    const seen = [];
    let same = true;
    for (const k of facts.nodes) {
      const name = k.metadata.name;
      const wantReq = `请求 ${Math.round(((await kubectlCpuRequested(name)) / cpuMillis(k.status.allocatable.cpu)) * 100)}%`;
      const m = items.find((n) => n.name === name)?.metrics;
      const want = [m ? `使用 ${Math.round(m.cpu_usage)}%` : '使用：暂无数据', wantReq, m ? `使用 ${Math.round(m.memory_usage)}%` : '使用：暂无数据'];
      const got = [];
      for (const id of [`usage-cpu-${name}`, `requests-cpu-${name}`, `usage-memory-${name}`]) got.push((await page.getByTestId(id).innerText()).trim());
      seen.push(`${name}: page ${got.join(' / ')}, want ${want.join(' / ')}`);
      same &&= got.join('|') === want.join('|');
    }
    note(seen.join('; '));
    if (!same) {
      await page.reload();
      await expectVisible(page.getByTestId(`requests-cpu-${node}`), 'the node rows after a reload');
    }
    return same;
  }, 3000);
  // the worker whose metrics the nodes step waited for has a usage figure, not "no data"
  if (!/^使用 \d+%$/.test((await page.getByTestId(`usage-cpu-${node}`).innerText()).trim())) throw new Error(`${node} shows no CPU usage figure`);
  // the tooltips name what each figure is
  await page.getByTestId(`usage-cpu-${node}`).hover();
  await expectVisible(page.locator('.ant-tooltip:visible').getByText(/实际使用的CPU：占可分配量的 \d+%/), 'the usage tooltip');
  await page.mouse.move(0, 0);
  await page.getByTestId(`requests-cpu-${node}`).hover();
  await expectVisible(page.locator('.ant-tooltip:visible').getByText(/容器组请求的CPU：已请求 .+，可分配 .+（\d+%）；调度器按请求而非实际使用量放置容器组/), 'the requests tooltip');
  await page.mouse.move(0, 0);
  await shot('nodes-usage-requests');
});

await step('add a node label in the editor (kubectl sees it), then remove it', async () => {
  need(firstNode, 'a worker node');
  const kubectlLabel = async () => (await kubectlJson('get', 'node', firstNode)).metadata.labels?.['e2e.kubedeck.io/checked'];
  await page.goto(`${BASE}/clusters/${clusterId}/nodes/${encodeURIComponent(firstNode)}`);
  await page.getByRole('tab', { name: /标签|Labels/ }).click();
  await page.getByRole('button', { name: /添加标签|Add label/ }).click();
  await page.locator('input[placeholder="key"]').last().fill('e2e.kubedeck.io/checked');
  await page.locator('input[placeholder="value"]').last().fill('yes');
  await page.getByRole('tabpanel').getByRole('button', { name: /保\s*存|Save/ }).click();
  await expectVisible(page.locator('.ant-message-success'), 'saved message');
  const label = await kubectlLabel();
  if (label !== 'yes') throw new Error(`kubectl sees the label as ${JSON.stringify(label)}, not "yes"`);
  const after = await apiOk(`/k8s/cluster/${clusterId}/nodes/${encodeURIComponent(firstNode)}`);
  if (after.node?.labels?.['e2e.kubedeck.io/checked'] !== 'yes') throw new Error('the API does not show the label');
  const bad = await api(`/k8s/cluster/${clusterId}/nodes/${encodeURIComponent(firstNode)}/labels`, {
    method: 'PUT',
    body: JSON.stringify({ mode: 'patch', labels: {}, remove: ['e2e.kubedeck.io/checked'] }),
  });
  if (bad.status !== 200) throw new Error(`label cleanup: HTTP ${bad.status}`);
  if ((await kubectlLabel()) !== undefined) throw new Error('kubectl still sees the label after its removal');
});

await step('node label editor keeps an unsaved row across refreshes while heartbeats run, and saves', async () => {
  need(firstNode, 'a worker node');
  const key = 'e2e.kubedeck.io/heartbeat';
  const kubectlLabel = async () => (await kubectlJson('get', 'node', firstNode)).metadata.labels?.[key];
  // play the kubelet's status heartbeat (a status-only write: the resourceVersion changes, the labels do not)
  let beating = true;
  let beats = 0;
  const heartbeats = (async () => {
    while (beating) {
      const patch = { status: { conditions: [{ type: 'Ready', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } };
      await kubectl('patch', 'node', firstNode, '--subresource=status', '-p', JSON.stringify(patch)).then(() => (beats += 1), () => undefined);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  let refreshes = 0;
  const onResponse = (r) => {
    if (r.request().method() === 'GET' && new URL(r.url()).pathname.endsWith(`/nodes/${encodeURIComponent(firstNode)}`)) refreshes += 1;
  };
  page.on('response', onResponse);
  try {
    await page.goto(`${BASE}/clusters/${clusterId}/nodes/${encodeURIComponent(firstNode)}`);
    await page.getByRole('tab', { name: /标签|Labels/ }).click();
    await page.getByRole('button', { name: /添加标签|Add label/ }).click();
    await page.locator('input[placeholder="key"]').last().fill(key);
    await page.locator('input[placeholder="value"]').last().fill('kept');
    const rvBefore = (await kubectlJson('get', 'node', firstNode)).metadata.resourceVersion;
    const seen = refreshes;
    // the page refreshes the node every 10 s: wait past two refreshes
    await until('two refreshes of the node', 40_000, async (note) => {
      note(`${refreshes - seen} refreshes, ${beats} heartbeats`);
      return refreshes - seen >= 2;
    }, 500);
    const rvAfter = (await kubectlJson('get', 'node', firstNode)).metadata.resourceVersion;
    if (rvAfter === rvBefore) throw new Error(`the node's resourceVersion did not change while the row was open (${beats} heartbeats)`);
    const keys = await page.locator('input[placeholder="key"]').evaluateAll((els) => els.map((e) => e.value));
    if (!keys.includes(key)) throw new Error(`the unsaved row is gone after ${refreshes - seen} refreshes and ${beats} heartbeats; keys now: ${keys.join(', ')}`);
    const values = await page.locator('input[placeholder="value"]').evaluateAll((els) => els.map((e) => e.value));
    if (!values.includes('kept')) throw new Error(`the unsaved value is gone: ${values.join(', ')}`);
    await page.getByRole('tabpanel').getByRole('button', { name: /保\s*存|Save/ }).click();
    await expectVisible(page.locator('.ant-message-success'), 'saved message');
    if (await page.locator('.ant-message-error').count()) throw new Error(`an error message: ${await page.locator('.ant-message-error').first().innerText()}`);
    const label = await kubectlLabel();
    if (label !== 'kept') throw new Error(`kubectl sees the label as ${JSON.stringify(label)}, not "kept"`);
  } finally {
    page.off('response', onResponse);
    beating = false;
    await heartbeats;
    await api(`/k8s/cluster/${clusterId}/nodes/${encodeURIComponent(firstNode)}/labels`, {
      method: 'PUT',
      body: JSON.stringify({ mode: 'patch', labels: {}, remove: [key] }),
    }).catch(() => undefined);
  }
  if ((await kubectlLabel()) !== undefined) throw new Error('kubectl still sees the label after its removal');
});

await step('a node without a role label shows <none> as kubectl does, and counts as a worker', async () => {
  need(clusterId, 'an imported cluster');
  const worker = facts.nodes.find((n) => !isMaster(n) && n.metadata.name !== firstNode && 'node-role.kubernetes.io/worker' in (n.metadata.labels ?? {}));
  if (!worker) throw new Error('the testbed has no second worker with a worker role label');
  const name = worker.metadata.name;
  await kubectl('label', 'node', name, 'node-role.kubernetes.io/worker-');
  try {
    const roles = (await kubectl('get', 'node', name, '--no-headers')).trim().split(/\s+/)[2];
    if (roles !== '<none>') throw new Error(`kubectl shows roles ${roles}`);
    await until(`the API to list ${name} without roles`, 30_000, async (note) => {
      const n = (await apiOk(`/k8s/cluster/${clusterId}/nodes/${encodeURIComponent(name)}`)).node;
      note(JSON.stringify(n?.roles));
      return n && (n.roles ?? []).length === 0;
    });
    await page.goto(`${BASE}/clusters/${clusterId}/nodes`);
    const row = page.getByRole('row', { name: new RegExp(`\\b${name}\\b`) });
    await expectVisible(row, `row of ${name}`);
    await expectVisible(row.getByText(/^<none>/), `<none> in the roles of ${name}`);
    if (await row.getByText('worker', { exact: true }).count()) throw new Error(`the row of ${name} shows a "worker" role the cluster does not give it`);
    await page.goto(`${BASE}/clusters/${clusterId}/nodes/${encodeURIComponent(name)}`);
    await expectVisible(page.getByText(/^<none>/), `<none> on the page of ${name}`);
    // the counts: a worker is every node that is not control plane (README, Nodes)
    const f = await clusterFacts();
    await until('the cluster counts to count the node as a worker', 30_000, async (note) => {
      const c = await apiOk(`/k8s/cluster/${clusterId}`);
      const v = c.cluster ?? c;
      note(`masters ${v.master_nodes}, workers ${v.worker_nodes}; kubectl ${f.masters}/${f.workers}`);
      return v.master_nodes === f.masters && v.worker_nodes === f.workers && v.worker_nodes === f.total - f.masters;
    });
  } finally {
    await kubectl('label', 'node', name, 'node-role.kubernetes.io/worker=', '--overwrite');
  }
});

await step('log viewer: a missing pod says "not found", a Pending pod says its container has not started', async () => {
  need(clusterId, 'an imported cluster');
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/default/pods/e2e-no-such-pod/logs`);
  await expectVisible(page.getByText(/容器组 default\/e2e-no-such-pod 不存在|Pod default\/e2e-no-such-pod not found/), 'the pod-not-found message');
  const state = await page.getByTestId('log-state').innerText();
  if (!/出错|Error/.test(state)) throw new Error(`the log state of a missing pod is "${state}"`);
  const ns = `e2e-logstate-${Date.now().toString(36)}`;
  await kubectl('create', 'namespace', ns);
  try {
    // a pod no node can take stays Pending: its container never starts
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', namespace: ns }, spec: { nodeSelector: { 'e2e.kubedeck.io/nowhere': 'true' }, containers: [{ name: 'app', image: 'nginx' }] } });
    await new Promise((resolve, reject) => {
      const c = execFile('kubectl', ['apply', '-f', '-'], { env: { ...process.env, KUBECONFIG } }, (e) => (e ? reject(e) : resolve()));
      c.stdin.end(manifest);
    });
    await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${ns}/pods/pending/logs`);
    await expectVisible(page.getByText(/容器 app 尚未启动|The container app has not started/), 'the not-started message');
    const text = await page.locator('body').innerText();
    if (/1006|connection refused/.test(text)) throw new Error('the page shows a raw connection error');
    const st = await page.getByTestId('log-state').innerText();
    if (!/等待容器启动|Waiting for the container/.test(st)) throw new Error(`the log state of a Pending pod is "${st}"`);
  } finally {
    await kubectl('delete', 'namespace', ns, '--wait=false').catch(() => undefined);
  }
});

let logPod = null;
await step('pods list and detail (count, node, IP and YAML match kubectl)', async () => {
  need(clusterId, 'an imported cluster');
  // a pod of a Deployment with several replicas (merged logs, deletion); the testbed's demo has demo-shop/frontend
  const pods = await apiOk(`/k8s/cluster/${clusterId}/pods?page=1&page_size=50&phase=Running&namespace=demo-shop&label_selector=app%3Dfrontend`);
  logPod = pods.items.find((p) => p.owner_type && p.labels?.app) ?? null;
  if (!logPod) throw new Error('no running demo-shop/frontend pod: start the testbed with its demo workloads (testbed/up without --no-demo)');
  await page.goto(`${BASE}/clusters/${clusterId}/pods`);
  await expectVisible(page.locator('.ant-table-row'), 'pod rows');
  await until('the pod count in the header to match kubectl', 30_000, async (note) => {
    const total = (await podPhases()).total;
    const header = squash(await page.getByText(/^共 \d+ 个容器组$/).first().innerText());
    note(`page "${header}", kubectl ${total}`);
    if (header === `共${total}个容器组`) return true;
    await page.reload();
    return false;
  }, 2000);
  await shot('pods');
  const k = await kubectlJson('-n', logPod.namespace, 'get', 'pod', logPod.name);
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${logPod.namespace}/pods/${logPod.name}`);
  await expectVisible(page.getByText(logPod.name), 'pod name');
  await expectVisible(page.getByRole('link', { name: k.spec.nodeName, exact: true }), `node ${k.spec.nodeName} (kubectl's)`);
  await expectVisible(page.getByText(k.status.podIP, { exact: true }), `pod IP ${k.status.podIP} (kubectl's)`);
  await page.waitForTimeout(800);
  await shot('pod-detail');
  await page.getByRole('tab', { name: 'YAML' }).click();
  // the generic detail page's YAML view (GET .../pods/{name}/yaml), not a copy of it
  const yaml = page.getByTestId('resource-yaml');
  await expectVisible(yaml.getByText(/apiVersion: v1/), 'pod YAML');
  const text = await yaml.innerText();
  for (const [key, want] of [['name', logPod.name], ['uid', k.metadata.uid], ['nodeName', k.spec.nodeName]]) {
    if (!yamlHas(text, key, want)) throw new Error(`the YAML lacks "${key}: ${want}"`);
  }
});

await step('the pod list follows the change stream: a pod created with kubectl is on screen without a reload within 2.5 s (polling is every 5 s) (issue 13)', async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-live-${Date.now().toString(36)}`;
  await kubectl('create', 'namespace', ns);
  try {
    await page.goto(`${BASE}/clusters/${clusterId}/pods?namespace=${ns}`);
    await expectVisible(page.locator('[data-testid="resource-live"][data-pushed="true"]'), 'the pod list on the change stream (the shared live tag)', 30_000);
    const name = 'live-pod';
    await kubectl('-n', ns, 'run', name, '--image=busybox:1.32', '--restart=Never', '--', 'sleep', '3600');
    const t0 = Date.now();
    const row = page.locator('.ant-table-tbody .ant-table-row', { hasText: name });
    await until(`${name} in the pod list`, 10_000, async () => (await row.count()) > 0, 100);
    const ms = Date.now() - t0;
    console.log(`     pod ${ns}/${name}: in the list after ${ms} ms`);
    if (ms > 2500) throw new Error(`the new pod took ${ms} ms to show: the pod list polls instead of following the change stream`);
  } finally {
    await kubectl('delete', 'namespace', ns, '--wait=false').catch(() => undefined);
  }
});

// ---- issue 19 (console): paging, state in the URL, cordoned nodes, workload logs, search, wrong URLs --------------
const pagingNs = `e2e-paging-${Date.now().toString(36)}`;
const urlParam = (k) => new URL(page.url()).searchParams.get(k);
await step('the pod list pages through a long list: page 2, Next and 20 a page load that page and stay in the URL', async () => {
  need(clusterId, 'an imported cluster');
  await kubectl('create', 'namespace', pagingNs);
  await kubectl('-n', pagingNs, 'create', 'deployment', 'pager', '--image=busybox:1.32', '--replicas=30');
  await until(`30 pods of ${pagingNs} in the API`, 90_000, async (note) => {
    const r = await apiOk(`/k8s/cluster/${clusterId}/pods?namespace=${pagingNs}&page_size=1`);
    note(`total ${r.total}`);
    return r.total === 30;
  }, 1000);
  const apiPage = async (p, size) => (await apiOk(`/k8s/cluster/${clusterId}/pods?namespace=${pagingNs}&sort=name&page=${p}&page_size=${size}`)).items.map((x) => x.name);
  // the rows are the API's page `p`, and the URL says which page that is
  const showsPage = async (p, size, what) => {
    const want = await apiPage(p, size);
    if (want.length === 0) throw new Error(`the API has no page ${p} of ${size}`);
    await until(`${what}: the rows of page ${p} (${size} a page) and page=${p}&page_size=${size} in the URL`, 15_000, async (note) => {
      const got = await tableNames();
      note(`URL ${page.url()}; rows ${got.join(' ')}; want ${want.join(' ')}`);
      return (urlParam('page') ?? '1') === String(p) && urlParam('page_size') === String(size) && JSON.stringify(got) === JSON.stringify(want);
    }, 300);
    return want;
  };
  await page.goto(`${BASE}/clusters/${clusterId}/pods?namespace=${pagingNs}&sort=name&page_size=10`);
  const first = await showsPage(1, 10, 'the first page');
  const requested = page.waitForRequest((r) => r.url().includes(`/k8s/cluster/${clusterId}/pods?`) && new URL(r.url()).searchParams.get('page') === '2');
  await page.locator('.ant-pagination-item-2').click();
  await requested;
  const second = await showsPage(2, 10, 'after clicking page 2');
  if (second.some((n) => first.includes(n))) throw new Error(`page 2 repeats rows of page 1: ${second.join(' ')}`);
  await page.locator('.ant-pagination-next').click();
  const third = await showsPage(3, 10, 'after clicking Next');
  if (third.some((n) => second.includes(n) || first.includes(n))) throw new Error(`page 3 repeats earlier rows: ${third.join(' ')}`);
  await page.reload();
  await showsPage(3, 10, 'after a reload');
  await page.locator('.ant-pagination-options .ant-select-selector').click();
  await page.locator('.ant-select-item-option').filter({ hasText: /^20 条\/页$/ }).click();
  // antd keeps the page when it still exists (30 pods at 20 a page: page 3 does not, so page 2)
  await showsPage(2, 20, 'after choosing 20 a page');
  if (urlParam('namespace') !== pagingNs || urlParam('sort') !== 'name') throw new Error(`paging lost the filters: ${page.url()}`);
  await shot('pods-paged');
});

await step('node and pod tabs and the audit filter are in the URL (a reload keeps them)', async () => {
  need(logPod, 'a running pod');
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${logPod.namespace}/pods/${logPod.name}`);
  await page.getByRole('tab', { name: 'YAML' }).click();
  await page.waitForURL(/[?&]tab=yaml\b/);
  await page.reload();
  await expectVisible(page.getByTestId('resource-yaml').getByText(/apiVersion: v1/), 'the YAML tab after a reload');
  const node = need(logPod.node_name, `the node of ${logPod.name}`);
  await page.goto(`${BASE}/clusters/${clusterId}/nodes/${encodeURIComponent(node)}`);
  await page.getByRole('tab', { name: /^容器组/ }).click();
  await page.waitForURL(/[?&]tab=pods\b/);
  await page.reload();
  const podRow = page.getByRole('tabpanel').getByRole('row', { name: new RegExp(logPod.name) });
  await expectVisible(podRow, `${logPod.name} on the node's Pods tab after a reload`);
  if (!(await page.getByRole('tab', { name: /^容器组/, selected: true }).count())) throw new Error('the Pods tab is not the selected one after a reload');
  // the pod's age, as on the pod list (kubectl's AGE)
  const heads = (await page.getByRole('tabpanel').locator('.ant-table-thead th').allInnerTexts()).map((s) => s.trim());
  const ageAt = heads.indexOf('存活时间');
  if (ageAt < 0) throw new Error(`the node's Pods tab has no age column: ${JSON.stringify(heads)}`);
  const age = (await podRow.first().locator('td').nth(ageAt).innerText()).trim();
  if (!/^\d+[smhd]/.test(age)) throw new Error(`the age of ${logPod.name} on the node's Pods tab is "${age}"`);
  // the audit log's filters too
  await page.goto(`${BASE}/admin/audit`);
  await page.getByPlaceholder('操作').fill('cluster.import');
  await page.getByPlaceholder('操作').press('Enter');
  await page.waitForURL((u) => u.searchParams.get('action') === 'cluster.import');
  await page.reload();
  await expectVisible(page.locator('.ant-table-row'), 'audit rows after a reload');
  const actions = await page.locator('.ant-table-tbody .ant-table-row td:nth-child(4)').allInnerTexts();
  if (!actions.length || actions.some((a) => a.trim() !== 'cluster.import')) throw new Error(`after a reload the audit log shows ${JSON.stringify(actions)}`);
  if ((await page.getByPlaceholder('操作').inputValue()) !== 'cluster.import') throw new Error('after a reload the action box is empty');
});

await step('cordoned nodes: the whole "cordoned" tag, and a status filter for them (kept in the URL)', async () => {
  need(clusterId, 'an imported cluster');
  const workers = facts.nodes.filter((n) => !isMaster(n)).map((n) => n.metadata.name);
  const target = need(workers.at(-1), 'a worker');
  await kubectl('cordon', target);
  try {
    await until(`the API to see ${target} cordoned`, 30_000, async () => {
      const r = await apiOk(`/k8s/cluster/${clusterId}/nodes/${encodeURIComponent(target)}`);
      return r.node?.schedulable === false;
    });
    const row = page.getByRole('row', { name: new RegExp(`\\b${target}\\b`) });
    // the tag is shown whole, in both languages: nothing of it is clipped by its own box or overflows its cell
    const wholeTag = async (word) => {
      await page.goto(`${BASE}/clusters/${clusterId}/nodes`);
      const tag = row.locator('.ant-tag').filter({ hasText: new RegExp(`^${word}$`) });
      await expectVisible(tag, `the cordoned tag "${word}" of ${target}`);
      const fit = await tag.first().evaluate((el) => {
        const r = el.getBoundingClientRect();
        const cell = el.closest('td').getBoundingClientRect();
        return { scroll: el.scrollWidth, client: el.clientWidth, left: r.left, right: r.right, cellLeft: cell.left, cellRight: cell.right };
      });
      if (fit.scroll > fit.client || fit.right > fit.cellRight + 0.5 || fit.left < fit.cellLeft - 0.5) throw new Error(`the cordoned tag "${word}" is cut: ${JSON.stringify(fit)}`);
    };
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
    try {
      await wholeTag('Cordoned');
    } finally {
      await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    }
    await wholeTag('禁止调度（SchedulingDisabled）');
    // the status filter has a "cordoned" option; the rows are the nodes kubectl says are unschedulable
    const cordoned = (await kubectlJson('get', 'nodes')).items.filter((n) => n.spec.unschedulable).map((n) => n.metadata.name).sort();
    await page.locator('.ant-select').filter({ hasText: /^状态$/ }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: /^禁止调度（SchedulingDisabled）$/ }).click();
    await until('only cordoned nodes listed', 15_000, async (note) => {
      const got = (await tableNames()).sort();
      note(`URL ${page.url()}; rows ${got.join(' ')}; kubectl ${cordoned.join(' ')}`);
      return JSON.stringify(got) === JSON.stringify(cordoned) && urlParam('status') === 'cordoned';
    }, 300);
    await page.reload();
    await until('the cordoned filter after a reload', 15_000, async (note) => {
      const got = (await tableNames()).sort();
      note(`rows ${got.join(' ')}`);
      return JSON.stringify(got) === JSON.stringify(cordoned);
    }, 300);
    await shot('nodes-cordoned');
  } finally {
    await kubectl('uncordon', target);
  }
});

await step('workload logs use the namespace typed in its box without Enter', async () => {
  need(logPod, 'a running pod');
  const app = need(logPod.labels?.app, `an app label on ${logPod.name}`);
  const replicas = (await kubectlJson('-n', logPod.namespace, 'get', 'pods', '-l', `app=${app}`, '--field-selector=status.phase=Running')).items.map((p) => p.metadata.name);
  await page.goto(`${BASE}/clusters/${clusterId}/logs`);
  await page.getByPlaceholder('命名空间').fill(logPod.namespace);
  await page.getByPlaceholder(/标签选择器/).fill(`app=${app}`);
  await page.getByRole('button', { name: /查\s*看/ }).click();
  await until('the namespace and selector in the URL', 10_000, async (note) => {
    note(page.url());
    return urlParam('namespace') === logPod.namespace && urlParam('selector') === `app=${app}`;
  }, 200);
  for (const p of replicas) await expectVisible(page.locator('.ant-tag', { hasText: new RegExp(`^${p}$`) }), `source tag ${p}`, 30_000);
});

await step('the search page follows a new header search; a 5,000-character query does not widen the page', async () => {
  need(logPod, 'a running pod');
  await page.goto(`${BASE}/search?q=${encodeURIComponent(logPod.name)}`);
  await expectVisible(page.getByRole('row', { name: new RegExp(logPod.name) }), 'the first search result');
  const second = logPod.namespace;
  await page.getByTestId('global-pod-search').fill(second);
  await page.getByTestId('global-pod-search').press('Enter');
  await page.waitForURL((u) => u.searchParams.get('q') === second);
  await until('the search page box to show the new query', 10_000, async (note) => {
    const v = await page.getByTestId('pod-search').inputValue();
    note(v);
    return v === second;
  }, 200);
  const long = 'x'.repeat(5000);
  await page.goto(`${BASE}/search?q=${long}`);
  await expectVisible(page.getByTestId('pod-search'), 'the search page');
  await page.waitForLoadState('networkidle');
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: document.documentElement.clientWidth, body: document.body.scrollWidth }));
  if (widths.doc > widths.view || widths.body > widths.view) throw new Error(`a 5,000-character query widens the page: ${JSON.stringify(widths)}`);
  await expectVisible(page.getByTestId('search-too-long'), 'the "query too long" notice');
});

await step('wrong URLs: a 404 page, "cluster not found" without a burst of failing calls, an invalid cluster id', async () => {
  need(clusterId, 'an imported cluster');
  await page.goto(`${BASE}/nonexistent-${Date.now()}`);
  await expectVisible(page.getByTestId('not-found'), 'the 404 page');
  if (!/\/nonexistent-/.test(page.url())) throw new Error(`a wrong URL redirected to ${page.url()}`);
  await expectVisible(page.getByText('页面不存在'), '"页面不存在"');
  const failing = [];
  const onResponse = (r) => {
    if (r.url().includes('/api/v1/k8s/cluster/999') && r.status() >= 400) failing.push(`${r.status()} ${r.url()}`);
  };
  page.on('response', onResponse);
  try {
    await page.goto(`${BASE}/clusters/999`);
    await expectVisible(page.getByTestId('cluster-not-found'), 'the "cluster not found" page');
    await expectVisible(page.getByText('集群不存在'), '"集群不存在"');
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1500);
    const picker = page.getByTestId('cluster-switcher');
    if (await picker.count() && /\b999\b/.test(await picker.innerText())) throw new Error(`the cluster picker shows "${await picker.innerText()}"`);
    if (failing.length > 1) throw new Error(`${failing.length} failing calls for cluster 999: ${failing.join(', ')}`);
  } finally {
    page.off('response', onResponse);
  }
  const calls = [];
  const onRequest = (r) => r.url().includes('/api/v1/k8s/cluster/abc') && calls.push(r.url());
  page.on('request', onRequest);
  try {
    await page.goto(`${BASE}/clusters/abc/nodes`);
    await expectVisible(page.getByTestId('cluster-not-found'), 'the invalid cluster page');
    await expectVisible(page.getByText(/不是有效的集群/), 'an "invalid cluster id" message');
    if (await page.locator('.ant-table').count()) throw new Error('the node list is rendered around the error');
    if (calls.length) throw new Error(`calls for cluster "abc": ${calls.join(', ')}`);
  } finally {
    page.off('request', onRequest);
  }
});

await step('the sidebar highlights Pods on a pod page and Logs on its log page', async () => {
  need(logPod, 'a running pod');
  const selected = () => page.locator('.ant-layout-sider .ant-menu-item-selected').allInnerTexts();
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${logPod.namespace}/pods/${logPod.name}`);
  await until('Pods highlighted on the pod page', 10_000, async (note) => {
    const s = await selected();
    note(JSON.stringify(s));
    return JSON.stringify(s.map((x) => x.trim())) === '["容器组"]';
  }, 200);
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${logPod.namespace}/pods/${logPod.name}/logs`);
  await until('Logs highlighted on the log page', 10_000, async (note) => {
    const s = await selected();
    note(JSON.stringify(s));
    return JSON.stringify(s.map((x) => x.trim())) === '["日志"]';
  }, 200);
});

await step('the pod delete dialog promises a replacement only for a pod with a controller', async () => {
  need(clusterId, 'an imported cluster');
  const bare = `bare-${Date.now().toString(36)}`;
  await kubectl('-n', pagingNs, 'run', bare, '--image=busybox:1.32', '--restart=Never');
  await until(`${bare} in the API`, 30_000, async () => (await api(`/k8s/cluster/${clusterId}/namespaces/${pagingNs}/pods/${bare}`)).status === 200);
  const body = async (name) => {
    await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${pagingNs}/pods/${name}`);
    await page.getByRole('button', { name: /删\s*除/ }).click();
    const dialog = page.locator('.ant-modal').last();
    await expectVisible(dialog.getByText(new RegExp(`${pagingNs}/${name}`)), 'the pod in the confirmation');
    const text = await dialog.locator('.ant-modal-body').innerText();
    await dialog.getByRole('button', { name: /取\s*消/ }).click();
    return text;
  };
  const bareText = await body(bare);
  if (/新的副本|替代|replacement/.test(bareText)) throw new Error(`the dialog of a pod without a controller promises a replacement: ${bareText}`);
  const owned = (await apiPage1()).find((n) => n.startsWith('pager-'));
  const ownedText = await body(need(owned, 'a pager pod'));
  if (!/ReplicaSet\/pager-/.test(ownedText) || !/新的副本/.test(ownedText)) throw new Error(`the dialog of a ReplicaSet pod does not name its controller and its replacement: ${ownedText}`);
  async function apiPage1() {
    return (await apiOk(`/k8s/cluster/${clusterId}/pods?namespace=${pagingNs}&page_size=5&sort=name`)).items.map((x) => x.name);
  }
});

// A node with hundreds of pods (issue 19, bug 3): the detail answers counts, not pods; the Pods tab shows one
// page from the server and pages; the drain dry run shows the refusals counted per reason, not a huge banner.
await step('a node with 300 pods: counts in the detail, one page in its Pods tab, paging; the drain dry run summarised per reason (issue 19)', async () => {
  need(clusterId, 'an imported cluster');
  const env = Object.fromEntries(
    readFileSync(join(TESTBED, 'testbed.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^"|"$/g, '')]),
  );
  const sim = need(env.SIM_CONTROL_URL, 'SIM_CONTROL_URL in testbed.env');
  const node = `e2e-crowd-${Date.now().toString(36)}`;
  const ns = node;
  const BARE = 300;
  const taint = { key: 'kubedeck.test/node', value: node, effect: 'NoSchedule' };
  const added = await fetch(`${sim}/nodes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: node, role: 'worker', labels: { 'kubedeck.test/node': node }, taints: [taint] }) });
  if (!added.ok) throw new Error(`the simulator did not add ${node}: HTTP ${added.status} ${await added.text()}`);
  const file = join(mkdtempSync(join(tmpdir(), 'kd-e2e-')), 'crowd.json');
  try {
    await kubectl('create', 'namespace', ns);
    // bare pods bound to the node: kubectl drain refuses them without --force
    const items = Array.from({ length: BARE }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `bare-${String(i).padStart(3, '0')}`, namespace: ns },
      spec: { nodeName: node, tolerations: [{ ...taint, operator: 'Equal' }], containers: [{ name: 'c', image: 'busybox:1.32' }] },
    }));
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    await kubectl('create', '-f', file);
    const onNode = async () => (await kubectlJson('get', 'pods', '-A', `--field-selector=spec.nodeName=${node}`)).items;
    await until(`${BARE} pods of ${ns} in the API`, 120_000, async (note) => {
      const r = await apiOk(`/k8s/cluster/${clusterId}/pods?node=${node}&namespace=${ns}&page_size=1`);
      note(`total ${r.total}`);
      return r.total === BARE;
    }, 1000);
    // the detail: counts equal to kubectl's, no pod list
    const kubectlPods = await onNode();
    const detail = await apiOk(`/k8s/cluster/${clusterId}/nodes/${node}`);
    if ('pods' in detail) throw new Error(`the node detail still lists pods (${JSON.stringify(detail).length} bytes)`);
    if (detail.pod_counts?.total !== kubectlPods.length) throw new Error(`the detail counts ${detail.pod_counts?.total} pods, kubectl lists ${kubectlPods.length} on ${node}`);
    // the Pods tab: one page of 20 rows, the API's first page by name; the detail the page fetched has no pods
    const detailSeen = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/k8s/cluster/${clusterId}/nodes/${node}`);
    const t0 = Date.now();
    await page.goto(`${BASE}/clusters/${clusterId}/nodes/${node}?tab=pods&sort=name&page_size=20`);
    const body = await (await detailSeen).json();
    if ('pods' in body) throw new Error('the node page downloaded the pod list with the detail');
    const rows = page.getByTestId('node-pods').locator('.ant-table-tbody .ant-table-row');
    const apiPage = async (p) => (await apiOk(`/k8s/cluster/${clusterId}/pods?node=${node}&sort=name&page=${p}&page_size=20`)).items.map((x) => x.name);
    const shows = async (p, what) => {
      const want = await apiPage(p);
      await until(`${what}: the 20 rows of page ${p}`, 20_000, async (note) => {
        const got = (await rows.locator('td:first-child').allInnerTexts()).map((s) => s.trim());
        note(`URL ${page.url()}; ${got.length} rows: ${got.slice(0, 3).join(' ')}…`);
        return got.length === 20 && JSON.stringify(got) === JSON.stringify(want) && (urlParam('page') ?? '1') === String(p);
      }, 300);
      return want;
    };
    const first = await shows(1, 'the Pods tab');
    console.log(`     node with ${kubectlPods.length} pods: Pods tab's first page shown ${Date.now() - t0} ms after navigation`);
    const tabLabel = await page.getByRole('tab', { name: /^容器组/ }).innerText();
    if (!tabLabel.includes(String(kubectlPods.length))) throw new Error(`the Pods tab says "${tabLabel}", kubectl lists ${kubectlPods.length} pods`);
    const requested = page.waitForRequest((r) => r.url().includes(`/k8s/cluster/${clusterId}/pods?`) && new URL(r.url()).searchParams.get('page') === '2' && new URL(r.url()).searchParams.get('node') === node);
    await page.getByTestId('node-pods').locator('.ant-pagination-item-2').click();
    await requested;
    const second = await shows(2, 'after clicking page 2');
    if (second.some((n) => first.includes(n))) throw new Error(`page 2 repeats rows of page 1: ${second.join(' ')}`);
    // the drain dry run: refused, shown as counts per reason and a paged table, never the server's message
    await page.getByRole('button', { name: /排\s*空/ }).first().click();
    await page.getByTestId('drain-preview').click();
    const modal = page.locator('.ant-modal').last();
    await expectVisible(modal.getByTestId('drain-summary'), 'the drain summary');
    const reason = modal.getByTestId('drain-reason-unmanaged_blocks');
    await expectVisible(reason, 'the count of pods without a controller');
    const reasonText = await reason.innerText();
    if (!reasonText.includes(BARE.toLocaleString('en-US')) && !reasonText.includes(String(BARE))) throw new Error(`the summary says "${reasonText}", ${BARE} bare pods block the drain`);
    if (!/没有控制器/.test(reasonText)) throw new Error(`the reason is not in Chinese: "${reasonText}"`);
    const text = await modal.innerText();
    if (text.length > 6000) throw new Error(`the drain dialog holds ${text.length} characters of text`);
    if (/was not drained|block it/.test(text)) throw new Error(`the dialog shows the server's English message: ${text.slice(0, 300)}`);
    const planRows = await modal.getByTestId('drain-plan').locator('.ant-table-tbody .ant-table-row').count();
    if (planRows !== 10) throw new Error(`the plan table renders ${planRows} rows, not one page of 10`);
    await shot('drain-blocked-summary');
    await modal.locator('.ant-modal-footer').getByRole('button', { name: /取\s*消|Cancel/ }).click();
    await modal.waitFor({ state: 'hidden', timeout: 10_000 });
    if ((await kubectlJson('get', 'node', node)).spec.unschedulable) throw new Error(`a dry run cordoned ${node}`);
  } finally {
    rmSync(file, { force: true });
    await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found').catch(() => undefined);
    await fetch(`${sim}/nodes/${node}`, { method: 'DELETE' }).catch(() => undefined);
    await kubectl('delete', 'node', node, '--wait=false', '--ignore-not-found').catch(() => undefined);
  }
});

await step('clean up the paging namespace', async () => {
  await kubectl('delete', 'namespace', pagingNs, '--wait=false', '--ignore-not-found');
});

await step('follow a pod log: a line the container writes after the page opened shows up', async () => {
  need(logPod, 'a running pod');
  const { namespace: ns, name } = logPod;
  const opened = Date.now();
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${ns}/pods/${name}/logs`);
  await expectVisible(page.getByTestId('log-view'), 'log view');
  await expectVisible(page.getByTestId('log-state').filter({ hasText: /跟踪中|Following/ }), 'the stream state "following"', 30_000);
  // the simulated containers stamp each line with the time they write it: wait for one written 2 s after the page
  // opened, which only the live stream can have brought
  const fresh = await until('a line written after the page opened', 30_000, async (note) => {
    const texts = (await page.locator('.kd-log-line').allInnerTexts()).map((t) => t.trim());
    note(`${texts.length} lines shown, last: ${texts.at(-1) ?? '-'}; state ${await page.getByTestId('log-state').innerText()}`);
    return texts.find((t) => Date.parse(t.split(' ')[0]) >= opened + 2000);
  }, 500);
  // it is the container's own line: kubectl logs has exactly this line
  const klogs = (await kubectl('-n', ns, 'logs', name, '--since=10m')).split('\n');
  if (!klogs.includes(fresh)) throw new Error(`the streamed line is not in kubectl logs: ${fresh}`);
  // and lines keep arriving (the demo workloads log every second)
  const kept = () => page.getByTestId('log-count').getAttribute('data-lines').then(Number);
  const before = await kept();
  await until('more followed lines', 10_000, async (note) => {
    const now = await kept();
    note(`${before} lines, then ${now}`);
    return now > before;
  }, 500);
  console.log(`     streamed: ${fresh}`);
  await shot('pod-logs');
  // search highlights and counts matches
  await page.getByTestId('log-search').fill('GET');
  await expectVisible(page.locator('.kd-log mark'), 'highlighted match');
  const marked = await page.locator('.kd-log mark').first().innerText();
  if (marked !== 'GET') throw new Error(`the highlight marks "${marked}", not "GET"`);
});

await step('merged logs of a workload (every replica streams), and finding a pod across clusters', async () => {
  need(logPod, 'a running pod');
  const app = need(logPod.labels?.app, `an app label on ${logPod.name}`);
  const replicas = (await kubectlJson('-n', logPod.namespace, 'get', 'pods', '-l', `app=${app}`, '--field-selector=status.phase=Running')).items.map((p) => p.metadata.name);
  if (replicas.length < 2) throw new Error(`kubectl lists ${replicas.length} running ${app} pod(s): a merged view needs two`);
  await page.goto(`${BASE}/clusters/${clusterId}/logs?namespace=${logPod.namespace}&selector=${encodeURIComponent(`app=${app}`)}`);
  await expectVisible(page.locator('.kd-log-line'), 'merged lines', 30_000);
  // the pods merged are the replicas kubectl lists
  for (const p of replicas) await expectVisible(page.locator('.ant-tag', { hasText: new RegExp(`^${p}$`) }), `source tag ${p}`);
  // lines of more than one pod, and followed lines keep arriving
  await until('lines of two pods in the merged view', 20_000, async (note) => {
    const texts = await page.locator('.kd-log-line').allInnerTexts();
    const seen = new Set(texts.map((t) => /pod=(\S+)/.exec(t)?.[1]).filter(Boolean));
    note([...seen].join(', '));
    return seen.size >= 2;
  }, 500);
  const kept = () => page.getByTestId('log-count').getAttribute('data-lines').then(Number);
  const before = await kept();
  await until('followed lines in the merged view', 10_000, async () => (await kept()) > before, 500);
  await shot('merged-logs');
  await page.getByTestId('global-pod-search').fill(logPod.name);
  await page.getByTestId('global-pod-search').press('Enter');
  await page.waitForURL(/\/search\?q=/);
  const row = page.getByRole('row', { name: new RegExp(logPod.name) });
  await expectVisible(row, 'search result');
  const text = squash(await row.first().innerText());
  for (const want of [clusterName, logPod.namespace, logPod.name]) if (!text.includes(want)) throw new Error(`the search result row lacks "${want}": ${text}`);
  await shot('pod-search');
});

let deletedPod = null;
await step('delete a Deployment pod from its detail page: it leaves the list and the cluster, a new one replaces it', async () => {
  need(logPod, 'a running pod');
  if (!logPod.owner_type) throw new Error(`pod ${logPod.name} has no controller`);
  const { namespace: ns, name } = logPod;
  const app = logPod.labels.app;
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${ns}/pods/${name}`);
  await page.getByRole('button', { name: /删\s*除|Delete/ }).click();
  const dialog = page.locator('.ant-modal').last();
  await expectVisible(dialog.getByText(new RegExp(`${ns}/${name}`)), 'pod named in the confirmation');
  const answer = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().includes(`/namespaces/${ns}/pods/${name}`));
  await dialog.locator('.ant-btn-dangerous').click();
  const res = await answer;
  if (res.status() !== 202) throw new Error(`DELETE ${name}: HTTP ${res.status()} ${await res.text()}`);
  deletedPod = { ns, name };
  await expectVisible(page.locator('.ant-message-success').getByText(name), 'the "deleted" message');
  await page.waitForURL(new RegExp(`/clusters/${clusterId}/pods$`));
  // gone from the cluster
  await until(`kubectl to no longer find ${ns}/${name}`, 60_000, async (note) => {
    const out = (await kubectl('-n', ns, 'get', 'pod', name, '--ignore-not-found', '-o', 'name')).trim();
    note(out);
    return out === '';
  });
  // gone from the console's list (filtered by its name; the list has a loaded, empty table)
  await page.goto(`${BASE}/clusters/${clusterId}/pods?namespace=${ns}&name=${name}`);
  await until(`${name} to leave the pod list`, 30_000, async (note) => {
    await page.locator('.ant-table-tbody').first().waitFor({ state: 'visible' });
    const header = squash(await page.getByText(/^共 \d+ 个容器组$/).first().innerText());
    const rows = await page.getByRole('row', { name: new RegExp(name) }).count();
    note(`${header}, ${rows} row(s) named ${name}`);
    if (rows === 0 && header === '共0个容器组' && (await page.locator('.ant-table-placeholder').count())) return true;
    await page.reload();
    return false;
  }, 2000);
  // the Deployment replaces it
  await until(`a new running ${app} pod`, 60_000, async (note) => {
    const pods = (await kubectlJson('-n', ns, 'get', 'pods', '-l', `app=${app}`)).items;
    const ready = pods.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
    note(ready.map((p) => p.metadata.name).join(', '));
    const want = (await kubectlJson('-n', ns, 'get', 'deployment', app)).spec.replicas;
    return ready.length === want && !ready.some((p) => p.metadata.name === name);
  }, 2000);
});

let drained = null;
// the task the console's drain starts (its POST answers 202 with the task id), for the task history step
let drainTaskId = null;
page.on('response', async (r) => {
  if (r.request().method() === 'POST' && /\/nodes\/[^/]+\/drain$/.test(new URL(r.url()).pathname) && r.status() === 202) {
    drainTaskId = (await r.json().catch(() => null))?.task_id ?? drainTaskId;
  }
});
await step('drain a worker with a dry-run preview (the plan matches the node\'s pods), then watch progress', async () => {
  need(clusterId, 'an imported cluster');
  // other tests may have left pods that block a drain on some worker: take the first worker whose dry run passes
  const nodes = await apiOk(`/k8s/cluster/${clusterId}/nodes?role=worker&page_size=100`);
  const refusals = [];
  for (const n of nodes.items ?? []) {
    if (!n.schedulable) continue;
    const plan = await api(`/k8s/cluster/${clusterId}/nodes/${encodeURIComponent(n.name)}/drain`, {
      method: 'POST',
      body: JSON.stringify({ ignore_daemonsets: true, delete_emptydir_data: false, force: false, dry_run: true }),
    });
    if (plan.status === 200) {
      drained = n.name;
      break;
    }
    if (plan.status !== 422) throw new Error(`dry-run drain of ${n.name}: HTTP ${plan.status} ${JSON.stringify(plan.body).slice(0, 300)}`);
    refusals.push(`${n.name}: ${plan.body?.message ?? plan.status}`);
  }
  if (!drained) throw new Error(`no worker can be drained with the default options (${refusals.join('; ') || 'no schedulable worker'})`);
  const target = drained;
  // What `kubectl drain` evicts or deletes: every pod bound to the node (terminating and finished ones too) but
  // DaemonSet and mirror pods.
  const onNode = async () =>
    (await kubectlJson('get', 'pods', '-A', `--field-selector=spec.nodeName=${target}`)).items.filter(
      (p) => !(p.metadata.annotations ?? {})['kubernetes.io/config.mirror'],
    );
  const isDaemon = (p) => (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
  const evictable = (await onNode()).filter((p) => !isDaemon(p)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  await page.goto(`${BASE}/clusters/${clusterId}/nodes`);
  await page.getByTestId(`drain-${target}`).click();
  await page.getByTestId('drain-preview').click();
  const modal = page.locator('.ant-modal').last();
  // the preview or an error, whatever it says ("not found" included), which fails the step. The dry run lists the
  // node's pods live; right after the paging step's 300 pods were deleted the API server is busy, and CI once took
  // longer than the default 20 s here: allow a minute, and say how long it took.
  const previewAsked = Date.now();
  await expectVisible(modal.locator('.ant-alert-error').or(modal.getByText(/^将驱逐 \d+ 个容器组/)), 'the dry-run preview', 60_000);
  console.log(`     drain preview of ${target} shown ${Date.now() - previewAsked} ms after the click`);
  if (await modal.locator('.ant-alert-error').count()) throw new Error(`drain preview failed: ${await modal.locator('.ant-alert-error').first().innerText()}`);
  const title = await modal.getByText(/^将驱逐 \d+ 个容器组/).first().innerText();
  const count = Number(/将驱逐 (\d+)/.exec(title)[1]);
  // Earlier steps' workloads may still be scheduling or terminating pods: kubectl's answer just before and just
  // after the preview bracket it, and the preview must equal one of them.
  const evictableAfter = (await onNode()).filter((p) => !isDaemon(p)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  if (count !== evictable.length && count !== evictableAfter.length)
    throw new Error(
      `the preview evicts ${count} pods; kubectl lists ${evictable.length} non-DaemonSet pods on ${target} before it (${evictable.join(', ')}) and ${evictableAfter.length} after (${evictableAfter.join(', ')})`,
    );
  const steady = evictable.filter((p) => evictableAfter.includes(p));
  if (steady.length <= 10) {
    for (const p of steady) await expectVisible(modal.getByRole('row', { name: new RegExp(p.split('/')[1]) }), `pod ${p} in the plan`);
  }
  await shot('drain-preview');
  await page.getByTestId('drain-confirm').click();
  const state = modal.locator('.ant-tag').filter({ hasText: /^(等待中|进行中|已完成|失败|已取消|已中断)$/ });
  await expectVisible(state, 'task state', 60_000);
  await expectVisible(modal.locator('.ant-tag').filter({ hasText: /^(已完成|失败|已取消|已中断)$/ }), 'drain finished', 120_000);
  await shot('drain-progress');
  const ended = await state.first().innerText();
  if (ended !== '已完成') throw new Error(`drain task ended as ${ended}`);
  // the cluster agrees: cordoned, and only DaemonSet pods left on the node
  const node = await kubectlJson('get', 'node', target);
  if (!node.spec.unschedulable) throw new Error(`kubectl: ${target} is not cordoned after the drain`);
  await until(`only DaemonSet pods on ${target}`, 60_000, async (note) => {
    const left = (await onNode()).filter((p) => !isDaemon(p)).map((p) => p.metadata.name);
    note(left.join(', '));
    return left.length === 0;
  }, 2000);
  await modal.locator('.ant-modal-footer').getByRole('button', { name: /关\s*闭|Close/ }).click();
  await modal.waitFor({ state: 'hidden', timeout: 10_000 });
  // leave the node schedulable again, through the console
  const row = page.getByRole('row', { name: new RegExp(`^${target}\\b|\\s${target}\\s`) });
  await expectVisible(row.getByText(/禁止调度|Cordoned/), 'cordoned tag');
  await row.locator('button:has(.anticon-play-circle)').click();
  await row.getByText(/禁止调度|Cordoned/).waitFor({ state: 'detached', timeout: 30_000 });
  if ((await kubectlJson('get', 'node', target)).spec.unschedulable) throw new Error(`kubectl: ${target} is still cordoned after uncordon`);
});

await step("the task history: the drain's task page shows who drained which node and every pod's progress (issue 19)", async () => {
  const target = need(drained, 'a node drained by this run');
  const id = need(drainTaskId, "the drain's task id (from its 202 answer)");
  const task = await apiOk(`/tasks/${id}`);
  const pods = task.progress?.pods ?? [];
  if (task.target !== target || task.status !== 'succeeded') throw new Error(`task ${id} is ${task.status} on ${task.target}, not a finished drain of ${target}`);
  // the sidebar has a Tasks entry
  await page.goto(`${BASE}/clusters/${clusterId}`);
  await page.getByRole('menuitem', { name: /任务记录/ }).click();
  await page.waitForURL(/\/tasks$/);
  await page.goto(`${BASE}/tasks/${id}`);
  await expectVisible(page.getByText(`任务 #${id}`), 'the task title');
  // the cluster's name arrives with its own request, after the task's: wait for it as an operator would
  const facts = async () => squash(await page.getByTestId('task-facts').innerText());
  await until('the task facts naming the cluster', 10_000, async () => (await facts()).includes(squash(clusterName)), 200);
  const text = await facts();
  for (const want of ['排空节点', 'node.drain', '已完成', clusterName, target, USER]) {
    if (!text.includes(squash(want))) throw new Error(`the task page lacks "${want}": ${text}`);
  }
  // one row per pod the drain evicted, with its state; kubectl no longer finds any of them on the node
  const rows = page.getByTestId('task-pods').locator('.ant-table-tbody .ant-table-row');
  await until(`${pods.length} pod rows`, 10_000, async () => (await rows.count()) === pods.length, 300);
  const stillThere = new Set((await kubectlJson('get', 'pods', '-A', `--field-selector=spec.nodeName=${target}`)).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
  const stateZh = { evicted: '已驱逐', deleted: '已删除' };
  for (const p of pods) {
    if (!stateZh[p.state]) throw new Error(`pod ${p.namespace}/${p.name} ended as ${p.state} in a succeeded drain`);
    const row = page.getByTestId('task-pods').getByRole('row', { name: new RegExp(`\\b${p.name}\\b`) });
    await expectVisible(row.locator('.ant-tag').filter({ hasText: new RegExp(`^${stateZh[p.state]}$`) }), `pod ${p.namespace}/${p.name} ${p.state}`);
    if (stillThere.has(`${p.namespace}/${p.name}`)) throw new Error(`kubectl still finds ${p.namespace}/${p.name} on ${target}`);
  }
  if (await page.getByTestId('task-cancel').count()) throw new Error('a finished task offers Cancel');
  await shot('task-drain');
});

// ---- metrics (issue 16): a Deployment whose usage the simulator is told, for the Top and chart steps at the end ------
// Its two pods run from here to the end of the run (after the drain, so nothing evicts them), long enough for the
// collector's pod history (a sample a minute, rates from two samples) without a step waiting for it. Each container
// uses exactly the CPU the simulator's control API sets (PUT /pods/{ns}/{name}/cpu), so every figure below is known:
// the first pod 250m + 250m = 500m, receiving 50 KiB/s and sending 20 KiB/s; the second 125m + 125m = 250m, its
// sidecar crashed once (one restart). Memory follows the simulator's wave: it is compared with kubectl top.
const metricsNs = `e2e-podm-${Date.now().toString(36)}`;
let metricsPods = null; // [{ name, millicores (per container), restarts }]
function testbedEnv() {
  return Object.fromEntries(
    readFileSync(join(TESTBED, 'testbed.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^"|"$/g, '')]),
  );
}
/** A call to the testbed simulator's control API (testbed/README.md) that must succeed. */
async function simCall(method, path, body) {
  const sim = need(testbedEnv().SIM_CONTROL_URL, 'SIM_CONTROL_URL in testbed.env');
  const r = await fetch(`${sim}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`simulator ${method} ${path}: HTTP ${r.status} ${await r.text()}`);
}
/** `kubectl top pods|nodes` as { name: { cpu (millicores), memory (MiB) } } (through the cluster's metrics API). */
async function kubectlTop(...args) {
  const out = await kubectl('top', ...args, '--no-headers');
  const rows = {};
  for (const line of out.split('\n').filter((l) => l.trim())) {
    const [name, cpu, ...rest] = line.trim().split(/\s+/);
    const memory = rest.find((c) => /Mi$/.test(c));
    rows[name] = { cpu: Number(cpu.replace(/m$/, '')), memory: Number(String(memory).replace(/Mi$/, '')) };
  }
  return rows;
}
/** kubectl apply of one object (given as an object). */
async function applyObject(obj) {
  const file = join(mkdtempSync(join(tmpdir(), 'kd-e2e-')), 'object.json');
  writeFileSync(file, JSON.stringify(obj));
  try {
    return await kubectl('apply', '-f', file);
  } finally {
    rmSync(file, { force: true });
  }
}
const RX = 51200;
const TX = 20480;
await step('metrics: a Deployment of two pods whose CPU, network and restarts the simulator is told (kubectl sees them running)', async () => {
  need(clusterId, 'an imported cluster');
  await kubectl('create', 'namespace', metricsNs);
  await until("the namespace's default ServiceAccount", 60_000, async () => (await kubectl('-n', metricsNs, 'get', 'serviceaccount', 'default', '--ignore-not-found')).trim() !== '');
  await applyObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'charts', namespace: metricsNs },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'charts' } },
        template: {
          metadata: { labels: { app: 'charts' } },
          spec: {
            containers: [
              { name: 'app', image: 'nginx:1.19', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
              { name: 'sidecar', image: 'busybox:1.32', resources: { requests: { cpu: '50m', memory: '32Mi' } } },
            ],
          },
        },
      },
    });
  const names = await until('two running pods of the Deployment', 120_000, async (note) => {
    const pods = (await kubectlJson('-n', metricsNs, 'get', 'pods', '-l', 'app=charts')).items;
    const running = pods.filter((p) => p.status.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running));
    note(pods.map((p) => `${p.metadata.name} ${p.status.phase}`).join(', '));
    return pods.length === 2 && running.length === 2 && running.map((p) => p.metadata.name).sort();
  });
  const [a, b] = names;
  await simCall('PUT', `/pods/${metricsNs}/${a}/cpu`, { millicores: 250 });
  await simCall('PUT', `/pods/${metricsNs}/${b}/cpu`, { millicores: 125 });
  await simCall('PUT', `/pods/${metricsNs}/${a}/network`, { rxBytesPerSecond: RX, txBytesPerSecond: TX });
  await simCall('POST', `/pods/${metricsNs}/${b}/crash`, { container: 'sidecar' });
  metricsPods = [
    { name: a, millicores: 250, restarts: 0 },
    { name: b, millicores: 125, restarts: 1 },
  ];
});

await step('admin: users and the audit rows of what this test just did', async () => {
  await page.goto(`${BASE}/admin/users`);
  const adminRow = page.getByRole('row', { name: new RegExp(`\\b${USER}\\b`) });
  await expectVisible(adminRow, 'admin row');
  await expectVisible(adminRow.getByText('平台管理员'), 'the admin\'s platform-admin role');
  await expectVisible(adminRow.getByText('正常'), 'the admin is active');
  await shot('users');
  await page.goto(`${BASE}/admin/audit`);
  await expectVisible(page.locator('.ant-table-row'), 'audit rows');
  // the pod deletion this run made: who, what, which object, the outcome and the HTTP status
  const { ns, name } = need(deletedPod, 'a pod deleted by this run');
  await page.getByPlaceholder('操作').fill('pod.delete');
  await page.getByPlaceholder('操作').press('Enter');
  const row = page.getByRole('row', { name: new RegExp(`pods/${name}`) });
  await expectVisible(row, `the audit row of deleting ${name}`);
  const text = squash(await row.first().innerText());
  for (const want of [USER, 'pod.delete', `${clusterName}/${ns}/pods/${name}`, '成功202', `DELETE/api/v1/k8s/cluster/${clusterId}/namespaces/${ns}/pods/${name}`]) {
    if (!text.includes(squash(want))) throw new Error(`the audit row lacks "${want}": ${text}`);
  }
  // every row the filter left is a pod.delete
  const actions = await page.locator('.ant-table-tbody .ant-table-row td:nth-child(4)').allInnerTexts();
  if (!actions.length || actions.some((a) => a.trim() !== 'pod.delete')) throw new Error(`the action filter shows ${JSON.stringify(actions)}`);
  await shot('audit');
  // and the drain
  const target = need(drained, 'a node drained by this run');
  await page.getByPlaceholder('操作').fill('node.drain');
  await page.getByPlaceholder('操作').press('Enter');
  const drainRow = page.locator('.ant-table-tbody .ant-table-row').filter({ has: page.locator('td:nth-child(4)', { hasText: /^node\.drain$/ }) }).filter({ hasText: `nodes/${target}` });
  await expectVisible(drainRow, `the audit row of draining ${target}`);
});

const viewer = { name: `e2e-viewer-${Date.now().toString(36)}`, password: 'Viewer-initial-1', changed: 'Viewer-changed-22' };
/** Runs `fn` logged in as the viewer an earlier step created (its password changed or not yet), then as the admin again. */
async function loggedInAsViewer(fn) {
  try {
    await page.evaluate(() => localStorage.removeItem('kubedeck.session'));
    await login(viewer.name, viewer.changed);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 5000 }).catch(async () => {
      await login(viewer.name, viewer.password);
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      if (page.url().includes('/change-password')) {
        await page.locator('#new-password').fill(viewer.changed);
        await page.locator('#confirm-password').fill(viewer.changed);
        await page.getByTestId('password-submit').click();
        await page.waitForURL(/\/clusters/);
      }
    });
    await fn();
  } finally {
    await page.evaluate(() => localStorage.removeItem('kubedeck.session'));
    await login(USER, password);
    await page.waitForURL(/\/clusters/);
  }
}
await step('admin creates a viewer and grants the viewer role', async () => {
  await page.goto(`${BASE}/admin/users`);
  await page.getByTestId('create-user').click();
  const modal = page.locator('.ant-modal').last();
  await modal.locator('#username').fill(viewer.name);
  await modal.locator('#display_name').fill('E2E viewer');
  await modal.locator('#password').fill(viewer.password);
  await modal.locator('.ant-btn-primary').click();
  await expectVisible(page.getByRole('row', { name: new RegExp(viewer.name) }), 'new user row');
  await page.getByTestId(`roles-${viewer.name}`).click();
  const roles = page.locator('.ant-modal').last();
  await roles.getByTestId('add-binding').click();
  // The new binding row (role viewer) must be in the form before saving, or an empty list is saved.
  await expectVisible(roles.locator('.ant-select-selection-item', { hasText: /只读用户|Viewer/ }), 'the new viewer binding row');
  const saved = page.waitForResponse((r) => r.url().endsWith('/bindings') && r.request().method() === 'PUT', { timeout: SLOW });
  await roles.locator('.ant-btn-primary').click();
  const answer = await saved;
  if (answer.status() !== 200) throw new Error(`saving the bindings answered HTTP ${answer.status()}: ${await answer.text()}`);
  await expectVisible(page.getByRole('row', { name: new RegExp(`${viewer.name}.*(只读用户|Viewer)`) }), 'viewer role tag');
  const users = await apiOk(`/users?page=1&page_size=200`);
  const u = (users.items ?? []).find((x) => x.username === viewer.name);
  if (!u) throw new Error(`the API does not list ${viewer.name}`);
  if (JSON.stringify(u.bindings?.map((b) => b.role)) !== '["viewer"]') throw new Error(`${viewer.name} has bindings ${JSON.stringify(u.bindings)}`);
});

await step('a viewer sees the clusters but no write actions, and a clear forbidden message', async () => {
  need(clusterId, 'an imported cluster');
  try {
    await asViewer();
  } finally {
    // back to the admin, whatever happened, so later steps do not run as the viewer
    await page.evaluate(() => localStorage.removeItem('kubedeck.session'));
    await login(USER, password);
    await page.waitForURL(/\/clusters/);
    const me = await apiOk('/auth/me');
    if (me.username !== USER) throw new Error(`back as ${me.username}, not ${USER}`);
  }
});
async function asViewer() {
  await page.evaluate(() => localStorage.removeItem('kubedeck.session'));
  await login(viewer.name, viewer.password);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  if (page.url().includes('/change-password')) {
    await page.locator('#new-password').fill(viewer.changed);
    await page.locator('#confirm-password').fill(viewer.changed);
    await page.getByTestId('password-submit').click();
    await page.waitForURL(/\/clusters/);
  }
  // what the viewer may see is there (so the absence checks below look at a rendered page)
  await expectVisible(page.getByRole('row', { name: new RegExp(clusterName) }), `the viewer sees ${clusterName}`);
  await expectVisible(page.getByRole('menuitem', { name: /集群管理/ }), 'the menu');
  if (await page.getByTestId('import-cluster').count()) throw new Error('a viewer sees the import button');
  if (await page.locator('[data-testid^="delete-"]').count()) throw new Error('a viewer sees delete buttons');
  if (await page.getByRole('menuitem', { name: /用户|Users/ }).count()) throw new Error('a viewer sees the users menu');
  await page.goto(`${BASE}/clusters/${clusterId}`);
  await expectVisible(page.getByText(clusterName), 'the overview for the viewer');
  await expectVisible(page.locator('.ant-statistic-title', { hasText: /^就绪节点$/ }), 'the overview statistics');
  for (const b of [/立即同步|Sync now/, /编\s*辑|Edit/, /删\s*除|Delete/]) {
    if (await page.getByRole('button', { name: b }).count()) throw new Error(`a viewer sees the ${b} button on the overview`);
  }
  const denied = await api('/users?page=1&page_size=1');
  if (denied.status !== 403) throw new Error(`GET /users as a viewer: HTTP ${denied.status}, not 403`);
  await page.goto(`${BASE}/admin/users`);
  await expectVisible(page.getByText('您没有执行此操作的权限'), 'forbidden message');
  if (await page.getByRole('row', { name: new RegExp(`\\b${USER}\\b`) }).count()) throw new Error('a viewer sees the user list');
  await shot('viewer-forbidden');
  // importing is not for a viewer: no button on the getting-started page either, and a clear page at its URL
  await page.goto(`${BASE}/getting-started`);
  await expectVisible(page.getByTestId('getting-started'), 'the getting-started page');
  if (await page.getByTestId('import-cluster').count()) throw new Error('a viewer sees the import button on the getting-started page');
  await page.goto(`${BASE}/clusters/import`);
  await expectVisible(page.getByTestId('import-forbidden').getByText('您没有导入集群的权限', { exact: true }), 'the no-permission page at /clusters/import');
  if (await page.locator('textarea, .ant-upload').count()) throw new Error('a viewer gets the import form');
}

await step('in Chinese, server errors read as Chinese sentences, never the server\'s English message (issue 19)', async () => {
  need(clusterId, 'an imported cluster');
  need(firstNode, 'a worker node');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  /** `locator` shows `want` (the Chinese sentence) for the error `res` answered, and not the server's English `message`. */
  const saysInChinese = async (what, res, locator, want) => {
    const body = await res.json().catch(() => null);
    if (!body?.code || !body?.message) throw new Error(`${what}: the answer has no error body: HTTP ${res.status()} ${JSON.stringify(body).slice(0, 200)}`);
    await expectVisible(locator, `${what}: the error`);
    const text = (await locator.first().innerText()).trim();
    if (text.includes(body.message)) throw new Error(`${what}: shows the server's English message "${body.message}": "${text}"`);
    if (!want.test(text)) throw new Error(`${what} (${body.code}): shows "${text}", not ${want}`);
    return body;
  };
  const errorAnswer = (pathPart, status) => (r) => r.url().includes(pathPart) && r.status() === status;

  // a wrong password at login (an unknown user, so no account here gets locked out)
  const session = await page.evaluate(() => localStorage.getItem('kubedeck.session'));
  try {
    await page.evaluate(() => localStorage.removeItem('kubedeck.session'));
    const answered = page.waitForResponse(errorAnswer('/api/v1/auth/login', 401));
    await login(`e2e-nobody-${Date.now().toString(36)}`, 'not-the-password-1');
    const body = await saysInChinese('a wrong password', await answered, page.getByTestId('login-error'), /^用户名或密码错误$/);
    if (body.code !== 'invalid_credentials') throw new Error(`a wrong password answers ${body.code}, not invalid_credentials`);
  } finally {
    await page.evaluate((s) => s && localStorage.setItem('kubedeck.session', s), session);
  }

  // an invalid label selector in the pod list filter
  await page.goto(`${BASE}/clusters/${clusterId}/pods`);
  const selectorBox = page.getByPlaceholder(/^标签选择器/);
  await expectVisible(selectorBox, 'the label selector filter');
  let answered = page.waitForResponse(errorAnswer(`/api/v1/k8s/cluster/${clusterId}/pods?`, 400));
  await selectorBox.fill('app in (web');
  await selectorBox.press('Enter');
  const sel = await saysInChinese('an invalid selector', await answered, page.getByTestId('error-alert'), /^字段 label_selector 不是有效的标签选择器/);
  if (sel.code !== 'invalid_selector') throw new Error(`an invalid selector answers ${sel.code}`);

  // a system label on a node's Labels tab: the server refuses it and the confirmation says why, in Chinese
  await page.goto(`${BASE}/clusters/${clusterId}/nodes/${encodeURIComponent(firstNode)}`);
  await page.getByRole('tab', { name: /标签/ }).click();
  await page.getByRole('button', { name: /添加标签/ }).click();
  await page.locator('input[placeholder="key"]').last().fill('node.kubernetes.io/e2e-i18n');
  await page.locator('input[placeholder="value"]').last().fill('x');
  answered = page.waitForResponse(errorAnswer(`/nodes/${encodeURIComponent(firstNode)}/labels`, 400));
  await page.getByRole('tabpanel').getByRole('button', { name: /保\s*存/ }).click();
  const confirm = page.locator('.ant-modal-confirm');
  const key = await saysInChinese('a system label', await answered, confirm.locator('.ant-modal-confirm-content'), /^“node\.kubernetes\.io\/e2e-i18n”由集群（kubelet、云控制器或节点生命周期控制器）管理/);
  if (key.code !== 'protected_key') throw new Error(`a system label answers ${key.code}`);
  await confirm.getByRole('button', { name: /取\s*消/ }).click();
  if ((await kubectlJson('get', 'node', firstNode)).metadata.labels?.['node.kubernetes.io/e2e-i18n'] !== undefined) throw new Error('the refused system label is on the node');

  // a viewer's 403: who lacks which permission, in Chinese
  await loggedInAsViewer(async () => {
    answered = page.waitForResponse(errorAnswer('/api/v1/users?', 403));
    await page.goto(`${BASE}/admin/users`);
    const denied = await saysInChinese("a viewer's 403", await answered, page.getByTestId('error-alert'), new RegExp(`^您没有执行此操作的权限：用户 ${viewer.name} 没有 \\S+ 权限；请联系平台管理员`));
    if (denied.code !== 'forbidden') throw new Error(`a viewer's 403 answers ${denied.code}`);
    await shot('errors-in-chinese');
  });
});

await step('dark theme: dark backgrounds and light text applied, remembered across reloads', async () => {
  need(clusterId, 'an imported cluster');
  // the colours an operator sees: the page behind the content, the header bar, the table and its text
  const colours = () =>
    page.evaluate(() => {
      const effective = (el, prop) => {
        for (let e = el; e; e = e.parentElement) {
          const c = getComputedStyle(e)[prop];
          const a = /rgba\([^)]*,\s*([\d.]+)\)/.exec(c);
          if (!a || Number(a[1]) > 0) return c;
        }
        return getComputedStyle(document.documentElement)[prop];
      };
      const q = (s) => document.querySelector(s);
      return {
        theme: document.documentElement.dataset.theme,
        page: effective(q('.ant-layout-content') ?? document.body, 'backgroundColor'),
        header: effective(q('.ant-layout-header') ?? document.body, 'backgroundColor'),
        table: effective(q('.ant-table') ?? document.body, 'backgroundColor'),
        text: getComputedStyle(q('.ant-table-tbody .ant-table-cell') ?? document.body).color,
      };
    });
  const lum = (c) => {
    const [r, g, b] = c.match(/[\d.]+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  };
  const check = (c, dark) => {
    const bad = [];
    for (const k of ['page', 'header', 'table']) if (dark ? lum(c[k]) > 0.15 : lum(c[k]) < 0.85) bad.push(`${k} background ${c[k]}`);
    if (dark ? lum(c.text) < 0.7 : lum(c.text) > 0.3) bad.push(`text ${c.text}`);
    if (c.theme !== (dark ? 'dark' : 'light')) bad.push(`data-theme=${c.theme}`);
    if (bad.length) throw new Error(`${dark ? 'dark' : 'light'} theme not applied: ${bad.join(', ')}`);
  };
  // whatever happens, later steps (and their pictures) get the light theme back
  await page.evaluate(() => localStorage.setItem('kubedeck.theme', 'light'));
  try {
    await darkTheme(colours, check);
  } finally {
    await page.evaluate(() => localStorage.setItem('kubedeck.theme', 'light'));
  }
});
async function darkTheme(colours, check) {
  await page.goto(`${BASE}/clusters`);
  await expectVisible(page.getByRole('row', { name: new RegExp(clusterName) }), `row ${clusterName}`);
  check(await colours(), false);
  await page.getByTestId('theme-switch').click();
  await until('the dark theme', 5000, async (note) => {
    const c = await colours();
    note(JSON.stringify(c));
    check(c, true);
    return true;
  }, 250);
  await page.reload();
  await expectVisible(page.getByRole('row', { name: new RegExp(clusterName) }), `row ${clusterName} after reload`);
  check(await colours(), true);
  await shot('clusters-dark');
  await page.getByTestId('theme-switch').click();
  await until('the light theme again', 5000, async () => {
    check(await colours(), false);
    return true;
  }, 250);
}

// ---- the resource engine's console (issue 13): kinds in the sidebar, one list, one detail, the YAML editor -------
const resNs = `e2e-res-${Date.now().toString(36)}`;
let resReady = false;
/** kubectl apply of a manifest (JSON or YAML) given as text. */
const kubectlApply = (manifest) =>
  new Promise((resolve, reject) => {
    const c = execFile('kubectl', ['--request-timeout=30s', 'apply', '-f', '-'], { env: { ...process.env, KUBECONFIG } }, (e, out, err) => (e ? reject(new Error(`kubectl apply: ${err || e.message}`)) : resolve(out)));
    c.stdin.end(manifest);
  });
/** The editor's whole text replaced by `text` (typed as one input, as a paste would). */
async function setEditorText(text) {
  const content = page.locator('.cm-content');
  await expectVisible(content, 'the YAML editor');
  await content.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}
/** The editor open on an object, its text loaded from the server. */
async function openEditor() {
  await page.getByTestId('resource-edit').click();
  await until('the editor to hold the object', 15_000, async () => (await page.locator('.cm-content').innerText().catch(() => '')).includes('kind:'), 200);
}
/** The object's YAML as the API's YAML route gives it (what the editor starts from). */
async function objectYaml(kind, name) {
  const r = await api(`/k8s/cluster/${clusterId}/namespaces/${resNs}/${kind}/${name}/yaml`);
  if (r.status !== 200 || typeof r.body !== 'string') throw new Error(`GET .../${kind}/${name}/yaml: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  return r.body;
}
/** The names in the generic list's table (the name column, after the selection checkboxes). */
const resourceNames = async () => (await page.getByTestId('resource-table').locator('.ant-table-tbody .ant-table-row a[href*="/resources/"]').allInnerTexts()).map((s) => s.trim());
const sameSet = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
let kindsCache = null;

await step('resource engine: the sidebar groups the kinds the cluster serves, in Chinese and in English (issue 13)', async () => {
  need(clusterId, 'an imported cluster');
  const kinds = await apiOk(`/k8s/cluster/${clusterId}/kinds`);
  const served = (kinds.items ?? []).filter((k) => k.version);
  for (const want of ['deployments', 'services', 'configmaps']) if (!served.some((k) => k.name === want)) throw new Error(`the kinds route does not list ${want} as served: ${JSON.stringify(kinds).slice(0, 300)}`);
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments`);
  const sider = page.locator('.ant-layout-sider');
  for (const group of ['工作负载', '网络', '配置', '存储', '访问控制', '集群']) await expectVisible(sider.getByRole('menuitem', { name: new RegExp(`^\\S*\\s*${group}$`) }), `the sidebar group ${group}`);
  // the page's kind is selected inside its open group, and every served workload kind is listed there
  await until('Deployments selected in the sidebar', 10_000, async (note) => {
    const s = (await sider.locator('.ant-menu-item-selected').allInnerTexts()).map((x) => x.trim());
    note(JSON.stringify(s));
    return JSON.stringify(s) === '["Deployments"]';
  }, 200);
  const workloadItems = (await sider.locator('.ant-menu-submenu-open .ant-menu-item').allInnerTexts()).map((x) => x.trim());
  const plural = { Deployment: 'Deployments', ReplicaSet: 'ReplicaSets', StatefulSet: 'StatefulSets', DaemonSet: 'DaemonSets', Job: 'Jobs', CronJob: 'CronJobs' };
  for (const k of served.filter((x) => x.category === 'workloads' && plural[x.kind])) {
    if (!workloadItems.includes(plural[k.kind])) throw new Error(`the 工作负载 group lacks ${plural[k.kind]}: ${JSON.stringify(workloadItems)}`);
  }
  // pods and nodes keep their own pages
  await expectVisible(sider.getByRole('menuitem', { name: /容器组/ }), 'Pods in the sidebar');
  await page.getByTestId('lang-switch').click();
  for (const group of ['Workloads', 'Network', 'Configuration', 'Storage', 'Access control', 'Cluster']) await expectVisible(sider.getByRole('menuitem', { name: new RegExp(`^\\S*\\s*${group}$`) }), `the sidebar group ${group}`);
  await expectVisible(page.getByRole('button', { name: /Refresh/ }), 'the list in English');
  await page.getByTestId('lang-switch').click();
  await expectVisible(sider.getByRole('menuitem', { name: /工作负载/ }), 'the sidebar in Chinese again');
});

await step('resource engine: the generic list shows Deployments, Services and ConfigMaps as kubectl does (columns, wide, status colours, filters in the URL) (issue 13)', async () => {
  need(clusterId, 'an imported cluster');
  await kubectl('create', 'namespace', resNs);
  const names = ['alpha', 'beta', 'gamma'];
  const docs = [];
  for (const n of names) {
    docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `web-${n}`, namespace: resNs, labels: { app: `web-${n}`, tier: n === 'gamma' ? 'back' : 'front' } }, spec: { replicas: n === 'beta' ? 0 : 2, selector: { matchLabels: { app: `web-${n}` } }, template: { metadata: { labels: { app: `web-${n}` } }, spec: { containers: [{ name: 'web', image: `nginx:1.19-${n}` }] } } } });
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `web-${n}`, namespace: resNs }, spec: { type: n === 'gamma' ? 'NodePort' : 'ClusterIP', selector: { app: `web-${n}` }, ports: [{ port: 80, targetPort: 8080 }] } });
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `settings-${n}`, namespace: resNs }, data: { level: 'info', owner: n } });
  }
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }));
  resReady = true;
  const kinds = (await apiOk(`/k8s/cluster/${clusterId}/kinds`)).items;
  for (const kind of ['deployments', 'services', 'configmaps']) {
    const info = kinds.find((k) => k.name === kind);
    const want = (await kubectlJson('-n', resNs, 'get', kind)).items.map((o) => o.metadata.name);
    await page.goto(`${BASE}/clusters/${clusterId}/resources/${kind}?namespace=${resNs}`);
    await until(`the ${kind} list to show kubectl's ${want.length} names`, 30_000, async (note) => {
      const got = await resourceNames();
      note(JSON.stringify(got));
      return sameSet(got, want);
    }, 500);
    // the kind's own columns by kubectl's headers; the wide ones only with the toggle (kept in the URL)
    const headers = async () => (await page.getByTestId('resource-table').locator('thead th').allInnerTexts()).map((s) => s.trim());
    const narrow = info.columns.filter((c) => !c.wide).map((c) => c.header);
    const wide = info.columns.filter((c) => c.wide).map((c) => c.header);
    const shown = await headers();
    for (const h of ['名称', '命名空间', '存活时间', ...narrow]) if (!shown.includes(h)) throw new Error(`${kind}: no column ${h}: ${JSON.stringify(shown)}`);
    if (wide.some((h) => shown.includes(h))) throw new Error(`${kind}: a wide column shows without the toggle: ${JSON.stringify(shown)}`);
    if (wide.length) {
      await page.getByTestId('resource-wide').click();
      await until(`${kind}: the wide columns`, 5000, async () => {
        const hs = await headers();
        return wide.every((h) => hs.includes(h));
      }, 200);
      if (new URL(page.url()).searchParams.get('wide') !== '1') throw new Error(`the wide toggle is not in the URL: ${page.url()}`);
      await page.reload();
      await until(`${kind}: the wide columns after a reload`, 10_000, async () => (await headers()).includes(wide[wide.length - 1]), 200);
    }
    await shot(`resources-${kind}`);
  }
  // a cell as kubectl has it: the Service's CLUSTER-IP and TYPE, the Deployment's READY and its status colour
  const svc = await kubectlJson('-n', resNs, 'get', 'service', 'web-gamma');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/services?namespace=${resNs}&name=gamma`);
  const svcRow = page.getByTestId('resource-table').locator('.ant-table-row', { hasText: 'web-gamma' });
  await expectVisible(svcRow, 'the web-gamma row');
  for (const want of [svc.spec.clusterIP, 'NodePort']) {
    await until(`the web-gamma row to show ${want}`, 10_000, async () => (await svcRow.innerText()).includes(want), 200);
  }
  if ((await resourceNames()).length !== 1) throw new Error(`name=gamma lists ${JSON.stringify(await resourceNames())}`);
  await until('the Deployments to be available as kubectl sees them', 90_000, async (note) => {
    const d = await kubectlJson('-n', resNs, 'get', 'deployment', 'web-alpha');
    note(`kubectl: ${d.status.availableReplicas ?? 0}/${d.spec.replicas} available`);
    return (d.status.availableReplicas ?? 0) === 2;
  }, 2000);
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments?namespace=${resNs}&sort=name`);
  const alpha = page.getByTestId('resource-table').locator('.ant-table-row', { hasText: 'web-alpha' });
  await until('web-alpha 2/2 with a green status', 30_000, async (note) => {
    const text = squash(await alpha.innerText());
    const green = await alpha.locator('.ant-tag-green').count();
    note(`${text} green=${green}`);
    return text.includes('2/2') && green > 0;
  }, 1000);
  // a label selector and a name search are in the URL and survive a reload
  const selectorBox = page.locator('input[data-testid="resource-selector-filter"], [data-testid="resource-selector-filter"] input');
  await selectorBox.fill('tier=front');
  await selectorBox.press('Enter');
  await until('the selector in the URL and the list', 10_000, async (note) => {
    const got = await resourceNames();
    note(`${page.url()} ${JSON.stringify(got)}`);
    return new URL(page.url()).searchParams.get('label_selector') === 'tier=front' && sameSet(got, ['web-alpha', 'web-beta']);
  }, 300);
  await page.reload();
  await until('the filtered list after a reload', 10_000, async () => sameSet(await resourceNames(), ['web-alpha', 'web-beta']), 300);
  if (new URL(page.url()).searchParams.get('namespace') !== resNs) throw new Error(`the namespace filter left the URL: ${page.url()}`);
  await expectVisible(page.locator('[data-testid="resource-live"][data-state="live"]', { hasText: '实时' }), 'the live tag');
});

await step('resource engine: the generic detail page (cells, owner and related objects as links, events, YAML as kubectl has it) (issue 13)', async () => {
  need(resReady, 'the test objects');
  const dep = await kubectlJson('-n', resNs, 'get', 'deployment', 'web-alpha');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/web-alpha`);
  await expectVisible(page.getByTestId('resource-overview'), 'the overview');
  const overview = squash(await page.getByTestId('resource-overview').innerText());
  for (const want of ['web-alpha', resNs, 'READY', '2/2']) if (!overview.includes(squash(want))) throw new Error(`the overview lacks ${want}: ${overview}`);
  // the ReplicaSet it owns, as a link; that ReplicaSet's page names the Deployment as its owner
  const rs = (await kubectlJson('-n', resNs, 'get', 'replicasets', '-l', 'app=web-alpha')).items.find((r) => r.metadata.ownerReferences?.some((o) => o.uid === dep.metadata.uid));
  need(rs, "the Deployment's ReplicaSet (kubectl)");
  const related = page.getByTestId('resource-related');
  const rsLink = related.getByRole('link', { name: `${resNs}/${rs.metadata.name}` });
  await expectVisible(rsLink, `the related ReplicaSet ${rs.metadata.name}`);
  await shot('resource-detail');
  await rsLink.click();
  await page.waitForURL(new RegExp(`/resources/replicasets/${resNs}/${rs.metadata.name}$`));
  const owner = page.getByTestId('resource-overview').getByRole('link', { name: 'web-alpha' });
  await expectVisible(owner, 'the owner link on the ReplicaSet page');
  // the Service selects the Deployment's pods: they link to the pod pages
  const podName = (await kubectlJson('-n', resNs, 'get', 'pods', '-l', 'app=web-alpha')).items[0]?.metadata.name;
  need(podName, 'a pod of web-alpha (kubectl)');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/services/${resNs}/web-alpha`);
  await until('the Service related to its pods', 30_000, async () => (await page.getByTestId('resource-related').getByRole('link').allInnerTexts()).some((t) => t.includes('web-alpha-')), 1000);
  const podLink = page.getByTestId('resource-related').getByRole('link', { name: `${resNs}/${podName}` });
  await expectVisible(podLink, `the pod ${podName} among the Service's related objects`);
  if ((await podLink.getAttribute('href')) !== `/clusters/${clusterId}/namespaces/${resNs}/pods/${podName}`) throw new Error(`the pod links to ${await podLink.getAttribute('href')}`);
  // events: the ScalingReplicaSet event kubectl lists for the Deployment
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/web-alpha?tab=events`);
  await expectVisible(page.getByRole('tabpanel').getByText('ScalingReplicaSet'), 'the ScalingReplicaSet event');
  // YAML: read-only, with the uid kubectl reports
  await page.getByRole('tab', { name: 'YAML' }).click();
  await until('the YAML with the uid', 10_000, async () => (await page.getByTestId('resource-yaml').innerText()).includes(dep.metadata.uid), 200);
  if (new URL(page.url()).searchParams.get('tab') !== 'yaml') throw new Error(`the tab is not in the URL: ${page.url()}`);
  if (await page.getByTestId('resource-yaml').locator('[contenteditable="true"]').count()) throw new Error('the YAML tab is editable');
});

await step('resource engine: create a ConfigMap in the YAML editor, dry-run an edit (a coloured diff, nothing changed), apply it (kubectl sees it) (issue 13)', async () => {
  need(resReady, 'the test objects');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/configmaps?namespace=${resNs}`);
  await page.getByTestId('resource-create').click();
  // the template names the kind and the namespace the list shows
  await until('the create template', 10_000, async () => {
    const text = await page.locator('.cm-content').innerText().catch(() => '');
    return text.includes('kind: ConfigMap') && text.includes(`namespace: ${resNs}`);
  }, 200);
  // a broken text: the editor says where, in Chinese, and will not send it
  await setEditorText('apiVersion: v1\nkind: ConfigMap\ndata: [1, 2\n');
  await expectVisible(page.getByTestId('yaml-problems').getByText(/第 \d+ 行第 \d+ 列/), 'the YAML problem with its line');
  if (!(await page.getByTestId('yaml-apply').isDisabled())) throw new Error('apply is enabled for YAML that does not parse');
  await setEditorText(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made-in-console\n  namespace: ${resNs}\ndata:\n  greeting: hello\n  level: info\n`);
  await expectVisible(page.getByTestId('yaml-status').getByText('YAML 有效：1 个文档'), 'the text is valid');
  await page.getByTestId('yaml-dry-run').click();
  await expectVisible(page.getByTestId('dry-run-report').getByText('已创建'), 'the dry run says it would be created');
  if ((await kubectl('-n', resNs, 'get', 'configmap', 'made-in-console', '--ignore-not-found')).trim()) throw new Error('the dry run created the ConfigMap');
  await page.getByTestId('yaml-apply').click();
  await page.waitForURL(new RegExp(`/resources/configmaps/${resNs}/made-in-console$`));
  const made = await kubectlJson('-n', resNs, 'get', 'configmap', 'made-in-console');
  if (made.data?.greeting !== 'hello') throw new Error(`kubectl sees ${JSON.stringify(made.data)}`);
  // edit: the dry run shows the change as a diff (removed red, added green), and the cluster keeps the old value
  await openEditor();
  const yaml = await objectYaml('configmaps', 'made-in-console');
  await setEditorText(yaml.replace('greeting: hello', 'greeting: bonjour'));
  await page.getByTestId('yaml-dry-run').click();
  const diff = page.getByTestId('dry-run-diff');
  await expectVisible(diff, 'the dry-run diff');
  const removed = diff.locator('.kd-diff-del', { hasText: 'greeting: hello' });
  const added = diff.locator('.kd-diff-add', { hasText: 'greeting: bonjour' });
  await expectVisible(removed, 'the removed line');
  await expectVisible(added, 'the added line');
  const colours = await Promise.all([removed, added].map((l) => l.first().evaluate((e) => getComputedStyle(e).backgroundColor)));
  const rgb = (c) => c.match(/[\d.]+/g).map(Number);
  if (!(rgb(colours[0])[0] > rgb(colours[0])[1]) || !(rgb(colours[1])[1] > rgb(colours[1])[0])) throw new Error(`diff colours: removed ${colours[0]}, added ${colours[1]}`);
  await shot('resource-editor-dry-run');
  if ((await kubectlJson('-n', resNs, 'get', 'configmap', 'made-in-console')).data.greeting !== 'hello') throw new Error('the dry run changed the ConfigMap');
  await page.getByTestId('yaml-apply').click();
  await expectVisible(page.locator('.ant-message-success').getByText('已保存 made-in-console'), 'the saved message');
  await until('kubectl to see the edit', 10_000, async () => (await kubectlJson('-n', resNs, 'get', 'configmap', 'made-in-console')).data.greeting === 'bonjour', 500);
});

await step('resource engine: a change made with kubectl while the editor is open is a conflict; reload latest keeps my text aside, re-apply on latest wins (issue 13)', async () => {
  need(resReady, 'the test objects');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/configmaps/${resNs}/settings-alpha`);
  await openEditor();
  const mine = (await objectYaml('configmaps', 'settings-alpha')).replace('level: info', 'level: debug');
  await setEditorText(mine);
  // someone else changes it meanwhile
  await kubectl('-n', resNs, 'patch', 'configmap', 'settings-alpha', '--type=merge', '-p', '{"data":{"level":"warn"}}');
  const answered = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/configmaps/settings-alpha'));
  await page.getByTestId('yaml-apply').click();
  const res = await answered;
  const body = await res.json().catch(() => null);
  if (res.status() !== 409 || body?.code !== 'resource_conflict') throw new Error(`a stale resourceVersion answered HTTP ${res.status()} ${JSON.stringify(body).slice(0, 200)}`);
  const conflict = page.getByTestId('yaml-conflict');
  await expectVisible(conflict.getByText('您打开后此对象已被他人修改；您的修改未保存'), 'the conflict message in Chinese');
  const current = (await kubectlJson('-n', resNs, 'get', 'configmap', 'settings-alpha')).metadata.resourceVersion;
  if (!squash(await conflict.innerText()).includes(current)) throw new Error(`the conflict does not name the current resourceVersion ${current}: ${await conflict.innerText()}`);
  if ((await kubectlJson('-n', resNs, 'get', 'configmap', 'settings-alpha')).data.level !== 'warn') throw new Error('the refused edit changed the ConfigMap');
  await shot('resource-editor-conflict');
  // reload latest: the editor holds kubectl's value, my text is kept aside as a diff
  await page.getByTestId('conflict-reload').click();
  await expectVisible(page.getByTestId('yaml-aside'), 'my text kept aside');
  await until("the editor to hold kubectl's value", 10_000, async () => (await page.locator('.cm-content').innerText()).includes('level: warn'), 200);
  await expectVisible(page.getByTestId('yaml-aside-diff').locator('.kd-diff-add', { hasText: 'level: debug' }), 'my line in the aside diff');
  // put my text back: applying it conflicts again; re-apply on latest takes the current version and wins
  await page.getByTestId('aside-restore').click();
  await until('my text back in the editor', 10_000, async () => (await page.locator('.cm-content').innerText()).includes('level: debug'), 200);
  await page.getByTestId('yaml-apply').click();
  await expectVisible(page.getByTestId('conflict-reapply'), 'the conflict again');
  await page.getByTestId('conflict-reapply').click();
  await until('kubectl to see my value', 15_000, async () => (await kubectlJson('-n', resNs, 'get', 'configmap', 'settings-alpha')).data.level === 'debug', 500);
});

await step('resource engine: the list follows changes the server pushes (each kubectl change on screen within 2.5 s; polling is every 5 s) (issue 13)', async () => {
  need(resReady, 'the test objects');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/configmaps?namespace=${resNs}&name=made-in-console`);
  await expectVisible(page.locator('[data-testid="resource-live"][data-pushed="true"]'), 'the list on the change stream', 30_000);
  const headers = (await page.getByTestId('resource-table').locator('thead th').allInnerTexts()).map((x) => x.trim());
  const dataCol = headers.indexOf('DATA');
  if (dataCol < 0) throw new Error(`no DATA column: ${JSON.stringify(headers)}`);
  const cell = page.getByTestId('resource-table').locator('.ant-table-tbody .ant-table-row').first().locator('td').nth(dataCol);
  for (let i = 1; i <= 3; i++) {
    const want = Object.keys((await kubectlJson('-n', resNs, 'get', 'configmap', 'made-in-console')).data ?? {}).length + 1;
    await kubectl('-n', resNs, 'patch', 'configmap', 'made-in-console', '--type=merge', '-p', JSON.stringify({ data: { [`pushed-${i}`]: 'x' } }));
    const t0 = Date.now();
    await until(`DATA ${want} on screen`, 10_000, async (note) => {
      const text = (await cell.innerText()).trim();
      note(text);
      return text === String(want);
    }, 100);
    const ms = Date.now() - t0;
    console.log(`     change ${i}: on screen after ${ms} ms`);
    if (ms > 2500) throw new Error(`change ${i} took ${ms} ms to show: the list polls instead of following the pushed changes`);
  }
});

await step('resource engine: edit a Deployment (kubectl sees the replicas) and dry-run a Service (its diff), in English too (issue 13)', async () => {
  need(resReady, 'the test objects');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/web-gamma`);
  await openEditor();
  const dep = await objectYaml('deployments', 'web-gamma');
  if (!/replicas: 2\n/.test(dep)) throw new Error(`the Deployment's YAML has no "replicas: 2": ${dep.slice(0, 300)}`);
  await setEditorText(dep.replace(/replicas: 2\n/, 'replicas: 3\n'));
  await page.getByTestId('yaml-apply').click();
  await until('kubectl to see 3 replicas', 15_000, async () => (await kubectlJson('-n', resNs, 'get', 'deployment', 'web-gamma')).spec.replicas === 3, 500);
  // in English: the Service editor's words, and a dry-run diff of a port change that changes nothing
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  try {
    await page.goto(`${BASE}/clusters/${clusterId}/resources/services/${resNs}/web-beta`);
    await expectVisible(page.getByRole('button', { name: /Edit/ }), 'the Edit button in English');
    await openEditor();
    await expectVisible(page.locator('.ant-modal-title').getByText(`Edit Service ${resNs}/web-beta`), 'the editor title in English');
    const svc = await objectYaml('services', 'web-beta');
    await setEditorText(svc.replace(/targetPort: 8080/, 'targetPort: 9090'));
    await page.getByRole('button', { name: 'Dry run' }).click();
    await expectVisible(page.getByTestId('dry-run-report').getByText(/^Dry run \(nothing changed\)/), 'the dry-run summary in English');
    await expectVisible(page.getByTestId('dry-run-diff').locator('.kd-diff-add', { hasText: 'targetPort: 9090' }), 'the port change in the diff');
    const ports = (await kubectlJson('-n', resNs, 'get', 'service', 'web-beta')).spec.ports;
    if (ports[0].targetPort !== 8080) throw new Error(`the dry run changed the Service: ${JSON.stringify(ports)}`);
    await page.getByRole('button', { name: 'Cancel' }).click();
  } finally {
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  }
});

await step('resource engine: bulk delete asks for the count and deletes exactly the objects picked (kubectl agrees) (issue 13)', async () => {
  need(resReady, 'the test objects');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/configmaps?namespace=${resNs}&name=settings-`);
  await until('the three settings ConfigMaps', 20_000, async () => sameSet(await resourceNames(), ['settings-alpha', 'settings-beta', 'settings-gamma']), 300);
  for (const n of ['settings-beta', 'settings-gamma']) await page.locator(`tr[data-row-key="${resNs}/${n}"] .ant-checkbox-input`).check({ force: true });
  await page.getByTestId('bulk-delete').click();
  const names = squash(await page.getByTestId('delete-names').innerText());
  if (!names.includes(`${resNs}/settings-beta`) || !names.includes(`${resNs}/settings-gamma`) || names.includes('settings-alpha')) throw new Error(`the confirmation lists ${names}`);
  if (!(await page.getByTestId('confirm-resource-delete').isDisabled())) throw new Error('delete is enabled before the count is typed');
  await page.getByTestId('delete-count-input').fill('3');
  if (!(await page.getByTestId('confirm-resource-delete').isDisabled())) throw new Error('delete is enabled for a wrong count');
  await page.getByTestId('delete-count-input').fill('2');
  await page.getByTestId('confirm-resource-delete').click();
  await expectVisible(page.locator('.ant-message-success').getByText('已删除 2 个对象'), 'the deleted message');
  await until('kubectl to lose exactly the two', 30_000, async (note) => {
    const left = (await kubectlJson('-n', resNs, 'get', 'configmaps')).items.map((c) => c.metadata.name).filter((n) => n.startsWith('settings-'));
    note(JSON.stringify(left));
    return sameSet(left, ['settings-alpha']);
  }, 1000);
  await until('the list to follow', 20_000, async () => sameSet(await resourceNames(), ['settings-alpha']), 500);
});

await step('resource engine: a viewer reads the generic pages but sees no create, edit, delete or selection (issue 13)', async () => {
  need(resReady, 'the test objects');
  await loggedInAsViewer(async () => {
    await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments?namespace=${resNs}`);
    await until('the viewer sees the Deployments', 20_000, async () => sameSet(await resourceNames(), ['web-alpha', 'web-beta', 'web-gamma']), 500);
    for (const id of ['resource-create', 'bulk-delete']) if (await page.getByTestId(id).count()) throw new Error(`a viewer sees ${id}`);
    if (await page.getByTestId('resource-table').locator('.ant-checkbox-input').count()) throw new Error('a viewer can select rows');
    await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/web-alpha`);
    await expectVisible(page.getByTestId('resource-overview'), 'the detail for the viewer');
    for (const id of ['resource-edit', 'resource-delete']) if (await page.getByTestId(id).count()) throw new Error(`a viewer sees ${id}`);
    // the server refuses the write anyway (the buttons are not the only guard)
    const put = await api(`/k8s/cluster/${clusterId}/namespaces/${resNs}/configmaps/settings-alpha?dry_run=true`, {
      method: 'PUT',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings-alpha', namespace: resNs, resourceVersion: '1' } }),
    });
    if (put.status !== 403) throw new Error(`a viewer's PUT answered HTTP ${put.status}`);
    await shot('resource-viewer');
  });
});

// ---- workloads (issue 14): the deploy wizard on the generic create route with its server-side dry run ----------
/** Runs `fn` with the console in English, then back in Chinese. */
async function inEnglish(fn) {
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  try {
    await page.reload();
    await fn();
  } finally {
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  }
}
/** The text on the web terminal's screen (xterm.js's rows), one string per line, trailing spaces dropped. */
const terminalLines = async () => (await page.getByTestId('terminal').locator('.xterm-rows > div').allInnerTexts()).map((l) => l.replace(/\s+$/, ''));

await step('workloads: the deploy wizard dry-runs first (nothing created), puts a field error from the cluster on its field, then creates a Deployment and its Service that kubectl sees (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const name = 'wizard-web';
  const absent = async () => !(await kubectl('-n', resNs, 'get', 'deployment', name, '--ignore-not-found', '-o', 'name')).trim();
  await page.goto(`${BASE}/clusters/${clusterId}/deploy?template=web&namespace=${resNs}`);
  // the sidebar has the wizard, and the web app template prefilled the form (its YAML beside it)
  await expectVisible(page.locator('.ant-layout-sider .ant-menu-item-selected', { hasText: '部署应用' }), 'the wizard selected in the sidebar');
  await expectVisible(page.getByTestId('wizard-yaml').getByText(/kind: Service/), 'the YAML of the template (a Deployment and its Service)');
  await page.getByTestId('wizard-name').fill(name);
  await page.getByTestId('wizard-tag').locator('input').fill('1.19');
  await until('the YAML to follow the form', 5_000, async () => (await page.getByTestId('wizard-yaml').innerText()).includes(`image: nginx:1.19`) && (await page.getByTestId('wizard-yaml').innerText()).includes(`name: ${name}`), 200);
  await shot('workload-wizard-zh');
  // an environment variable name the cluster refuses (the form does not check it): the dry run's field error
  // (spec.template.spec.containers[0].env[0].name) is shown on that row's name field, and nothing is created
  await page.getByTestId('wizard-next').click();
  await page.getByTestId('wizard-add-env').click();
  await page.getByTestId('wizard-env-name-0').fill('1BAD');
  await page.getByTestId('wizard-env-value-0').fill('x');
  const dry = page.waitForResponse((r) => r.url().includes(`/namespaces/${resNs}/deployments?dry_run=true`) && r.request().method() === 'POST');
  await page.getByTestId('wizard-dry-run').click();
  const refused = await dry;
  const body = await refused.json();
  if (refused.status() !== 422 || body.code !== 'object_invalid' || !body.params?.causes?.some((c) => c.field === 'spec.template.spec.containers[0].env[0].name'))
    throw new Error(`the cluster's dry run answered ${refused.status()} ${JSON.stringify(body).slice(0, 300)}`);
  const item = page.locator('.ant-form-item').filter({ has: page.getByTestId('wizard-env-name-0') });
  await expectVisible(item.locator('.ant-form-item-explain-error', { hasText: /valid environment variable name/ }), "the cluster's message under the variable's name field");
  await expectVisible(page.getByTestId('wizard-problems').getByText('集群拒绝了 1 个字段，已在对应字段上标出'), 'the summary above the buttons');
  await shot('workload-wizard-field-error-zh');
  if (!(await absent())) throw new Error('the refused dry run created the Deployment');
  // fixed: the dry run passes (still nothing created), then Create makes both objects
  await page.getByTestId('wizard-env-name-0').fill('MODE');
  await page.getByTestId('wizard-dry-run').click();
  await expectVisible(page.getByTestId('wizard-dry-run-ok'), 'the dry run passing');
  if (!(await absent())) throw new Error('the dry run created the Deployment');
  if ((await kubectl('-n', resNs, 'get', 'service', name, '--ignore-not-found', '-o', 'name')).trim()) throw new Error('the dry run created the Service');
  await page.getByTestId('wizard-create').click();
  await page.waitForURL(new RegExp(`/resources/deployments/${resNs}/${name}$`), { timeout: SLOW });
  const dep = await kubectlJson('-n', resNs, 'get', 'deployment', name);
  const c = dep.spec.template.spec.containers[0];
  const want = { replicas: 2, image: 'nginx:1.19', env: [{ name: 'MODE', value: 'x' }], port: 80, cpu: '100m', readiness: '/', strategy: 'RollingUpdate' };
  const got = { replicas: dep.spec.replicas, image: c.image, env: c.env, port: c.ports?.[0]?.containerPort, cpu: c.resources?.requests?.cpu, readiness: c.readinessProbe?.httpGet?.path, strategy: dep.spec.strategy.type };
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`kubectl sees ${JSON.stringify(got)}, the form asked for ${JSON.stringify(want)}`);
  const svc = await kubectlJson('-n', resNs, 'get', 'service', name);
  if (svc.spec.selector?.app !== name || svc.spec.ports?.[0]?.port !== 80) throw new Error(`the Service is ${JSON.stringify(svc.spec)}`);
  // in English: the same wizard's words
  await inEnglish(async () => {
    await page.goto(`${BASE}/clusters/${clusterId}/deploy?template=worker&namespace=${resNs}`);
    await expectVisible(page.getByRole('heading', { name: 'Deploy an application' }).or(page.getByText('Deploy an application')), 'the wizard in English');
    await expectVisible(page.getByTestId('wizard-yaml').getByText(/type: Recreate/), 'the worker template (Recreate, no Service)');
    await shot('workload-wizard-en');
    // the cluster's field error, in English, on its field (a dry run: nothing is created)
    await page.getByTestId('wizard-name').fill('wizard-worker');
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-add-env').click();
    await page.getByTestId('wizard-env-name-0').fill('1BAD');
    await page.getByTestId('wizard-dry-run').click();
    const enItem = page.locator('.ant-form-item').filter({ has: page.getByTestId('wizard-env-name-0') });
    await expectVisible(enItem.locator('.ant-form-item-explain-error', { hasText: /valid environment variable name/ }), "the cluster's message under the variable's name field (English)");
    await shot('workload-wizard-field-error-en');
    if ((await kubectl('-n', resNs, 'get', 'deployment', 'wizard-worker', '--ignore-not-found', '-o', 'name')).trim()) throw new Error('the refused dry run created the worker');
  });
});

await step('workloads: scale a Deployment from its page (before → after shown), kubectl sees the replicas (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const name = 'wizard-web';
  need((await kubectl('-n', resNs, 'get', 'deployment', name, '--ignore-not-found', '-o', 'name')).trim(), 'the Deployment the wizard created');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/${name}`);
  await page.getByTestId('wl-scale').click();
  await page.getByTestId('wl-scale-input').fill('3');
  await expectVisible(page.getByTestId('wl-scale-change').getByText('变更：2 → 3'), 'the change shown before it is made');
  await page.getByTestId('wl-scale-ok').click();
  await expectVisible(page.locator('.ant-message-success').getByText(`${name} 的副本数已从 2 调整为 3`), "the server's answer (before and after)");
  await until('kubectl to see 3 replicas', 15_000, async () => (await kubectlJson('-n', resNs, 'get', 'deployment', name)).spec.replicas === 3, 500);
  await until('the rollout panel to show 3 desired', 20_000, async () => squash(await page.getByTestId('rollout-panel').innerText()).includes('期望3'), 500);
  await until('the rollout complete on the page', 60_000, async () => (await page.getByTestId('rollout-state').getAttribute('data-state')) === 'complete', 500);
  await shot('workload-rollout-zh');
  await inEnglish(async () => {
    await until('the panel in English', 20_000, async () => squash(await page.getByTestId('rollout-panel').innerText()).includes('Desired3'), 500);
    await shot('workload-rollout-en');
  });
});

await step('workloads: roll back from the history view (the confirmation shows the diff from the current revision), kubectl sees the old image (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const name = 'wizard-web';
  await kubectl('-n', resNs, 'set', 'image', `deployment/${name}`, `${name}=nginx:1.20`);
  await until('revision 2 in kubectl rollout history', 30_000, async () => /\n2\s/.test(await kubectl('-n', resNs, 'rollout', 'history', `deployment/${name}`)), 500);
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/${name}?tab=history`);
  const rows = page.getByTestId('history-table').locator('tbody tr.ant-table-row');
  await until('two revisions, newest first', 20_000, async (note) => {
    const t = (await rows.allInnerTexts()).map(squash);
    note(JSON.stringify(t));
    return t.length === 2 && t[0].startsWith('#2') && t[0].includes('nginx:1.20') && t[1].startsWith('#1') && t[1].includes('nginx:1.19');
  }, 500);
  await page.getByTestId('rollback-1').click();
  const diff = page.getByTestId('rollback-diff');
  await expectVisible(diff.locator('.kd-diff-del', { hasText: 'nginx:1.20' }), 'the current image removed in the diff');
  await expectVisible(diff.locator('.kd-diff-add', { hasText: 'nginx:1.19' }), 'the old image added in the diff');
  await shot('workload-rollback-confirm-zh');
  await page.getByTestId('rollback-confirm').click();
  await expectVisible(page.getByTestId('rollback-result').getByText('已回滚到版本 1'), 'the rollback result');
  await until('kubectl to see nginx:1.19 again', 30_000, async () => (await kubectlJson('-n', resNs, 'get', 'deployment', name)).spec.template.spec.containers[0].image === 'nginx:1.19', 500);
  // kubectl's numbering: the template of revision 1 is now revision 3
  await until('revision 3 current in the history', 20_000, async () => squash((await rows.first().innerText())).startsWith('#3当前'), 500);
  await shot('workload-history-zh');
});

await step('workloads: the HPA form (from the Deployment\'s Autoscale) writes the autoscaling version the cluster serves, kubectl sees its target, bounds and CPU and memory targets, the HPA page shows current / target (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const name = 'wizard-web';
  need((await kubectl('-n', resNs, 'get', 'deployment', name, '--ignore-not-found', '-o', 'name')).trim(), 'the Deployment the wizard created');
  const kinds = await apiOk(`/k8s/cluster/${clusterId}/kinds`);
  const hpaVersion = kinds.items.find((k) => k.name === 'horizontalpodautoscalers')?.version;
  need(hpaVersion && hpaVersion.startsWith('v2') && hpaVersion, 'an autoscaling v2 version served by the cluster');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/${name}`);
  await page.getByTestId('wl-autoscale').click();
  await expectVisible(page.getByTestId('hpa-form'), 'the HPA form');
  await expectVisible(page.locator('.ant-modal').getByText(`autoscaling/${hpaVersion}`), 'the version it writes');
  // the target is picked from the namespace's workloads, prefilled with this Deployment
  await expectVisible(page.getByTestId('hpa-target').getByText(`Deployment/${name}`), 'the Deployment as the target');
  await page.getByTestId('hpa-min').fill('2');
  await page.getByTestId('hpa-max').fill('5');
  await page.getByTestId('hpa-cpu').fill('60');
  await page.getByTestId('hpa-memory').fill('80');
  await page.getByTestId('hpa-dry-run').click();
  await expectVisible(page.getByTestId('hpa-dry-run-ok'), 'the dry run passing');
  if ((await kubectl('-n', resNs, 'get', 'hpa', name, '--ignore-not-found', '-o', 'name')).trim()) throw new Error('the dry run created the HPA');
  await shot('workload-hpa-form-zh');
  await page.getByTestId('hpa-save').click();
  await page.waitForURL(new RegExp(`/resources/horizontalpodautoscalers/${resNs}/${name}$`), { timeout: SLOW });
  const hpa = await kubectlJson('-n', resNs, 'get', `horizontalpodautoscalers.${hpaVersion}.autoscaling`, name);
  // (the apiserver keeps v2beta2 metrics in an annotation of its v1 storage: their order is not kept)
  const metrics = Object.fromEntries((hpa.spec.metrics ?? []).map((m) => [m.resource?.name, m.resource?.target?.averageUtilization]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  const got = { target: `${hpa.spec.scaleTargetRef.kind}/${hpa.spec.scaleTargetRef.name}`, min: hpa.spec.minReplicas, max: hpa.spec.maxReplicas, metrics };
  const want = { target: `Deployment/${name}`, min: 2, max: 5, metrics: { cpu: 60, memory: 80 } };
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`kubectl sees ${JSON.stringify(got)}, the form asked for ${JSON.stringify(want)}`);
  // the HPA page: its target as a link, the bounds, each metric's current / target as the controller reports it
  const panel = page.getByTestId('hpa-panel');
  await expectVisible(panel.getByRole('link', { name: `Deployment/${name}` }), 'the target as a link');
  await until('both metrics with their targets', 20_000, async (note) => {
    const text = squash(await page.getByTestId('hpa-metrics').innerText());
    note(text);
    return /\/60%/.test(text) && /\/80%/.test(text);
  }, 500);
  await shot('workload-hpa-zh');
  await inEnglish(async () => {
    await expectVisible(page.getByTestId('hpa-panel').getByText('Autoscaling'), 'the HPA panel in English');
    await shot('workload-hpa-en');
    await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/${name}`);
    await page.getByTestId('wl-autoscale').click();
    await expectVisible(page.getByTestId('hpa-form'), 'the HPA form in English');
    await shot('workload-hpa-form-en');
    await page.keyboard.press('Escape');
  });
});

await step('workloads: a CronJob\'s schedule reads in words in Chinese and English (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const cj = kindsCache ?? (kindsCache = await apiOk(`/k8s/cluster/${clusterId}/kinds`));
  const v = cj.items.find((k) => k.name === 'cronjobs')?.version;
  need(v, 'CronJobs served by the cluster');
  await kubectlApply(JSON.stringify({ apiVersion: `batch/${v}`, kind: 'CronJob', metadata: { name: 'every-five', namespace: resNs }, spec: { schedule: '*/5 * * * *', suspend: true, jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.32', command: ['date'] }] } } } } } }));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/cronjobs/${resNs}/every-five`);
  await expectVisible(page.getByTestId('cron-words').getByText('每 5 分钟'), 'the schedule in Chinese words');
  await inEnglish(() => expectVisible(page.getByTestId('cron-words').getByText('every 5 minutes'), 'the schedule in English words'));
});

// ---- workloads (issue 14): the terminal, CronJob run now, Job run again, rollout progress, StatefulSet pods ------
await step('workloads: the web terminal opens from a pod\'s page, runs what is typed (kubectl exec gives the same answer) and is audited from its start; a viewer gets no terminal (issue 14)', async () => {
  need(clusterId, 'an imported cluster');
  const pods = (await kubectlJson('-n', 'demo-shop', 'get', 'pods', '-l', 'app=frontend')).items.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
  const pod = need(pods[0]?.metadata.name, 'a running demo-shop/frontend pod');
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/demo-shop/pods/${pod}`);
  await page.getByTestId('pod-terminal').click();
  await page.waitForURL(new RegExp(`/namespaces/demo-shop/pods/${pod}/terminal$`));
  await until('the terminal to connect', 30_000, async () => (await page.getByTestId('terminal-state').getAttribute('data-state')) === 'open', 300);
  // the session is in the audit log while it is open (who, pod, container, start; not yet its end)
  const rowsOf = async () => (await apiOk(`/audit?action=pod.exec&page_size=50`)).items.filter((r) => r.resource === `pods/${pod}`);
  const open = await until('the open session\'s audit row', 10_000, async (note) => {
    const rows = await rowsOf();
    note(JSON.stringify(rows).slice(0, 300));
    return rows.find((r) => JSON.parse(r.detail || '{}').ended_by === null);
  }, 500);
  const word = `hello-${Math.random().toString(36).slice(2, 8)}`;
  await until('the shell\'s prompt', 15_000, async () => (await terminalLines()).some((l) => /[#$] ?$/.test(l)), 300);
  await page.getByTestId('terminal').click();
  await page.keyboard.type(`echo ${word}`);
  await page.keyboard.press('Enter');
  // the output line (the typed command line holds the word too, after "echo ")
  await until(`"${word}" printed on its own line`, 15_000, async (note) => {
    const lines = await terminalLines();
    note(JSON.stringify(lines.filter(Boolean).slice(-4)));
    return lines.some((l) => l.trim() === word);
  }, 300);
  const viaKubectl = await kubectl('-n', 'demo-shop', 'exec', pod, '--', 'echo', word);
  if (viaKubectl.trim() !== word) throw new Error(`kubectl exec printed ${JSON.stringify(viaKubectl)}`);
  await shot('workload-terminal-zh');
  await page.getByTestId('terminal-disconnect').click();
  await expectVisible(page.getByTestId('terminal-ended'), 'the session ended');
  // the same row, completed
  await until('the audit row completed (ended by the browser)', 15_000, async (note) => {
    const row = (await rowsOf()).find((r) => r.id === open.id);
    note(row?.detail ?? 'no row');
    const d = JSON.parse(row?.detail || '{}');
    return d.ended_by === 'browser' && d.ended_at && d.container && !row.detail.includes(word);
  }, 500);
  await inEnglish(async () => {
    await until('the terminal to connect again (in English)', 30_000, async () => (await page.getByTestId('terminal-state').getAttribute('data-state')) === 'open', 300);
    await until('the shell\'s prompt', 15_000, async () => (await terminalLines()).some((l) => /[#$] ?$/.test(l)), 300);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('hostname');
    await page.keyboard.press('Enter');
    await until('the pod\'s hostname printed', 15_000, async () => (await terminalLines()).some((l) => l.trim() === pod), 300);
    await expectVisible(page.getByText(`Terminal: ${pod}`), 'the English title');
    await shot('workload-terminal-en');
  });
  // a viewer: no terminal button on the pod page, and the terminal's address is refused (403 before the upgrade)
  await loggedInAsViewer(async () => {
    await page.goto(`${BASE}/clusters/${clusterId}/namespaces/demo-shop/pods/${pod}`);
    await expectVisible(page.getByText(pod).first(), 'the pod page for the viewer');
    await expectVisible(page.locator('.ant-tabs-tab'), 'the pod tabs for the viewer');
    if (await page.getByTestId('pod-terminal').count()) throw new Error('a viewer sees the terminal button');
    await page.goto(`${BASE}/clusters/${clusterId}/namespaces/demo-shop/pods/${pod}/terminal`);
    await until('the terminal refused', 20_000, async () => (await page.getByTestId('terminal-state').getAttribute('data-state')) === 'ended-refused', 300);
    await expectVisible(page.getByTestId('terminal-ended').getByText(/pod\.exec/), 'why: the permission pod.exec');
  });
});

await step('workloads: a CronJob\'s "run now" creates a Job kubectl sees (as kubectl create job --from=cronjob); the Job\'s page shows completions, duration and its pods on their nodes, and "run again" makes a copy kubectl sees (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const v = (kindsCache ?? (kindsCache = await apiOk(`/k8s/cluster/${clusterId}/kinds`))).items.find((k) => k.name === 'cronjobs')?.version;
  need(v, 'CronJobs served by the cluster');
  const cronjob = { apiVersion: `batch/${v}`, kind: 'CronJob', metadata: { name: 'nightly-report', namespace: resNs }, spec: { schedule: '30 2 * * 1-5', suspend: true, jobTemplate: { metadata: { labels: { team: 'data' } }, spec: { template: { metadata: { annotations: { 'sim.kubedeck.io/complete-after-seconds': '2' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox:1.36', command: ['sh', '-c', 'echo report'] }] } } } } } };
  await kubectlApply(JSON.stringify(cronjob));
  const uid = (await kubectlJson('-n', resNs, 'get', 'cronjob', 'nightly-report')).metadata.uid;
  await page.goto(`${BASE}/clusters/${clusterId}/resources/cronjobs/${resNs}/nightly-report`);
  await expectVisible(page.getByTestId('cron-words').getByText('每个工作日（周一至周五） 02:30'), 'the schedule in words');
  await page.getByTestId('wl-trigger').click();
  await page.locator('.ant-popconfirm-buttons .ant-btn-primary').click();
  const created = page.getByTestId('wl-job-created');
  await expectVisible(created, 'the Job created');
  const jobName = (await created.locator('a').innerText()).split('/')[1];
  if (!jobName?.startsWith('nightly-report-')) throw new Error(`the Job is called ${jobName}`);
  const job = await kubectlJson('-n', resNs, 'get', 'job', jobName);
  const owner = job.metadata.ownerReferences?.[0];
  if (owner?.kind !== 'CronJob' || owner.name !== 'nightly-report' || owner.uid !== uid || owner.controller !== true) throw new Error(`the Job's owner is ${JSON.stringify(job.metadata.ownerReferences)}`);
  if (job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'] !== 'manual') throw new Error(`the Job's annotations are ${JSON.stringify(job.metadata.annotations)}`);
  if (job.metadata.labels?.team !== 'data' || job.spec.template.spec.containers[0].image !== 'busybox:1.36') throw new Error('the Job is not the CronJob\'s template');
  await shot('workload-cronjob-zh');
  await inEnglish(async () => {
    await expectVisible(page.getByTestId('cron-words').getByText('every weekday (Monday to Friday) at 02:30'), 'the schedule in English words');
    await shot('workload-cronjob-en');
  });
  // the Job's page, from the dialog's link: completions, duration, its pod on its node (as kubectl says)
  await page.goto(`${BASE}/clusters/${clusterId}/resources/jobs/${resNs}/${jobName}`);
  await until('the Job to complete on its page', 60_000, async () => (await page.getByTestId('job-state').getAttribute('data-state')) === 'Complete', 500);
  const panel = page.getByTestId('job-panel');
  await until('completions 1/1 and one succeeded', 20_000, async (note) => {
    const text = squash(await panel.innerText());
    note(text.slice(0, 200));
    return text.includes('完成数1/1') && text.includes('成功1') && text.includes('失败0');
  }, 500);
  const kPods = (await kubectlJson('-n', resNs, 'get', 'pods', '-l', `job-name=${jobName}`)).items;
  if (kPods.length !== 1) throw new Error(`kubectl sees ${kPods.length} pods of the Job`);
  await until('the Job\'s pod and its node', 20_000, async (note) => {
    const rows = (await panel.getByTestId('workload-pods').locator('tbody tr.ant-table-row').allInnerTexts()).map(squash);
    note(JSON.stringify(rows));
    return rows.length === 1 && rows[0].includes(kPods[0].metadata.name) && rows[0].includes(kPods[0].spec.nodeName);
  }, 500);
  await shot('workload-job-zh', true);
  // run again: a copy under a new name kubectl sees, with the same template
  await page.getByTestId('wl-rerun').click();
  await page.locator('.ant-popconfirm-buttons .ant-btn-primary').click();
  await expectVisible(created, 'the copy created');
  const again = (await created.locator('a').innerText()).split('/')[1];
  if (!again || again === jobName) throw new Error(`run again made ${again}`);
  const copy = await kubectlJson('-n', resNs, 'get', 'job', again);
  if (copy.spec.template.spec.containers[0].image !== 'busybox:1.36' || JSON.stringify(copy.spec.template.spec.containers[0].command) !== JSON.stringify(['sh', '-c', 'echo report'])) throw new Error(`the copy runs ${JSON.stringify(copy.spec.template.spec.containers)}`);
  await until('kubectl to see the copy succeed', 60_000, async () => (await kubectlJson('-n', resNs, 'get', 'job', again)).status.succeeded === 1, 1000);
});

await step('workloads: rollout progress live: a new image that cannot be pulled ends "stalled" on the panel with the pods\' image pull reason, and rolling back from the history makes it complete again (kubectl agrees) (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const name = 'stall-web';
  await kubectlApply(JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: resNs }, spec: { replicas: 2, progressDeadlineSeconds: 10, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.19' }] } } } }));
  // (without apply's copy of the manifest in an annotation, which the pictures need not show)
  await kubectl('-n', resNs, 'annotate', 'deployment', name, 'kubectl.kubernetes.io/last-applied-configuration-');
  await kubectl('-n', resNs, 'rollout', 'status', `deployment/${name}`, '--timeout=90s');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/${name}`);
  const state = page.getByTestId('rollout-state');
  await until('the rollout complete', 20_000, async () => (await state.getAttribute('data-state')) === 'complete', 300);
  // set an image the node cannot pull, from the page
  await page.getByTestId('wl-image').click();
  await page.getByTestId('wl-image-input').locator('input').fill('nginx:does-not-exist');
  await expectVisible(page.getByTestId('wl-image-change').getByText('变更：nginx:1.19 → nginx:does-not-exist'), 'the change shown before it is made');
  // (a click on the dialog's title closes the suggestions over its buttons)
  await page.locator('.ant-modal-title').click();
  await page.getByTestId('wl-image-ok').click();
  await until('kubectl to see the new image', 15_000, async () => (await kubectlJson('-n', resNs, 'get', 'deployment', name)).spec.template.spec.containers[0].image === 'nginx:does-not-exist', 500);
  // pushed to the page (no reload): progressing, then stalled with the reason and the failing pods
  await until('the rollout stalled on the page', 120_000, async (note) => {
    note(String(await state.getAttribute('data-state')));
    return (await state.getAttribute('data-state')) === 'stalled';
  }, 500);
  await expectVisible(page.getByTestId('rollout-reason').getByText('ProgressDeadlineExceeded'), 'the condition\'s reason');
  await until('the failing pods with their image pull reason', 60_000, async (note) => {
    const rows = (await page.getByTestId('rollout-failing').locator('tbody tr.ant-table-row').allInnerTexts()).map(squash);
    note(JSON.stringify(rows));
    return rows.length > 0 && rows.every((r) => /ImagePullBackOff|ErrImagePull/.test(r) && r.includes('web'));
  }, 500);
  const why = await kubectl('-n', resNs, 'rollout', 'status', `deployment/${name}`, '--timeout=3s').then(
    () => 'succeeded',
    (e) => String(e.stderr || e.message),
  );
  if (!why.includes('exceeded its progress deadline')) throw new Error(`kubectl rollout status says ${why}`);
  await shot('workload-rollout-stalled-zh');
  await inEnglish(async () => {
    await expectVisible(page.getByTestId('rollout-state').getByText('Stalled'), 'the state in English');
    await shot('workload-rollout-stalled-en');
  });
  // roll back to revision 1 from the history (in English); the rollout completes again
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/${name}?tab=history`);
  await inEnglish(async () => {
    await page.getByTestId('rollback-1').click();
    await expectVisible(page.getByTestId('rollback-diff').locator('.kd-diff-add', { hasText: 'nginx:1.19' }), 'the old image in the diff');
    await shot('workload-rollback-confirm-en');
    await page.getByTestId('rollback-confirm').click();
    await expectVisible(page.getByTestId('rollback-result').getByText('Rolled back to revision 1'), 'the rollback result');
    await until('revision 3 current in the history', 20_000, async () => squash(await page.getByTestId('history-table').locator('tbody tr.ant-table-row').first().innerText()).startsWith('#3'), 500);
    await shot('workload-history-en');
  });
  await kubectl('-n', resNs, 'rollout', 'status', `deployment/${name}`, '--timeout=120s');
  if ((await kubectlJson('-n', resNs, 'get', 'deployment', name)).spec.template.spec.containers[0].image !== 'nginx:1.19') throw new Error('kubectl does not see nginx:1.19 after the rollback');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${resNs}/${name}`);
  await until('the rollout complete again on the page', 60_000, async () => (await state.getAttribute('data-state')) === 'complete', 500);
});

await step('workloads: a StatefulSet\'s page shows its update strategy and partition and its pods by ordinal on their nodes; a DaemonSet\'s its pods per node (kubectl agrees) (issue 14)', async () => {
  need(resReady, 'the test namespace');
  const labels = (app) => ({ selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'redis:6' }] } } });
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: resNs }, spec: { replicas: 3, serviceName: 'cache', podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, ...labels('cache') } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: resNs }, spec: labels('agent') },
  ] }));
  await kubectl('-n', resNs, 'rollout', 'status', 'statefulset/cache', '--timeout=120s');
  const nodesOf = async (app) => Object.fromEntries((await kubectlJson('-n', resNs, 'get', 'pods', '-l', `app=${app}`)).items.map((p) => [p.metadata.name, p.spec.nodeName]));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/statefulsets/${resNs}/cache`);
  const panel = page.getByTestId('podset-panel');
  await expectVisible(panel.getByTestId('podset-partition').getByText('1', { exact: true }), 'the partition');
  if (!squash(await panel.getByTestId('podset-strategy').innerText()).includes('RollingUpdate')) throw new Error('the update strategy is not shown');
  const sts = await nodesOf('cache');
  await until('the pods in ordinal order with their nodes', 30_000, async (note) => {
    const rows = (await panel.getByTestId('workload-pods').locator('tbody tr.ant-table-row').allInnerTexts()).map(squash);
    note(JSON.stringify(rows));
    return rows.length === 3 && [0, 1, 2].every((i) => rows[i].startsWith(`${i}cache-${i}`) && rows[i].includes(sts[`cache-${i}`]));
  }, 500);
  await shot('workload-statefulset-zh', true);
  await kubectl('-n', resNs, 'rollout', 'status', 'daemonset/agent', '--timeout=120s');
  const ds = await nodesOf('agent');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/daemonsets/${resNs}/agent`);
  await until('one pod per node, as kubectl places them', 30_000, async (note) => {
    const rows = (await page.getByTestId('workload-pods').locator('tbody tr.ant-table-row').allInnerTexts()).map(squash);
    note(JSON.stringify(rows));
    return rows.length === Object.keys(ds).length && Object.entries(ds).every(([p, n]) => rows.some((r) => r.includes(p) && r.includes(n)));
  }, 500);
});

// ---- network and configuration (issue 15): the Service form, an Ingress' certificate warning, revealing one Secret
// key (allowed; a viewer refused), the ConfigMap data editor with its diff ----------------------------------------
const TLS_DIR = resolve(WEB, '../crates/kubedeck-kube/testdata/tls');
/** A screenshot from the top of the page (a step's clicks may have scrolled it). */
async function topShot(name) {
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    for (const e of document.querySelectorAll('main, .ant-layout-content, .ant-layout')) e.scrollTop = 0;
  });
  await shot(name);
}
/** An antd Select's option picked by its text. */
async function pickOption(testId, text) {
  await page.getByTestId(testId).click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: text }).first().click();
}

await step('network and configuration: a Service made by form selects a Deployment\'s pods (dry run first, kubectl sees its selector), its page shows ports, pods and endpoints in Chinese and English (issue 15)', async () => {
  need(resReady, 'the test objects');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/services?namespace=${resNs}`);
  await page.getByTestId('create-by-form').click();
  await expectVisible(page.getByTestId('service-form'), 'the Service form');
  await page.getByTestId('service-name').fill('e2e-form-svc');
  await pickOption('service-workload', 'Deployment/web-alpha');
  const want = (await kubectlJson('-n', resNs, 'get', 'deployment', 'web-alpha')).spec.selector.matchLabels;
  await until('the selector from the workload', 10_000, async () => squash(await page.getByTestId('service-selector').inputValue()) === Object.entries(want).map(([k, v]) => `${k}=${v}`).join(','), 200);
  await page.getByTestId('service-port-0').fill('8080');
  await page.getByTestId('service-dry-run').click();
  await expectVisible(page.getByTestId('service-dry-run-ok'), 'the dry run accepted');
  if ((await kubectl('-n', resNs, 'get', 'service', 'e2e-form-svc', '--ignore-not-found')).trim()) throw new Error('the dry run created the Service');
  await page.getByTestId('service-save').click();
  await page.waitForURL(new RegExp(`/resources/services/${resNs}/e2e-form-svc$`));
  const svc = await kubectlJson('-n', resNs, 'get', 'service', 'e2e-form-svc');
  if (JSON.stringify(svc.spec.selector) !== JSON.stringify(want)) throw new Error(`kubectl sees selector ${JSON.stringify(svc.spec.selector)}, not ${JSON.stringify(want)}`);
  if (svc.spec.ports[0].port !== 8080) throw new Error(`kubectl sees ports ${JSON.stringify(svc.spec.ports)}`);
  await expectVisible(page.getByTestId('service-panel').getByText(svc.spec.clusterIP), 'the cluster IP');
  const pods = (await kubectlJson('-n', resNs, 'get', 'pods', '-l', Object.entries(want).map(([k, v]) => `${k}=${v}`).join(','))).items.map((p) => p.metadata.name);
  await until('the selected pods as kubectl lists them', 20_000, async () => sameSet((await page.getByTestId('service-pods').locator('.ant-table-row td:first-child').allInnerTexts()).map((s) => s.trim()), pods), 500);
  // web-alpha's container declares no port: 8080 is flagged, in Chinese
  await expectVisible(page.getByTestId('insight-warning-target_port_unmatched').getByText(/目标端口 8080/), 'the unmatched target port');
  await topShot('network-service');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  await page.reload();
  await expectVisible(page.getByText(/Selected pods \(\d+\/\d+ ready\)/), 'the English panel');
  await topShot('network-service-en');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
});

await step('network and configuration: a TLS Secret from the form (a key of another certificate refused on its field, nothing created), an Ingress whose host the certificate does not cover is flagged with the certificate\'s details (issue 15)', async () => {
  need(resReady, 'the test objects');
  const crt = readFileSync(join(TLS_DIR, 'shop.crt'), 'utf8');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/secrets?namespace=${resNs}`);
  await page.getByTestId('create-by-form').hover();
  await page.getByRole('menuitem', { name: 'TLS 证书' }).click();
  await page.getByTestId('secret-form-name').fill('e2e-shop-tls');
  await page.getByTestId('secret-form-certificate').fill(crt);
  await page.getByTestId('secret-form-key').fill(readFileSync(join(TLS_DIR, 'other.key'), 'utf8'));
  await page.getByTestId('secret-form-check').click();
  await expectVisible(page.getByText('私钥与该证书不匹配'), 'the mismatch on the key field');
  if ((await kubectl('-n', resNs, 'get', 'secret', 'e2e-shop-tls', '--ignore-not-found')).trim()) throw new Error('a mismatched pair created the Secret');
  await page.getByTestId('secret-form-key').fill(readFileSync(join(TLS_DIR, 'shop.key'), 'utf8'));
  await page.getByTestId('secret-form-check').click();
  await expectVisible(page.getByTestId('secret-form-ok').getByText('CN=shop.example.com, O=Example Shop'), 'the checked certificate');
  await page.getByTestId('secret-form-save').click();
  await page.waitForURL(new RegExp(`/resources/secrets/${resNs}/e2e-shop-tls$`));
  if ((await kubectlJson('-n', resNs, 'get', 'secret', 'e2e-shop-tls')).type !== 'kubernetes.io/tls') throw new Error('kubectl does not see a TLS Secret');
  await kubectlApply(JSON.stringify({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'e2e-shop', namespace: resNs },
    spec: { tls: [{ hosts: ['shop.example.com', 'blog.example.com'], secretName: 'e2e-shop-tls' }],
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'e2e-form-svc', port: { number: 8080 } } } },
        { path: '/old', pathType: 'Prefix', backend: { service: { name: 'e2e-gone', port: { number: 80 } } } }] } }] },
  }));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/ingresses/${resNs}/e2e-shop`);
  await expectVisible(page.getByTestId('insight-warning-host_not_covered').getByText(/不包含主机 blog\.example\.com/), 'the uncovered host');
  await expectVisible(page.getByTestId('insight-warning-backend_service_missing').getByText(/e2e-gone/), 'the missing Service');
  await expectVisible(page.getByTestId('ingress-tls').getByText('*.api.example.com'), 'the certificate\'s SANs');
  const end = (await execFileP('openssl', ['x509', '-noout', '-enddate', '-in', join(TLS_DIR, 'shop.crt')])).stdout.trim().replace('notAfter=', '');
  const year = String(new Date(end).getUTCFullYear());
  await expectVisible(page.getByTestId('ingress-tls').getByText(new RegExp(year)), `the expiry year ${year} (openssl: ${end})`);
  await topShot('network-ingress-certificate');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  await page.reload();
  await expectVisible(page.getByTestId('insight-warning-host_not_covered').getByText(/does not cover blog\.example\.com/), 'the uncovered host in English');
  await topShot('network-ingress-certificate-en');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
});

await step('network and configuration: a Secret is revealed one key at a time (audited with the key name), a viewer gets no reveal and the API refuses it (issue 15)', async () => {
  need(resReady, 'the test objects');
  const value = `e2e-pw-${Date.now().toString(36)}`;
  await kubectl('-n', resNs, 'create', 'secret', 'generic', 'e2e-db', `--from-literal=password=${value}`, '--from-literal=user=app');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/secrets/${resNs}/e2e-db`);
  await page.getByTestId('secret-reveal-password').click();
  await expectVisible(page.getByTestId('secret-value-password').getByText(value), 'the revealed value');
  if (await page.getByTestId('secret-value-user').count()) throw new Error('revealing one key showed another');
  if (!(await page.getByTestId('secret-reveal-user').isVisible())) throw new Error('the other key lost its reveal button');
  await topShot('config-secret-reveal');
  const audit = await apiOk(`/audit?action=secret.reveal&page=1&page_size=20`);
  const row = (audit.items ?? []).find((a) => (a.resource ?? '').endsWith('secrets/e2e-db'));
  if (!row || !JSON.stringify(row.detail ?? row).includes('password') || JSON.stringify(row).includes(value)) throw new Error(`audit row: ${JSON.stringify(row)}`);
  try {
    await page.evaluate(() => localStorage.removeItem('kubedeck.session'));
    await login(viewer.name, viewer.changed);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 5000 }).catch(async () => {
      // (the viewer's first login: the initial password, then the forced change)
      await login(viewer.name, viewer.password);
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      if (page.url().includes('/change-password')) {
        await page.locator('#new-password').fill(viewer.changed);
        await page.locator('#confirm-password').fill(viewer.changed);
        await page.getByTestId('password-submit').click();
        await page.waitForURL(/\/clusters/);
      }
    });
    await page.goto(`${BASE}/clusters/${clusterId}/resources/secrets/${resNs}/e2e-db`);
    await expectVisible(page.getByTestId('secret-keys'), 'the keys for the viewer');
    if (await page.getByTestId('secret-reveal-password').count()) throw new Error('a viewer sees a reveal button');
    const r = await api(`/k8s/cluster/${clusterId}/namespaces/${resNs}/secrets/e2e-db?reveal=true&key=password`);
    if (r.status !== 403) throw new Error(`a viewer's reveal answered HTTP ${r.status}`);
  } finally {
    await page.evaluate(() => localStorage.removeItem('kubedeck.session'));
    await login(USER, password);
    await page.waitForURL(/\/clusters/);
  }
});

await step('network and configuration: the ConfigMap data editor shows the diff before saving (nothing changed until saved), kubectl sees the edit; "used by" names the Deployment mounting it (issue 15)', async () => {
  need(resReady, 'the test objects');
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e2e-app-conf', namespace: resNs }, data: { 'app.conf': 'a=1\nb=2\n' } }));
  await kubectlApply(JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'e2e-conf-user', namespace: resNs },
    spec: { replicas: 1, selector: { matchLabels: { app: 'e2e-conf-user' } }, template: { metadata: { labels: { app: 'e2e-conf-user' } },
      spec: { volumes: [{ name: 'c', configMap: { name: 'e2e-app-conf' } }], containers: [{ name: 'c', image: 'nginx:1.25' }] } } },
  }));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/configmaps/${resNs}/e2e-app-conf`);
  await expectVisible(page.getByTestId('used-by').getByText('e2e-conf-user'), 'the Deployment using it');
  await page.getByTestId('configmap-edit-data').click();
  await page.getByTestId('configmap-value-0').fill('a=1\nb=3\n');
  await page.getByTestId('configmap-review').click();
  const diff = page.getByTestId('configmap-diff');
  await expectVisible(diff.locator('.kd-diff-del', { hasText: 'b=2' }), 'the removed line');
  await expectVisible(diff.locator('.kd-diff-add', { hasText: 'b=3' }), 'the added line');
  if ((await kubectlJson('-n', resNs, 'get', 'configmap', 'e2e-app-conf')).data['app.conf'] !== 'a=1\nb=2\n') throw new Error('the review changed the ConfigMap');
  await topShot('config-configmap-diff');
  await page.getByTestId('configmap-save').click();
  await until('kubectl to see the edit', 10_000, async () => (await kubectlJson('-n', resNs, 'get', 'configmap', 'e2e-app-conf')).data['app.conf'] === 'a=1\nb=3\n', 500);
});

await step('network and configuration: a NetworkPolicy reads as sentences in Chinese and English, with the pods it selects as kubectl lists them (issue 15)', async () => {
  need(resReady, 'the test objects');
  await kubectlApply(JSON.stringify({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'e2e-alpha-from-beta', namespace: resNs },
    spec: { podSelector: { matchLabels: { app: 'web-alpha' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web-beta' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }], policyTypes: ['Ingress', 'Egress'] },
  }));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/networkpolicies/${resNs}/e2e-alpha-from-beta`);
  await expectVisible(page.getByTestId('netpol-ingress').getByText('允许来自本命名空间中的 Pod app=web-beta，端口 TCP/8080'), 'the ingress rule in Chinese');
  await expectVisible(page.getByTestId('netpol-egress').getByText(/^拒绝/), 'egress denied');
  const pods = (await kubectlJson('-n', resNs, 'get', 'pods', '-l', 'app=web-alpha')).items.map((p) => p.metadata.name);
  await until('the selected pods as kubectl lists them', 20_000, async () => sameSet((await page.getByTestId('netpol-panel').locator('.ant-tag a').allInnerTexts()).map((s) => s.trim()), pods), 500);
  await topShot('network-policy');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  await page.reload();
  await expectVisible(page.getByTestId('netpol-ingress').getByText('Allowed from pods app=web-beta of this namespace, on TCP/8080'), 'the ingress rule in English');
  await topShot('network-policy-en');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
});

await step('network and configuration: an Ingress made by form (IngressClass, host → path → Service:port and the TLS Secret picked from the cluster\'s; dry run first) is what kubectl sees, and edited by form (issue 15)', async () => {
  need(resReady, 'the test objects');
  const ING = ['-n', resNs, 'get', 'ingresses.v1.networking.k8s.io', 'e2e-form-ing'];
  await kubectlApply(JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'e2e-form-class' }, spec: { controller: 'example.com/e2e' } }));
  try {
    await page.goto(`${BASE}/clusters/${clusterId}/resources/ingresses?namespace=${resNs}`);
    await page.getByTestId('create-by-form').click();
    await expectVisible(page.getByTestId('ingress-form'), 'the Ingress form');
    // the testbed (v1.20) serves networking.k8s.io/v1
    await expectVisible(page.getByTestId('ingress-version').getByText('networking.k8s.io/v1'), 'the served version');
    await page.getByTestId('ingress-name').fill('e2e-form-ing');
    await pickOption('ingress-class', 'e2e-form-class');
    await page.getByTestId('ingress-host-0').fill('form.example.com');
    await page.getByTestId('ingress-path-0').fill('/shop');
    await pickOption('ingress-service-0', 'e2e-form-svc');
    // the port picker lists the picked Service's ports once they are read: open it again until 8080 is offered
    await until('the Service\'s port 8080 offered', 20_000, async () => {
      await page.getByTestId('ingress-port-0').click();
      const opt = page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '8080' }).first();
      if (!(await opt.waitFor({ state: 'visible', timeout: 2_000 }).then(() => true, () => false))) {
        await page.keyboard.press('Escape');
        return false;
      }
      await opt.click();
      return true;
    }, 500);
    await page.getByTestId('ingress-add-tls').click();
    await page.getByTestId('ingress-tls-hosts-0').click();
    await page.keyboard.type('form.example.com');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await pickOption('ingress-tls-secret-0', 'e2e-shop-tls');
    await page.getByTestId('ingress-dry-run').click();
    await expectVisible(page.getByTestId('ingress-dry-run-ok'), 'the dry run accepted');
    if ((await kubectl(...ING, '--ignore-not-found')).trim()) throw new Error('the dry run created the Ingress');
    await page.getByTestId('ingress-save').click();
    await page.waitForURL(new RegExp(`/resources/ingresses/${resNs}/e2e-form-ing$`));
    const ing = await kubectlJson(...ING);
    const rule = ing.spec.rules?.[0];
    const p = rule?.http?.paths?.[0];
    const seen = JSON.stringify([ing.spec.ingressClassName, ing.spec.rules.length, rule.host, rule.http.paths.length, p.path, p.pathType, p.backend.service?.name, p.backend.service?.port?.number, ing.spec.tls]);
    const want = JSON.stringify(['e2e-form-class', 1, 'form.example.com', 1, '/shop', 'Prefix', 'e2e-form-svc', 8080, [{ hosts: ['form.example.com'], secretName: 'e2e-shop-tls' }]]);
    if (seen !== want) throw new Error(`kubectl sees ${seen}, not ${want}`);
    // edit: the live object in the form, one path changed, the rest kept
    await page.getByTestId('ingress-edit-form').click();
    await expectVisible(page.getByTestId('ingress-form'), 'the edit form');
    if ((await page.getByTestId('ingress-host-0').inputValue()) !== 'form.example.com') throw new Error('the edit form does not show the live host');
    await page.getByTestId('ingress-path-0').fill('/store');
    await page.getByTestId('ingress-save').click();
    await until('kubectl sees the edited path', 20_000, async () => (await kubectlJson(...ING)).spec.rules[0].http.paths[0].path === '/store', 500);
    const edited = await kubectlJson(...ING);
    if (edited.spec.ingressClassName !== 'e2e-form-class' || edited.spec.tls?.[0]?.secretName !== 'e2e-shop-tls') throw new Error(`the edit lost the class or TLS: ${JSON.stringify(edited.spec)}`);
    await expectVisible(page.getByTestId('ingress-routes').getByText('/store (Prefix)'), 'the edited rule on the page');
  } finally {
    await kubectl('delete', 'ingressclass', 'e2e-form-class', '--ignore-not-found');
  }
});

await step('network and configuration: cluster DNS by form — without kube-system/coredns the page says so; with kubeadm\'s, an invalid upstream is refused naming it (nothing changed), a checked upstream and stub domain are saved (kubectl sees them in the Corefile), one click rolls back (issue 15)', async () => {
  const COREFILE = '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n';
  const corefile = async () => (await kubectlJson('-n', 'kube-system', 'get', 'configmap', 'coredns')).data.Corefile;
  /** A value typed into a tags box, typed again until the box shows it as a tag (under load the first keys can
   *  arrive before the box has focus). */
  const addTag = async (testId, v) => {
    const box = page.getByTestId(testId);
    const tag = box.locator('.ant-select-selection-item', { hasText: v });
    for (let attempt = 0; attempt < 4 && !(await tag.count()); attempt++) {
      await box.locator('input').first().focus();
      await box.locator('input').first().fill(v);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Escape');
      await tag.first().waitFor({ state: 'visible', timeout: 3_000 }).catch(() => {});
    }
    await expectVisible(tag, `${v} as a tag in ${testId}`, 5_000);
  };
  await kubectl('-n', 'kube-system', 'delete', 'configmap', 'coredns', '--ignore-not-found');
  await page.goto(`${BASE}/clusters/${clusterId}/dns`);
  await expectVisible(page.getByTestId('dns-not-found'), 'no CoreDNS to edit');
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: COREFILE } }));
  try {
    await page.reload();
    await expectVisible(page.getByTestId('dns-form'), 'the DNS form');
    await expectVisible(page.getByTestId('dns-upstreams').getByText('/etc/resolv.conf'), 'the upstream kubeadm writes');
    await addTag('dns-upstreams', '8.8.8.300');
    await page.getByTestId('dns-save').click();
    await expectVisible(page.getByTestId('error-alert').getByText(/upstreams\[1\]/), 'the refused upstream named');
    if ((await corefile()) !== COREFILE) throw new Error('a refused upstream changed the Corefile');
    await page.getByTestId('dns-upstreams').locator('.ant-select-selection-item', { hasText: '8.8.8.300' }).locator('.ant-select-selection-item-remove').click();
    await addTag('dns-upstreams', '10.96.0.53');
    await page.getByTestId('dns-add-stub').click();
    await page.getByTestId('dns-stub-domain-0').fill('corp.example');
    await addTag('dns-stub-resolvers-0', '10.150.0.1');
    const checkedAnswer = page.waitForResponse((r) => r.url().includes(`/cluster/${clusterId}/dns`) && r.request().method() === 'PUT');
    await page.getByTestId('dns-check').click();
    const answer = await checkedAnswer;
    if (answer.status() !== 200) throw new Error(`the check answered ${answer.status()}: ${await answer.text()}`);
    await expectVisible(page.getByTestId('dns-check-ok').getByText(/corp\.example:53/), 'the checked Corefile');
    if ((await corefile()) !== COREFILE) throw new Error('the check changed the Corefile');
    await page.getByTestId('dns-save').click();
    await until('kubectl sees the upstreams and the stub domain', 20_000, async () => {
      const c = await corefile();
      return c.includes('forward . /etc/resolv.conf 10.96.0.53 {') && c.includes('corp.example:53 {') && c.includes('forward . 10.150.0.1');
    }, 500);
    await topShot('network-dns');
    await page.getByTestId('dns-rollback').click();
    await page.locator('.ant-popconfirm .ant-btn-primary').click();
    await until('kubectl sees kubeadm\'s Corefile again', 20_000, async () => (await corefile()) === COREFILE, 500);
  } finally {
    await kubectl('-n', 'kube-system', 'delete', 'configmap', 'coredns', '--ignore-not-found');
  }
});

await step('resource engine: clean up the test namespace', async () => {
  if (resReady) await kubectl('delete', 'namespace', resNs, '--wait=false', '--ignore-not-found');
});

// ---- namespaces and storage (issue 15): a namespace from the form with a quota, the delete confirmation listing what
// it holds (as kubectl lists it), a claim bound to a PV made with kubectl, with the volume usage the kubelet reports -
const nsE2e = `e2e-ns-${Date.now().toString(36)}`;
let nsCreated = false;

await step('namespaces and storage: a namespace from the form with labels and a ResourceQuota (dry run first), kubectl sees both; its quota page shows used / hard as kubectl describe quota does (issue 15)', async () => {
  need(clusterId, 'an imported cluster');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/namespaces`);
  await page.getByTestId('create-by-form').click();
  await page.getByTestId('namespace-name').fill(nsE2e);
  await page.getByTestId('namespace-labels').fill('team=e2e\nenv=test');
  await page.getByTestId('namespace-with-quota').check();
  await page.getByTestId('quota-pods').fill('5');
  await page.getByTestId('quota-requests.cpu').fill('2');
  await page.getByTestId('namespace-create-dry-run').click();
  await expectVisible(page.getByTestId('namespace-dry-run-ok'), 'the dry run accepted');
  if ((await kubectl('get', 'namespace', nsE2e, '--ignore-not-found')).trim()) throw new Error('the dry run created the namespace');
  await page.getByTestId('namespace-create-submit').click();
  await page.waitForURL(new RegExp(`/resources/namespaces/_/${nsE2e}$`));
  nsCreated = true;
  const ns = await kubectlJson('get', 'namespace', nsE2e);
  if (ns.metadata.labels.team !== 'e2e' || ns.metadata.labels.env !== 'test') throw new Error(`kubectl sees labels ${JSON.stringify(ns.metadata.labels)}`);
  const quota = await kubectlJson('-n', nsE2e, 'get', 'resourcequota', 'default-quota');
  if (quota.spec.hard.pods !== '5' || quota.spec.hard['requests.cpu'] !== '2') throw new Error(`kubectl sees quota ${JSON.stringify(quota.spec.hard)}`);
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e2e-quota-pod', namespace: nsE2e }, spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '500m' } } }] } }));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/resourcequotas/${nsE2e}/default-quota`);
  // kubectl describe quota's Used column, once the quota controller has counted the pod
  let describe = '';
  await until('the quota controller to count the pod', 60_000, async () => {
    describe = await kubectl('-n', nsE2e, 'describe', 'quota', 'default-quota');
    return /^pods\s+1\s+5$/m.test(describe);
  });
  const lines = describe.split('\n').filter((l) => /^(pods|requests\.cpu)\s/.test(l)).map((l) => l.trim().split(/\s+/));
  for (const [resource, used, hard] of lines) {
    const row = page.getByTestId('quota-usage').locator('.ant-table-row', { hasText: resource });
    await until(`${resource} ${used}/${hard} on the page`, 20_000, async () => squash(await row.innerText()).includes(`${resource}${used}${hard}`), 500);
  }
  await shot('namespace-quota');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  await page.reload();
  await expectVisible(page.getByText('Used / hard'), 'the English quota panel');
  await shot('namespace-quota-en');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
});

await step('namespaces and storage: deleting the namespace asks with what it still holds, per kind as kubectl lists them; after confirming kubectl sees it terminating (issue 15)', async () => {
  need(nsCreated, 'the namespace made by form');
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e2e-cm', namespace: nsE2e }, data: { a: '1' } }));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/namespaces/_/${nsE2e}`);
  await page.getByTestId('resource-delete').click();
  const box = page.getByTestId('namespace-delete-contents');
  await expectVisible(box, 'what the namespace holds');
  for (const [resource, kind] of [['configmaps', 'ConfigMap'], ['pods', 'Pod'], ['resourcequotas', 'ResourceQuota'], ['serviceaccounts', 'ServiceAccount']]) {
    const count = (await kubectlJson('-n', nsE2e, 'get', resource)).items.length;
    const row = box.locator('.ant-table-row', { hasText: kind }).first();
    await until(`${kind}: ${count} as kubectl lists`, 20_000, async () => {
      return (await row.count()) > 0 && squash(await row.innerText()).startsWith(`${kind}${count}`);
    }, 500);
  }
  await expectVisible(box.getByText('e2e-cm'), 'the ConfigMap by name');
  await shot('namespace-delete-confirm');
  await page.getByTestId('confirm-resource-delete').click();
  await until('kubectl to see the namespace terminating or gone', 20_000, async () => {
    const phase = (await kubectl('get', 'namespace', nsE2e, '--ignore-not-found', '-o', 'jsonpath={.status.phase}')).trim();
    return phase === '' || phase === 'Terminating';
  }, 500);
  nsCreated = false;
});

const pvE2e = `e2e-pv-${Date.now().toString(36)}`;
const pvcNs = `e2e-pvc-${Date.now().toString(36)}`;
await step('namespaces and storage: a claim bound to a PV made with kubectl shows both sides, the pod mounting it, and the usage the simulated kubelet reports, in Chinese and English (issue 15)', async () => {
  need(clusterId, 'an imported cluster');
  await kubectl('create', 'namespace', pvcNs);
  await until('the namespace\'s default ServiceAccount', 60_000, async () => (await kubectl('-n', pvcNs, 'get', 'serviceaccount', 'default', '--ignore-not-found')).trim() !== '');
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvE2e },
    spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'e2e-manual', hostPath: { path: `/tmp/${pvE2e}` } } }));
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'e2e-data', namespace: pvcNs },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'e2e-manual', volumeName: pvE2e, resources: { requests: { storage: '2Gi' } } } }));
  await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e2e-db', namespace: pvcNs },
    spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'e2e-data' } }], containers: [{ name: 'db', image: 'postgres:13' }] } }));
  await until('kubectl to see the claim bound', 60_000, async () => (await kubectlJson('-n', pvcNs, 'get', 'pvc', 'e2e-data')).status.phase === 'Bound');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/persistentvolumeclaims/${pvcNs}/e2e-data`);
  await expectVisible(page.getByTestId('claim-volume-link').getByText(pvE2e), 'the bound volume');
  const pvc = await kubectlJson('-n', pvcNs, 'get', 'pvc', 'e2e-data');
  await expectVisible(page.getByTestId('claim-capacity').getByText(pvc.status.capacity.storage), 'the bound capacity');
  await until('the pod mounting it', 20_000, async () => (await page.getByTestId('claim-pods').getByText('e2e-db').count()) > 0, 500);
  // the collector reads the kubelet summaries every interval: the usage appears once the pod runs
  await until('the volume usage from the kubelet', 120_000, async () => (await page.getByTestId('volume-usage').count()) > 0, 2000);
  const v = await apiOk(`/k8s/cluster/${clusterId}/namespaces/${pvcNs}/persistentvolumeclaims/e2e-data/volume`);
  if (!v.usage || v.usage.capacity_bytes !== 2 * 1024 ** 3 || !(v.usage.used_bytes > 0)) throw new Error(`usage: ${JSON.stringify(v.usage)}`);
  await shot('storage-claim');
  await page.goto(`${BASE}/clusters/${clusterId}/resources/persistentvolumes/_/${pvE2e}`);
  await until('the claim on the volume\'s side', 30_000, async () => (await page.getByTestId('resource-overview').innerText().catch(() => '')).includes(`${pvcNs}/e2e-data`), 500);
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/persistentvolumeclaims/${pvcNs}/e2e-data`);
  await expectVisible(page.getByText('Used / capacity'), 'the English usage panel');
  await shot('storage-claim-en');
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
});

await step('namespaces and storage: clean up the volume', async () => {
  await kubectl('delete', 'namespace', pvcNs, '--wait=false', '--ignore-not-found');
  await kubectl('delete', 'pv', pvE2e, '--wait=false', '--ignore-not-found');
  if (nsCreated) await kubectl('delete', 'namespace', nsE2e, '--wait=false', '--ignore-not-found');
});

await step('upgrade readiness: a CronJob applied with batch/v1beta1 is a blocker on the way to 1.25, named with its writer; the path and every node\'s kubelet are listed, in Chinese and English (issue 18)', async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-upg-${Date.now().toString(36)}`;
  await kubectl('create', 'namespace', ns);
  try {
    // kubectl apply keeps the manifest's apiVersion in last-applied: the report must name this object
    await kubectlApply(JSON.stringify({ apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'nightly', namespace: ns },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } } }));
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/clusters/${clusterId}/upgrade?target=1.25`);
    await expectVisible(page.getByTestId('upgrade-report'), 'the readiness report', 60_000);
    const verdict = await page.getByTestId('upgrade-verdict').innerText();
    if (!verdict.includes('1.25') || !verdict.includes('阻塞')) throw new Error(`verdict: ${verdict}`);
    const path = ['1.21', '1.22', '1.23', '1.24', '1.25'];
    for (const v of path) await expectVisible(page.locator('.ant-steps-item-title', { hasText: new RegExp(`^${v.replace('.', '\\.')}$`) }), `the step ${v}`);
    const row = page.getByTestId('upgrade-removed').locator('.ant-table-row', { hasText: 'batch/v1beta1 CronJob' });
    await expectVisible(row, 'the batch/v1beta1 CronJob row');
    const text = await row.innerText();
    if (!text.includes('1.25') || !text.includes('batch/v1') || !text.includes('阻塞')) throw new Error(`CronJob row: ${text}`);
    await row.locator('.ant-table-row-expand-icon').click();
    await expectVisible(page.getByText(`${ns}/nightly`), 'the CronJob named under its row');
    const nodes = (await kubectlJson('get', 'nodes')).items.length;
    await until('every node in the skew table', 10_000, async () => (await page.getByTestId('upgrade-nodes').locator('.ant-table-row').count()) === Math.min(nodes, 20), 250);
    await shot('upgrade-readiness');
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
    await page.reload();
    await expectVisible(page.getByTestId('upgrade-verdict').getByText(/blocker\(s\) must be fixed before upgrading to 1\.25/), 'the English verdict', 60_000);
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  } finally {
    await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
  }
});

await step('application backups: a namespace with a ConfigMap and a Secret backed up from the page (counts and report as kubectl lists the namespace, the download without the Secret\'s value); the ConfigMap deleted with kubectl; the dry run says it would be created and changes nothing; the restore brings it back with its data (kubectl agrees); zh-CN and en (issue 18)', async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-bk-${Date.now().toString(36)}`;
  const secretValue = `s3cret-${Date.now().toString(36)}`;
  const data = { color: 'blue', mode: 'restore-me' };
  const base = `/k8s/cluster/${clusterId}/app-backups`;
  let bid = null;
  await kubectl('create', 'namespace', ns);
  try {
    await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: ns }, data }));
    await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: ns }, type: 'Opaque', stringData: { password: secretValue } }));
    // what the backup should hold, as kubectl lists the namespace: its ConfigMaps and Secrets less what the cluster
    // makes in every namespace (kube-root-ca.crt, ServiceAccount tokens), which the report lists as left out
    await until('the namespace\'s default ServiceAccount', 60_000, async () => (await kubectl('-n', ns, 'get', 'serviceaccount', 'default', '--ignore-not-found')).trim() !== '');
    const configMaps = (await kubectlJson('-n', ns, 'get', 'configmaps')).items.filter((c) => c.metadata.name !== 'kube-root-ca.crt');
    const secrets = (await kubectlJson('-n', ns, 'get', 'secrets')).items.filter((s) => s.type !== 'kubernetes.io/service-account-token');
    const rootCa = (await kubectl('-n', ns, 'get', 'configmap', 'kube-root-ca.crt', '--ignore-not-found')).trim() !== '';
    if (configMaps.length !== 1 || secrets.length !== 1) throw new Error(`kubectl lists ${configMaps.length} ConfigMaps and ${secrets.length} Secrets of our own`);

    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/clusters/${clusterId}`);
    await page.getByRole('menuitem', { name: /应用备份/ }).click();
    await page.waitForURL(new RegExp(`/clusters/${clusterId}/backups$`));
    await expectVisible(page.getByTestId('app-backups-page'), 'the backups page');
    // back up from the page
    await page.getByTestId('app-backup-new').click();
    await page.getByTestId('app-backup-namespaces').click();
    await page.keyboard.type(ns);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: ns }).first().click();
    // (no Escape: it would close the dialog) typing the name moves the focus and closes the list
    await page.getByTestId('app-backup-name').fill(`${ns}-before`);
    await page.getByTestId('app-backup-create-submit').click();
    // the row is listed as running while the server reads the namespaces (the POST answers once it is done)
    const list = await until('the backup in the API, finished', 90_000, async (note) => {
      const b = (await apiOk(base)).find((x) => x.name === `${ns}-before`);
      note(b ? b.status : 'not listed');
      return b && b.status !== 'running' ? b : null;
    }, 1000);
    bid = list.id;
    if (list.status !== 'succeeded' || list.object_count !== configMaps.length + secrets.length || list.secret_count !== secrets.length)
      throw new Error(`the backup: ${list.status}, ${list.object_count} objects, ${list.secret_count} Secrets (kubectl: ${configMaps.length} ConfigMap, ${secrets.length} Secret)`);
    await expectVisible(page.getByTestId(`app-backup-status-${bid}`).getByText('成功'), 'the backup 成功 on its row', 30_000);
    const counts = (await page.getByTestId(`app-backup-counts-${bid}`).innerText()).trim();
    if (counts !== `${configMaps.length + secrets.length} / ${secrets.length}`) throw new Error(`objects / Secrets on the row: ${counts}`);
    // the report: per kind, what was left out and why (in Chinese), the volume note; no Secret value anywhere
    await page.getByTestId(`app-backup-open-${bid}`).click();
    const detail = page.getByTestId('app-backup-detail');
    await expectVisible(detail, 'the backup drawer');
    for (const kind of ['ConfigMap', 'Secret']) {
      const row = page.getByTestId('app-backup-kinds').locator('.ant-table-row', { hasText: kind });
      if (squash(await row.innerText()) !== `${kind}1`) throw new Error(`${kind} per kind: ${await row.innerText()}`);
    }
    const leftOut = page.getByTestId('app-backup-left-out');
    await expectVisible(leftOut.locator('.ant-table-row', { hasText: `${ns}/default` }).getByText('集群会在每个命名空间中自动创建'), 'the default ServiceAccount left out, why in Chinese');
    if (rootCa) await expectVisible(leftOut.locator('.ant-table-row', { hasText: `${ns}/kube-root-ca.crt` }), 'kube-root-ca.crt left out');
    await expectVisible(page.getByTestId('app-backup-volume-note').getByText('没有 PersistentVolumeClaim'), 'the volume note (no claims)');
    await until('the objects in restore order', 20_000, async () => {
      const rows = (await page.getByTestId('app-backup-objects').locator('.ant-table-row').allInnerTexts()).map(squash);
      return rows[0]?.startsWith(`Namespace-${ns}`) && rows.some((r) => r.startsWith(`ConfigMap${ns}app-config`)) && rows.some((r) => r.startsWith(`Secret${ns}app-secret`));
    }, 500);
    if ((await detail.innerText()).includes(secretValue)) throw new Error('the drawer shows the Secret\'s value');
    // the download is the archive, the Secret still sealed in it
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), (async () => {
      await page.keyboard.press('Escape');
      await page.getByTestId(`app-backup-download-${bid}`).click();
    })()]);
    const archive = readFileSync(await download.path(), 'utf8');
    if (!archive.includes('app-config') || !archive.includes('restore-me')) throw new Error(`the archive lacks the ConfigMap: ${archive.slice(0, 300)}`);
    if (archive.includes(secretValue) || archive.includes(Buffer.from(secretValue).toString('base64'))) throw new Error('the archive carries the Secret\'s value unsealed');

    // the ConfigMap goes, with kubectl
    await kubectl('-n', ns, 'delete', 'configmap', 'app-config');
    // dry run: the ConfigMap would be created, the Secret is skipped; nothing changes for kubectl
    await page.getByTestId(`app-backup-restore-${bid}`).click();
    await expectVisible(page.getByTestId('app-restore-form'), 'the restore dialog');
    const target = await page.getByTestId('app-restore-target').innerText();
    if (!target.includes('本集群')) throw new Error(`the target by default: ${target}`);
    if ((await page.getByTestId(`app-restore-map-${ns}`).inputValue()) !== ns) throw new Error('the namespace is not mapped to itself by default');
    await page.getByTestId('app-restore-dry-run-button').click();
    const dry = page.getByTestId('app-restore-dry-run');
    await expectVisible(dry, 'the dry run report', 60_000);
    const outcome = (kind, name) => dry.getByTestId(`app-restore-outcome-${kind}-${name}`).innerText();
    if ((await outcome('ConfigMap', 'app-config')).trim() !== '已创建') throw new Error(`dry run, ConfigMap: ${await outcome('ConfigMap', 'app-config')}`);
    if ((await outcome('Secret', 'app-secret')).trim() !== '已跳过') throw new Error(`dry run, Secret: ${await outcome('Secret', 'app-secret')}`);
    const tagColour = await dry.getByTestId('app-restore-outcome-ConfigMap-app-config').evaluate((e) => e.className);
    if (!tagColour.includes('green')) throw new Error(`the created tag is not green: ${tagColour}`);
    if (!squash(await dry.getByTestId('app-restore-summary').innerText()).includes('将创建1个')) throw new Error(`dry run summary: ${await dry.getByTestId('app-restore-summary').innerText()}`);
    if ((await kubectl('-n', ns, 'get', 'configmap', 'app-config', '--ignore-not-found')).trim()) throw new Error('the dry run created the ConfigMap');
    // restore
    await page.getByTestId('app-restore-submit').click();
    await page.getByTestId('app-restore-confirm').click();
    const done = page.getByTestId('app-restore-report');
    await expectVisible(done, 'the restore report', 60_000);
    if ((await done.getByTestId('app-restore-outcome-ConfigMap-app-config').innerText()).trim() !== '已创建') throw new Error('the restore did not report the ConfigMap created');
    const back = await kubectlJson('-n', ns, 'get', 'configmap', 'app-config');
    if (JSON.stringify(back.data) !== JSON.stringify(data)) throw new Error(`kubectl sees the restored ConfigMap with ${JSON.stringify(back.data)}`);
    const secret = await kubectlJson('-n', ns, 'get', 'secret', 'app-secret');
    if (Buffer.from(secret.data.password, 'base64').toString() !== secretValue) throw new Error('the Secret changed');
    await shot('app-backups');

    // English
    await page.keyboard.press('Escape');
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
    await page.reload();
    await expectVisible(page.getByRole('menuitem', { name: /Application backups/ }), 'the English menu entry');
    await expectVisible(page.getByTestId(`app-backup-status-${bid}`).getByText('succeeded'), 'succeeded in English');
    await expectVisible(page.getByRole('columnheader', { name: 'Objects / Secrets' }), 'the English column');
    await page.getByTestId(`app-backup-restore-${bid}`).click();
    await page.getByTestId('app-restore-dry-run-button').click();
    await expectVisible(page.getByTestId('app-restore-dry-run').getByTestId('app-restore-outcome-ConfigMap-app-config').getByText('skipped'), 'the ConfigMap now skipped, in English', 60_000);
    await shot('app-backups-en');
    await page.keyboard.press('Escape');
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.reload();
    // delete from the page (confirmed): the API no longer lists it
    // the list is back after the reload before its row is clicked, and the confirmation is open before it is confirmed
    await expectVisible(page.getByTestId(`app-backup-open-${bid}`), 'the backup listed again after the reload', 60_000);
    await page.getByTestId(`app-backup-delete-${bid}`).click();
    await expectVisible(page.getByTestId(`app-backup-delete-confirm-${bid}`), 'the delete confirmation');
    await page.getByTestId(`app-backup-delete-confirm-${bid}`).click();
    await until('the backup to leave the list', 60_000, async () => !(await apiOk(base)).some((b) => b.id === bid) && (await page.getByTestId(`app-backup-open-${bid}`).count()) === 0, 500);
    bid = null;
  } finally {
    if (bid !== null) await api(`${base}/${bid}`, { method: 'DELETE' }).catch(() => undefined);
    await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
  }
});

// ---- the certificate dashboard (issue 18) ----------------------------------------------------------------------------
/** A certificate's end as openssl reads it (`openssl x509 -enddate`), as a Date. */
async function opensslEnd(file) {
  const out = (await execFileP('openssl', ['x509', '-noout', '-enddate', '-in', file])).stdout.trim();
  const end = new Date(out.replace(/^notAfter=/, ''));
  if (!Number.isFinite(end.getTime())) throw new Error(`openssl's end date cannot be read: ${out}`);
  return end;
}

await step("certificates: a TLS Secret made with openssl for 5 days is on the Certificates page after refresh (not before: readings are kept) with about 5 days left in the expiring colour and its Ingress; the API server's not-after is openssl's; an Ingress naming a missing Secret is a warning; counts as the API's; filters in the URL; the cluster's menu entry; zh-CN and en (issue 18)", async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-cert-${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'kd-e2e-cert-'));
  const [keyFile, crtFile] = [join(dir, 'k'), join(dir, 'c')];
  await execFileP('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '5', '-subj', '/CN=e2e.example.test', '-keyout', keyFile, '-out', crtFile]);
  const table = page.getByTestId('cert-table');
  const rowOf = (...texts) => texts.reduce((l, text) => l.filter({ hasText: text }), table.locator('.ant-table-row'));
  const secretRow = rowOf(`${ns}/e2e-short`);
  await kubectl('create', 'namespace', ns);
  try {
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/certificates`);
    // a reading of now, taken before the Secret exists
    await page.getByTestId('cert-refresh').click();
    const apiserverRow = rowOf(clusterName, 'API Server 服务证书');
    await expectVisible(apiserverRow, "the testbed's API server certificate", 60_000);
    await kubectl('-n', ns, 'create', 'secret', 'tls', 'e2e-short', `--cert=${crtFile}`, `--key=${keyFile}`);
    await kubectlApply(JSON.stringify({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'e2e-web', namespace: ns },
      spec: { tls: [{ hosts: ['e2e.example.test'], secretName: 'e2e-short' }, { hosts: ['gone.example.test'], secretName: 'e2e-missing' }],
        rules: [{ host: 'e2e.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    }));
    if ((await kubectl('-n', ns, 'get', 'secret', 'e2e-missing', '--ignore-not-found')).trim()) throw new Error('kubectl has a Secret e2e-missing');
    // kept readings: a reload without refresh still shows the reading from before the Secret
    await page.reload();
    await expectVisible(apiserverRow, 'the table after a reload', 60_000);
    if (await secretRow.count()) throw new Error('the new Secret is shown before refresh: the page did not answer from the kept reading');
    await page.getByTestId('cert-refresh').click();
    await expectVisible(secretRow, `the row of ${ns}/e2e-short after refresh`, 60_000);
    await expectVisible(page.getByTestId(`cert-checked-${clusterId}`).getByText('刚刚读取'), `"${clusterName} · 刚刚读取"`);

    // about 5 days left, as openssl says of the certificate, in the expiring colour
    const left = ((await opensslEnd(crtFile)).getTime() - Date.now()) / 86_400_000;
    const days = secretRow.getByTestId('cert-days');
    const daysText = (await days.innerText()).trim();
    const shown = Number(/剩余\s*([\d.]+)\s*天/.exec(daysText)?.[1]);
    if (!(Math.abs(shown - left) <= 0.15)) throw new Error(`days left: the page says "${daysText}", openssl's end is ${left.toFixed(2)} days away`);
    const look = await days.evaluate((e) => ({ cls: e.className, state: e.getAttribute('data-state'), color: getComputedStyle(e).color }));
    if (look.state !== 'expiring' || !look.cls.includes('ant-tag-orange') || look.color !== 'rgb(212, 107, 8)') throw new Error(`the days-left tag is not the orange "expiring" one: ${JSON.stringify(look)}`);
    const rowText = await secretRow.innerText();
    for (const want of ['TLS Secret', clusterName, 'CN=e2e.example.test', `${ns}/e2e-web`]) if (!rowText.includes(want)) throw new Error(`the Secret's row does not show "${want}": ${rowText}`);

    // the API server's not-after is what openssl says of the testbed's apiserver.crt, in the browser's local time
    const apiEnd = await opensslEnd(join(TESTBED, 'pki', 'apiserver.crt'));
    const wantEnd = await page.evaluate((ms) => new Date(ms).toLocaleString('zh-CN', { hour12: false }), apiEnd.getTime());
    const shownEnd = (await apiserverRow.getByTestId('cert-not-after').innerText()).trim();
    if (shownEnd !== wantEnd) throw new Error(`API server not after: the page says "${shownEnd}", openssl ${apiEnd.toISOString()} (${wantEnd})`);

    // the same reading through the API: the Secret's state, the API server's trust, the counts on top
    const all = await apiOk('/certificates');
    const mine = all.find((c) => c.cluster_id === clusterId);
    const apiSecret = need(mine?.certificates.find((c) => c.namespace === ns && c.secret === 'e2e-short'), "the Secret in the API's reading");
    if (apiSecret.state !== 'expiring' || apiSecret.source !== 'tls_secret') throw new Error(`the API's view of the Secret: ${JSON.stringify(apiSecret)}`);
    if (new Date(mine.certificates.find((c) => c.source === 'apiserver').not_after).getTime() !== apiEnd.getTime()) throw new Error("the API's API server not_after differs from openssl's");
    const trusted = mine.certificates.find((c) => c.source === 'apiserver').trusted;
    await expectVisible(apiserverRow.getByTestId('cert-trusted').getByText(trusted ? '受信任' : '不受信任', { exact: true }), `trusted: ${trusted}`);
    const certs = all.flatMap((c) => c.certificates);
    const counts = { expired: certs.filter((c) => c.state === 'expired').length, expiring: certs.filter((c) => c.state === 'expiring').length, total: certs.length };
    for (const [k, v] of Object.entries(counts)) {
      const text = (await page.getByTestId(`cert-count-${k}`).locator('.ant-statistic-content-value').innerText()).trim();
      if (Number(text.replace(/,/g, '')) !== v) throw new Error(`the ${k} count shows ${text}, the API has ${v}`);
    }
    // one page of 50 rows
    if (Math.min(counts.total, 50) !== (await table.locator('.ant-table-row').count())) throw new Error('the table does not list every certificate the API has');

    // an Ingress naming a Secret that does not exist: a warning for the cluster, above the table
    await expectVisible(page.getByTestId(`cert-problems-${clusterId}`).getByText(`${ns}/e2e-missing`), "the warning about the Ingress's missing Secret");
    // the refresh button's tooltip out of the picture
    await page.mouse.move(0, 0);
    await shot('certificates');

    // filters live in the URL: only TLS Secrets, kept across a reload
    await page.goto(`${BASE}/certificates?source=tls_secret`);
    await expectVisible(secretRow, 'the Secret under the TLS Secret filter');
    await page.reload();
    await expectVisible(secretRow, 'the Secret under the TLS Secret filter after a reload');
    if (await rowOf('API Server 服务证书').count()) throw new Error('the TLS Secret filter still lists the API server certificate');
    if (!(await page.getByTestId('cert-filter-source').innerText()).includes('TLS Secret')) throw new Error('the source filter does not show TLS Secret');

    // the cluster's own menu entry opens the same page for that cluster
    await page.goto(`${BASE}/clusters/${clusterId}`);
    await page.locator(`.ant-menu-item[data-menu-id$="-/clusters/${clusterId}/certificates"]`).click();
    await page.waitForURL(new RegExp(`/clusters/${clusterId}/certificates$`));
    await expectVisible(secretRow, "the Secret on the cluster's Certificates page");
    if (await page.getByTestId('cert-filter-cluster').count()) throw new Error("the cluster's page offers a cluster filter");

    await inEnglish(async () => {
      await page.goto(`${BASE}/certificates`);
      await expectVisible(rowOf(clusterName, 'API server serving certificate'), 'the API server row in English', 60_000);
      const en = (await secretRow.getByTestId('cert-days').innerText()).trim();
      const n = Number(/^([\d.]+) days left$/.exec(en)?.[1]);
      if (!(Math.abs(n - left) <= 0.15)) throw new Error(`days left in English: "${en}"`);
      await expectVisible(page.getByTestId(`cert-checked-${clusterId}`).getByText(/read (just now|\d+ minutes? ago)/), 'when it was read, in English');
      await expectVisible(page.getByTestId(`cert-problems-${clusterId}`).getByText(/problems? reading certificates/), 'the warning in English');
      await page.mouse.move(0, 0);
      await shot('certificates-en');
    });
  } finally {
    await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
    rmSync(dir, { recursive: true, force: true });
  }
});

await step('application backups: a schedule made from the page (`* * * * *`, keep 1; an invalid cron and a taken name refused on their fields) reads "每分钟" / "every minute" with its next run, takes a backup named after it within 150 s, tagged with its name; turned off and deleted from the page (its backup stays); a downloaded archive imported through the button is listed again, a changed one refused naming its SHA-256; zh-CN and en (issue 18)', async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-bks-${Date.now().toString(36)}`;
  const name = `e2e-sched-${Date.now().toString(36)}`;
  const base = `/k8s/cluster/${clusterId}/app-backups`;
  const schedBase = `/k8s/cluster/${clusterId}/app-backup-schedules`;
  let sid = null;
  const taken = new Set();
  await kubectl('create', 'namespace', ns);
  try {
    await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sched-config', namespace: ns }, data: { every: 'minute' } }));
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/clusters/${clusterId}/backups`);
    await expectVisible(page.getByTestId('app-schedules-card'), 'the schedules section');
    await expectVisible(page.getByTestId('app-schedules-card').getByText('定时备份'), 'the section titled 定时备份');
    const form = page.getByTestId('app-schedule-form');
    const fieldError = (testId) => form.locator('.ant-form-item').filter({ has: page.getByTestId(testId) }).locator('.ant-form-item-explain-error');
    // the dialog: name, the step's namespace, an invalid cron first (the server's 400 lands on the schedule field)
    await page.getByTestId('app-schedule-new').click();
    await expectVisible(form, 'the schedule dialog');
    await page.getByTestId('app-schedule-name').fill(name);
    await page.getByTestId('app-schedule-namespaces').click();
    await page.keyboard.type(ns);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: ns }).first().click();
    await page.getByTestId('app-schedule-cron').fill('61 * * * *');
    await page.getByTestId('app-schedule-keep-count').fill('1');
    const refused = page.waitForResponse((r) => r.url().endsWith(schedBase) && r.request().method() === 'POST');
    await page.getByTestId('app-schedule-submit').click();
    const bad = await refused;
    const badBody = await bad.json();
    if (bad.status() !== 400 || badBody.field !== 'schedule') throw new Error(`an invalid cron answered ${bad.status()} ${JSON.stringify(badBody).slice(0, 300)}`);
    await expectVisible(fieldError('app-schedule-cron').getByText(/cron/), "the server's refusal under the schedule field");
    if ((await apiOk(schedBase)).some((s) => s.name === name)) throw new Error('the refused schedule was stored');
    // fixed: every minute, in words while typed
    await page.getByTestId('app-schedule-cron').fill('* * * * *');
    await expectVisible(page.getByTestId('app-schedule-form-words').getByText('每分钟'), 'the cron in words in the dialog');
    await page.getByTestId('app-schedule-submit').click();
    const s = await until('the schedule in the API', 30_000, async () => (await apiOk(schedBase)).find((x) => x.name === name));
    sid = s.id;
    if (JSON.stringify(s.namespaces) !== JSON.stringify([ns]) || s.schedule !== '* * * * *' || s.keep_count !== 1 || s.keep_days !== null || !s.enabled)
      throw new Error(`the schedule stored: ${JSON.stringify(s)}`);
    if (!s.next_run_at || Date.parse(s.next_run_at) - Date.now() > 90_000) throw new Error(`next run: ${s.next_run_at}`);
    // its row: the cron text and its words, retention, on, a next run
    await expectVisible(page.getByTestId(`app-schedule-name-${sid}`), 'the schedule row');
    if ((await page.getByTestId(`app-schedule-cron-${sid}`).innerText()).trim() !== '* * * * *') throw new Error('the cron text on the row');
    if ((await page.getByTestId(`app-schedule-words-${sid}`).innerText()).trim() !== '每分钟') throw new Error(`the words on the row: ${await page.getByTestId(`app-schedule-words-${sid}`).innerText()}`);
    if (squash(await page.getByTestId(`app-schedule-retention-${sid}`).innerText()) !== squash('保留最新 1 个')) throw new Error('retention on the row');
    if ((await page.getByTestId(`app-schedule-enabled-${sid}`).getAttribute('aria-checked')) !== 'true') throw new Error('the schedule is not shown on');
    const next = (await page.getByTestId(`app-schedule-next-${sid}`).innerText()).trim();
    if (!/\d{1,2}:\d{2}:\d{2}/.test(next) || next.includes('已停用')) throw new Error(`the next run on the row: ${next}`);
    // the server's scheduler ticks every 20 s: a backup named <schedule>-<time> within 150 s, tagged with the schedule
    const first = await until('a backup taken by the schedule, finished', 150_000, async (note) => {
      const mine = (await apiOk(base)).filter((b) => b.schedule_id === sid);
      mine.forEach((b) => taken.add(b.id));
      note(mine.map((b) => `${b.name} ${b.status}`).join(', ') || 'none yet');
      return mine.find((b) => b.status !== 'running');
    }, 2000);
    if (first.status !== 'succeeded' || !first.name.startsWith(`${name}-`) || first.requested_by !== `schedule:${name}` || first.object_count !== 1)
      throw new Error(`the scheduled backup: ${JSON.stringify(first).slice(0, 400)}`);
    // turned off from the page right away (keep 1 would replace it each minute)
    await page.getByTestId(`app-schedule-enabled-${sid}`).click();
    await until('the schedule off in the API, with no next run', 30_000, async () => {
      const x = (await apiOk(schedBase)).find((y) => y.id === sid);
      return x && !x.enabled && x.next_run_at === null;
    }, 500);
    await expectVisible(page.getByTestId(`app-schedule-next-${sid}`).getByText('已停用'), 'the next run says off');
    // the surviving backup(s) of the schedule, none still running (one may have started just before it was turned off)
    const kept = await until('the schedule\'s backups finished', 90_000, async () => {
      const mine = (await apiOk(base)).filter((b) => b.schedule_id === sid);
      mine.forEach((b) => taken.add(b.id));
      return mine.length && mine.every((b) => b.status !== 'running') ? mine : null;
    });
    const backup = kept.find((b) => b.status === 'succeeded') ?? need(null, 'a succeeded scheduled backup');
    await expectVisible(page.getByTestId(`app-backup-open-${backup.id}`).getByText(backup.name), 'the scheduled backup listed on the page', 30_000);
    await expectVisible(page.getByTestId(`app-backup-schedule-${backup.id}`).getByText(name), 'the backup tagged with its schedule');
    await expectVisible(page.getByTestId(`app-schedule-last-${sid}`).getByText('成功'), "the schedule's last run succeeded");
    await shot('app-backup-schedules');

    // English: the words, retention, off; a second schedule of the same name is refused on the name field (409)
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
    await page.reload();
    await expectVisible(page.getByTestId(`app-schedule-words-${sid}`).getByText('every minute', { exact: true }), 'every minute in English');
    if ((await page.getByTestId(`app-schedule-retention-${sid}`).innerText()).trim() !== 'keep newest 1') throw new Error('retention in English');
    await expectVisible(page.getByTestId(`app-schedule-next-${sid}`).getByText('off'), 'off in English');
    await expectVisible(page.getByRole('columnheader', { name: 'Taken by' }), 'the Taken by column in English');
    await expectVisible(page.getByTestId(`app-backup-schedule-${backup.id}`).getByText(name), 'the backup tagged with its schedule (English)');
    await page.getByTestId('app-schedule-new').click();
    await expectVisible(form, 'the schedule dialog (English)');
    await page.getByTestId('app-schedule-name').fill(name);
    await page.getByTestId('app-schedule-namespaces').click();
    await page.keyboard.type(ns);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: ns }).first().click();
    await page.getByTestId('app-schedule-cron').fill('@daily');
    await expectVisible(page.getByTestId('app-schedule-form-words').getByText('every day at 00:00 UTC'), '@daily in words, in UTC');
    const conflict = page.waitForResponse((r) => r.url().endsWith(schedBase) && r.request().method() === 'POST');
    await page.getByTestId('app-schedule-submit').click();
    if ((await conflict).status() !== 409) throw new Error(`a taken name answered ${(await conflict).status()}`);
    await expectVisible(fieldError('app-schedule-name').getByText(`The cluster has a backup schedule called ${name} already`, { exact: false }), 'the 409 under the name field');
    if ((await apiOk(schedBase)).filter((x) => x.name === name).length !== 1) throw new Error('a second schedule of the name was stored');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached', timeout: SLOW }).catch(() => undefined);
    // delete from the page (confirmed): gone from the API; the backup it took stays, still tagged with its name
    await page.getByTestId(`app-schedule-delete-${sid}`).click();
    await expectVisible(page.getByTestId(`app-schedule-delete-confirm-${sid}`), 'the delete confirmation');
    await page.getByTestId(`app-schedule-delete-confirm-${sid}`).click();
    await until('the schedule to leave the API and the page', 30_000, async () => !(await apiOk(schedBase)).some((x) => x.id === sid) && (await page.getByTestId(`app-schedule-name-${sid}`).count()) === 0, 500);
    sid = null;
    if (!(await apiOk(base)).some((b) => b.id === backup.id)) throw new Error('deleting the schedule deleted its backup');
    await expectVisible(page.getByTestId(`app-backup-schedule-${backup.id}`).getByText(name), 'the backup still tagged with the deleted schedule\'s name');

    // import: the archive as downloaded (with the test's token), through the button
    const archive = await page.evaluate(async (path) => {
      const s = JSON.parse(localStorage.getItem('kubedeck.session') || 'null');
      const r = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${s.accessToken}` } });
      return { status: r.status, text: await r.text() };
    }, `${base}/${backup.id}/download`);
    if (archive.status !== 200) throw new Error(`the download answered ${archive.status}`);
    const before = new Set((await apiOk(base)).map((b) => b.id));
    const imported = page.waitForResponse((r) => r.url().endsWith(`${base}/import`) && r.request().method() === 'POST');
    await page.getByTestId('app-backup-import-file').setInputFiles({ name: `${backup.name}.json`, mimeType: 'application/json', buffer: Buffer.from(archive.text) });
    const answer = await imported;
    if (answer.status() !== 201) throw new Error(`the import answered ${answer.status()} ${(await answer.text()).slice(0, 300)}`);
    const copy = (await apiOk(base)).find((b) => !before.has(b.id));
    if (!copy || copy.name !== backup.name || copy.sha256 !== backup.sha256 || copy.status !== 'succeeded' || copy.object_count !== backup.object_count || copy.schedule_id !== null)
      throw new Error(`the imported backup: ${JSON.stringify(copy).slice(0, 400)}`);
    taken.add(copy.id);
    await expectVisible(page.getByTestId('app-backup-detail'), 'the imported backup shown');
    await page.keyboard.press('Escape');
    await expectVisible(page.getByTestId(`app-backup-open-${copy.id}`).getByText(backup.name), 'the imported row', 30_000);
    await expectVisible(page.getByTestId(`app-backup-status-${copy.id}`).getByText('succeeded'), 'the imported row succeeded');
    await expectVisible(page.getByTestId(`app-backup-schedule-${copy.id}`).getByText('on demand'), 'the imported row taken on demand');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('app-backup-import-en');

    // a changed archive is refused, saying what is wrong (its SHA-256), in Chinese; nothing is added
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.reload();
    await expectVisible(page.getByTestId(`app-backup-open-${copy.id}`), 'the list after the reload', 60_000);
    const changed = JSON.parse(archive.text);
    changed.manifests.find((m) => m.kind === 'ConfigMap').data.every = 'hour';
    const count = (await apiOk(base)).length;
    await page.getByTestId('app-backup-import-file').setInputFiles({ name: 'changed.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(changed)) });
    const error = page.getByTestId('app-backup-import-error');
    await expectVisible(error.getByText('它在下载后被修改过'), 'the changed archive refused naming its SHA-256', 30_000);
    await expectVisible(error.getByText('changed.json 未能导入'), 'the refused file named');
    if ((await apiOk(base)).length !== count) throw new Error('the changed archive was imported');
  } finally {
    if (sid !== null) await api(`${schedBase}/${sid}`, { method: 'DELETE' }).catch(() => undefined);
    for (const b of (await apiOk(base).catch(() => [])).filter((x) => x.schedule_id !== null && x.requested_by === `schedule:${name}`)) taken.add(b.id);
    for (const id of taken) await api(`${base}/${id}`, { method: 'DELETE' }).catch(() => undefined);
    await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
  }
});

await step('alerts: a crash-looping pod fires KubePodCrashLooping on the cluster\'s Alerts page (a red 告警中 tag) and in the header badge; silence it from the alert (its labels prefilled), resolve it with a reason (who and why kept), turn a rule off on the rules tab (issue 16)', async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-alert-${Date.now().toString(36)}`;
  await kubectl('create', 'namespace', ns);
  try {
    // this namespace only, no `for`: the page shows it within an evaluation or two (the server evaluates every 2 s)
    const put = await api(`/k8s/cluster/${clusterId}/alert-rules/KubePodCrashLooping`, { method: 'PUT', body: JSON.stringify({ for_secs: 0, namespaces: [ns] }) });
    if (put.status !== 200) throw new Error(`rule: HTTP ${put.status} ${JSON.stringify(put.body)}`);
    await until("the namespace's default ServiceAccount", 60_000, async () => (await kubectl('-n', ns, 'get', 'serviceaccount', 'default', '--ignore-not-found')).trim() !== '');
    await kubectlApply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'flaky', namespace: ns, annotations: { 'sim.kubedeck.io/crash-after-seconds': '1' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } }));
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/clusters/${clusterId}/alerts?rule=KubePodCrashLooping&namespace=${ns}`);
    const alert = await until('the alert to fire', 90_000, async () => (await apiOk(`/k8s/cluster/${clusterId}/alerts?rule=KubePodCrashLooping&namespace=${ns}&state=firing`)).items[0], 1000);
    await expectVisible(page.getByTestId(`alert-state-${alert.id}`).getByText('告警中'), 'the firing tag', 30_000);
    const badge = await until('the header badge to count it', 40_000, async () => Number((await page.getByTestId('alert-badge').innerText()).replace(/\D/g, '') || 0) >= 1, 1000);
    need(badge, 'a badge count');
    await shot('alerts');
    // dark mode: the table turns dark and the firing tag stays red
    const tableBg = () => page.evaluate(() => getComputedStyle(document.querySelector('.ant-table')).backgroundColor);
    const dark = (c) => (c.match(/\d+/g) ?? []).slice(0, 3).reduce((a, b) => a + Number(b), 0) < 150;
    await page.getByTestId('theme-switch').click();
    await until('the dark Alerts page', 5000, async (note) => {
      const c = await tableBg();
      note(c);
      return dark(c);
    }, 250);
    await expectVisible(page.getByTestId(`alert-state-${alert.id}`).locator('xpath=self::*[contains(@class, "ant-tag-red")]'), 'the red firing tag in dark mode');
    await shot('alerts-dark');
    await page.getByTestId('theme-switch').click();
    await until('the light theme again', 5000, async () => !dark(await tableBg()), 250);
    // silence from the alert: the dialog starts with its labels
    await page.getByTestId(`alert-silence-${alert.id}`).click();
    await expectVisible(page.locator('.ant-modal input[value="KubePodCrashLooping"]'), 'the alertname matcher prefilled');
    await expectVisible(page.locator(`.ant-modal input[value="flaky"]`), 'the pod matcher prefilled');
    await page.getByTestId('silence-comment').fill('e2e: known flaky pod');
    await page.getByTestId('silence-ok').click();
    await until('the alert to be silenced', 30_000, async () => (await apiOk(`/k8s/cluster/${clusterId}/alerts/${alert.id}`)).silenced_by != null, 1000);
    // resolve with a reason
    await page.getByTestId(`alert-resolve-${alert.id}`).click();
    await page.getByTestId('alert-resolve-reason').fill('e2e: fixed by hand');
    await page.getByTestId('alert-resolve-ok').click();
    const resolved = await until('the alert resolved by hand', 20_000, async () => {
      const a = await apiOk(`/k8s/cluster/${clusterId}/alerts/${alert.id}`);
      return a.state === 'resolved' && a;
    }, 500);
    if (resolved.resolved_by !== USER || resolved.resolved_why !== 'e2e: fixed by hand') throw new Error(`resolved: ${JSON.stringify(resolved)}`);
    // the rules tab: turn NodeDiskHigh off, in English
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
    await page.goto(`${BASE}/clusters/${clusterId}/alerts?tab=rules`);
    await page.getByTestId('rule-enabled-NodeDiskHigh').click();
    await until('the rule turned off', 20_000, async () => (await apiOk(`/k8s/cluster/${clusterId}/alert-rules/NodeDiskHigh`)).enabled === false, 500);
    await shot('alert-rules-en');
  } finally {
    await api(`/k8s/cluster/${clusterId}/alert-rules/NodeDiskHigh`, { method: 'DELETE' }).catch(() => undefined);
    await api(`/k8s/cluster/${clusterId}/alert-rules/KubePodCrashLooping`, { method: 'DELETE' }).catch(() => undefined);
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN')).catch(() => undefined);
    await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
  }
});

// ---- events, top and the usage charts (issue 16) -------------------------------------------------------------------
await step("events: a crash-looping pod's warning and the scheduler's warning for a pod no node fits are on the Events page as kubectl lists them (reason, object, message, count), found by reason and by message text; the warnings timeline counts them; zh-CN and en (issue 16)", async () => {
  need(clusterId, 'an imported cluster');
  const ns = `e2e-events-${Date.now().toString(36)}`;
  const day = () => {
    const to = new Date();
    return `from=${new Date(to.getTime() - 24 * 3600e3).toISOString()}&to=${to.toISOString()}`;
  };
  const timelineTotal = async () => (await apiOk(`/k8s/cluster/${clusterId}/events/timeline?${day()}`)).items.reduce((n, h) => n + h.events, 0);
  const before = await timelineTotal();
  await kubectl('create', 'namespace', ns);
  try {
    await until("the namespace's default ServiceAccount", 60_000, async () => (await kubectl('-n', ns, 'get', 'serviceaccount', 'default', '--ignore-not-found')).trim() !== '');
    // a pod whose container exits a second after each start (CrashLoopBackOff), and one whose node selector no node
    // has: the real kube-scheduler writes FailedScheduling warnings for it
    await applyObject({ apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'flaky', namespace: ns, annotations: { 'sim.kubedeck.io/crash-after-seconds': '1' } }, spec: { containers: [{ name: 'app', image: 'busybox:1.32' }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unplaceable', namespace: ns }, spec: { nodeSelector: { 'kubedeck.test/no-such-node': ns }, containers: [{ name: 'app', image: 'busybox:1.32' }] } },
    ] });
    const flaky = await until('kubectl to see the pod crash and restart', 60_000, async (note) => {
      const p = await kubectlJson('-n', ns, 'get', 'pod', 'flaky');
      const c = p.status.containerStatuses?.[0];
      note(JSON.stringify(c?.state ?? p.status.phase));
      return c?.restartCount >= 1 && p;
    });
    // The testbed's kubelets are a simulator that writes pod status but no events: the BackOff warning a kubelet
    // writes for a crash-looping container is written here as the kubelet writes it (the pod's uid and container,
    // source kubelet on the pod's node), then repeated as the kubelet repeats it (count and last time raised).
    const now = new Date().toISOString();
    const backoffName = `flaky.${Date.now().toString(16)}`;
    await applyObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: backoffName, namespace: ns },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'flaky', namespace: ns, uid: flaky.metadata.uid, fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      type: 'Warning',
      message: 'Back-off restarting failed container',
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'kubelet', host: flaky.spec.nodeName },
    });
    const repeatedAt = new Date().toISOString();
    await kubectl('-n', ns, 'patch', 'event', backoffName, '--type=merge', '-p', JSON.stringify({ count: 3, lastTimestamp: repeatedAt }));
    await until("kubectl to list the scheduler's FailedScheduling warning", 60_000, async () =>
      (await kubectlJson('-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=unplaceable,type=Warning')).items.some((e) => e.reason === 'FailedScheduling'),
    );
    // kubectl's warnings of the namespace, as `reason object count message` lines
    const kubectlWarnings = async () =>
      (await kubectlJson('-n', ns, 'get', 'events', '--field-selector', 'type=Warning')).items.map((e) => ({ reason: e.reason, object: e.involvedObject.name, message: e.message, count: e.count || e.series?.count || 1 }));
    // the archive has them (written every 2 s)
    await until('the archive to hold both warnings, the repeat counted', 60_000, async (note) => {
      const r = await apiOk(`/k8s/cluster/${clusterId}/events/search?namespace=${ns}&type=Warning`);
      note(JSON.stringify(r.items.map((e) => [e.reason, e.involved_object, e.count])));
      return r.items.some((e) => e.reason === 'FailedScheduling') && r.items.some((e) => e.reason === 'BackOff' && e.count === 3);
    }, 1000);

    // the page: the namespace's warnings, the same reasons, objects and messages as kubectl, the repeat counted
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/clusters/${clusterId}/events?namespace=${ns}&type=Warning`);
    const table = page.getByTestId('events-table');
    const rowOf = (reason) => table.locator('.ant-table-tbody .ant-table-row', { hasText: reason });
    let listed = 0;
    await until('the page to list what kubectl lists', 30_000, async (note) => {
      const want = await kubectlWarnings();
      listed = want.length;
      const rows = (await table.locator('.ant-table-tbody .ant-table-row').allInnerTexts()).map(squash);
      note(`kubectl ${JSON.stringify(want)}; page ${JSON.stringify(rows)}`);
      return (
        rows.length === want.length &&
        want.every((w) => rows.some((r) => r.includes(squash(`${w.reason}`)) && r.includes(squash(`${ns}/Pod/${w.object}`)) && r.includes(squash(w.message))))
      );
    }, 1000);
    await expectVisible(page.getByText(`共 ${listed} 条事件`), `the count of the search: 共 ${listed} 条事件`);
    // the BackOff row's source (kubelet on the pod's node) and count (columns: type, reason, object, message,
    // source, count) as kubectl has them
    const backoff = (await kubectlWarnings()).find((w) => w.reason === 'BackOff');
    const cells = (await rowOf('BackOff').locator('td').allInnerTexts()).map((c) => c.trim());
    if (!cells[4].includes('kubelet') || !cells[4].includes(flaky.spec.nodeName)) throw new Error(`BackOff source: "${cells[4]}", not kubelet on ${flaky.spec.nodeName}`);
    if (cells[5] !== String(backoff.count) || backoff.count !== 3) throw new Error(`BackOff count: the page shows ${cells[5]}, kubectl ${backoff.count} (the event was repeated to 3)`);

    // search by reason, typed in its box as an operator does: only the crash-looping pod's warning
    const reasonBox = page.getByTestId('events-filter-reason');
    await reasonBox.fill('BackOff');
    await reasonBox.press('Enter');
    await page.waitForURL(/[?&]reason=BackOff/);
    await until('only the BackOff row', 20_000, async () => {
      const rows = (await table.locator('.ant-table-tbody .ant-table-row').allInnerTexts()).map(squash);
      return rows.length === 1 && rows[0].includes(squash(`${ns}/Pod/flaky`));
    }, 500);
    await expectVisible(page.getByText('共 1 条事件'), 'the count: 共 1 条事件');
    // by message text (any part, any case): the scheduler's warnings ("0/3 nodes are available: ..."), and only them
    await page.goto(`${BASE}/clusters/${clusterId}/events?namespace=${ns}`);
    const qBox = page.getByTestId('events-filter-q');
    await qBox.fill('NODES ARE AVAILABLE');
    await qBox.press('Enter');
    await page.waitForURL(/[?&]q=NODES/);
    await until('only the FailedScheduling rows, as kubectl lists them', 20_000, async (note) => {
      const want = (await kubectlWarnings()).filter((w) => w.reason === 'FailedScheduling');
      const rows = (await table.locator('.ant-table-tbody .ant-table-row').allInnerTexts()).map(squash);
      note(`kubectl ${JSON.stringify(want)}; page ${JSON.stringify(rows)}`);
      return want.length >= 1 && rows.length === want.length && rows.every((r) => r.includes('FailedScheduling') && r.includes(squash(`${ns}/Pod/unplaceable`))) && want.every((w) => rows.some((r) => r.includes(squash(w.message))));
    }, 1000);
    // a reason that never happened finds nothing
    await page.goto(`${BASE}/clusters/${clusterId}/events?namespace=${ns}&reason=NoSuchReason`);
    await expectVisible(table.getByText('没有符合条件的归档事件'), 'the empty table for a reason that never happened');
    await expectVisible(page.getByText('共 0 条事件'), 'the count: 共 0 条事件');

    // the warnings timeline: at least our two more warnings than before, the figure the API gives, and a chart
    await page.goto(`${BASE}/clusters/${clusterId}/events`);
    const timeline = page.getByTestId('events-timeline');
    await expectVisible(timeline.locator('canvas'), 'the warnings timeline chart', 30_000);
    await until('the timeline total', 30_000, async (note) => {
      const shown = Number(/共\s*(\d+)\s*条告警事件/.exec(await page.getByTestId('events-timeline-total').innerText())?.[1]);
      const api = await timelineTotal();
      note(`page ${shown}, API ${api}, before this step ${before}`);
      return shown === api && shown >= before + 2;
    }, 1000);
    await shot('events');

    // English
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
    await page.goto(`${BASE}/clusters/${clusterId}/events?namespace=${ns}&reason=BackOff`);
    await expectVisible(page.getByText('Warning events per hour'), 'the English timeline title');
    await expectVisible(page.getByTestId('events-timeline-total').getByText(/^\d+ warning events in this range$/), 'the English timeline total');
    await expectVisible(rowOf('BackOff').getByText('Back-off restarting failed container'), 'the BackOff row in English');
    await expectVisible(page.getByRole('columnheader', { name: 'Reason' }), 'the English column header');
    await shot('events-en');
  } finally {
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN')).catch(() => undefined);
    await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
  }
});

/** The API's top pods (of `ns`) and nodes from a fresh collector sample (its `collected_at` moved on), and kubectl
 *  top's read right after it: the two read the same simulated kubelets a few seconds apart, so memory and node
 *  figures may differ only by that drift. */
async function freshTop(ns) {
  const podsPath = `/k8s/cluster/${clusterId}/top/pods?namespace=${ns}`;
  // the replica that syncs the cluster answers from its collector once it has read the kubelets (before its first
  // pass it asks the metrics API, as a replica that does not sync the cluster does)
  const first = await until("the collector's figures", 75_000, async (note) => {
    const r = await apiOk(podsPath);
    note(`source ${r.source}`);
    return r.source === 'collector' && r.collected_at;
  }, 1000);
  return until(`a new collector sample after ${first}`, 75_000, async (note) => {
    const pods = await apiOk(podsPath);
    note(`collected_at ${pods.collected_at}`);
    if (!pods.collected_at || pods.collected_at === first) return false;
    const [nodes, topPods, topNodes] = await Promise.all([apiOk(`/k8s/cluster/${clusterId}/top/nodes`), kubectlTop('pods', '-n', ns), kubectlTop('nodes')]);
    return { pods, nodes, topPods, topNodes };
  }, 500);
}
const near = (a, b, share, abs) => Math.abs(a - b) <= Math.max(abs, share * Math.abs(b));

await step("top: the Top page's pods of a namespace show kubectl top's CPU (what the simulator was told: 500m, 250m) and memory, each pod's containers, sorted by memory on request; its nodes tab every node kubectl top lists with the same figures; zh-CN and en (issue 16)", async () => {
  const pods = need(metricsPods, 'the metrics Deployment of the setup step');
  const topPath = `/k8s/cluster/${clusterId}/top/pods?namespace=${metricsNs}`;
  // the CPU the simulator was told, in kubectl top and then in the API (its collector samples every 30 s)
  await until('kubectl top pods to report the set CPU', 90_000, async (note) => {
    const t = await kubectlTop('pods', '-n', metricsNs);
    note(JSON.stringify(t));
    return pods.every((p) => t[p.name]?.cpu === 2 * p.millicores);
  }, 2000);
  await until("the API's top pods to report the set CPU", 90_000, async (note) => {
    const r = await apiOk(topPath);
    note(JSON.stringify(r.items.map((p) => [p.name, p.cpu_millicores])));
    return pods.every((p) => r.items.find((i) => i.name === p.name)?.cpu_millicores === 2 * p.millicores);
  }, 2000);
  // memory: the API's sample equals kubectl top's read right after it (within the drift of a few seconds)
  const fresh = await freshTop(metricsNs);
  if (fresh.pods.source !== 'collector' || fresh.nodes.source !== 'collector') throw new Error(`top: source ${fresh.pods.source} / ${fresh.nodes.source}, not the collector of the replica that syncs the cluster`);
  for (const p of pods) {
    const a = fresh.pods.items.find((i) => i.name === p.name);
    const k = fresh.topPods[p.name];
    if (!a || !k) throw new Error(`${p.name}: the API has ${JSON.stringify(a)}, kubectl top ${JSON.stringify(k)}`);
    if (!near(a.memory_mib, k.memory, 0.05, 1)) throw new Error(`${p.name}: the API says ${a.memory_mib}Mi, kubectl top ${k.memory}Mi`);
  }
  const kubectlPods = (await kubectlJson('-n', metricsNs, 'get', 'pods', '-l', 'app=charts')).items;

  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  await page.goto(`${BASE}/clusters/${clusterId}/top`);
  const box = page.getByTestId('top-namespace');
  await box.fill(metricsNs);
  await box.press('Enter');
  await page.waitForURL(new RegExp(`[?&]namespace=${metricsNs}`));
  const table = page.getByTestId('top-pods');
  // the pods' rows (keyed namespace/name), not the rows of a pod's opened containers
  const rows = table.locator(`tr[data-row-key^="${metricsNs}/"]`);
  const cellsOf = async (row) => (await row.locator(':scope > td').allInnerTexts()).map((c) => c.trim());
  // each row: namespace, pod, node (as kubectl has it), CPU exactly as set, memory as the API's current sample
  await until('the page to show the figures of the API and kubectl', 45_000, async (note) => {
    const api = await apiOk(topPath);
    const shown = [];
    for (const r of await rows.all()) shown.push((await cellsOf(r)).filter((c) => c !== ''));
    note(`page ${JSON.stringify(shown)}; API ${JSON.stringify(api.items.map((p) => [p.name, p.node, p.cpu_millicores, p.memory_mib]))}`);
    if (shown.length !== 2) return false;
    return pods.every((p) => {
      const a = api.items.find((i) => i.name === p.name);
      const node = kubectlPods.find((k) => k.metadata.name === p.name)?.spec.nodeName;
      return shown.some((c) => JSON.stringify(c) === JSON.stringify([metricsNs, p.name, node, `${2 * p.millicores}m`, `${a.memory_mib}Mi`]));
    });
  }, 1000);
  // a pod's containers: 250m each
  const first = pods[0];
  await table.locator('tr', { hasText: first.name }).locator('.ant-table-row-expand-icon').click();
  const inner = table.locator('.ant-table-expanded-row table');
  for (const c of ['app', 'sidecar']) {
    await until(`the ${c} container of ${first.name} at ${first.millicores}m`, 10_000, async () => {
      const cells = (await inner.locator('tr', { hasText: c }).first().locator('td').allInnerTexts()).map((x) => x.trim());
      return cells[0] === c && cells[1] === `${first.millicores}m` && /^\d+Mi$/.test(cells[2]);
    }, 250);
  }
  await shot('top-pods');
  // sorted by memory: the API's order for sort=memory
  await page.getByTestId('top-sort').getByText('按内存').click();
  await page.waitForURL(/[?&]sort=memory/);
  await until('the rows in the order of memory', 30_000, async (note) => {
    const api = await apiOk(`${topPath}&sort=memory`);
    const names = [];
    for (const r of await rows.all()) names.push((await cellsOf(r))[2]);
    note(`page ${names.join(', ')}; API ${api.items.map((p) => `${p.name} ${p.memory_mib}Mi`).join(', ')}`);
    return JSON.stringify(names) === JSON.stringify(api.items.map((p) => p.name));
  }, 1000);

  // nodes: every node kubectl top lists, each with the API's figures; the API's near kubectl top's
  const nodesPath = `/k8s/cluster/${clusterId}/top/nodes`;
  const names = Object.keys(fresh.topNodes).sort();
  if (JSON.stringify(fresh.nodes.items.map((n) => n.name).sort()) !== JSON.stringify(names)) throw new Error(`top nodes: the API lists ${fresh.nodes.items.map((n) => n.name)}, kubectl top ${names}`);
  for (const n of fresh.nodes.items) {
    const k = fresh.topNodes[n.name];
    if (!near(n.cpu_millicores, k.cpu, 0.15, 10) || !near(n.memory_mib, k.memory, 0.05, 2)) throw new Error(`node ${n.name}: the API says ${n.cpu_millicores}m ${n.memory_mib}Mi, kubectl top ${k.cpu}m ${k.memory}Mi`);
  }
  await page.getByRole('tab', { name: '节点' }).click();
  await page.waitForURL(/[?&]tab=nodes/);
  const nodeRows = page.getByTestId('top-nodes').locator('.ant-table-tbody > tr.ant-table-row');
  await until('every node with the API\'s figures', 45_000, async (note) => {
    const api = await apiOk(`${nodesPath}?sort=memory`);
    const shown = [];
    for (const r of await nodeRows.all()) shown.push(await cellsOf(r));
    const want = api.items.map((n) => [n.name, `${n.cpu_millicores}m`, `${Math.round(n.cpu_percent)}%`, `${n.memory_mib}Mi`, `${Math.round(n.memory_percent)}%`]);
    note(`page ${JSON.stringify(shown)}; API ${JSON.stringify(want)}`);
    return JSON.stringify(shown) === JSON.stringify(want);
  }, 1000);
  await shot('top-nodes');

  // English
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  await page.goto(`${BASE}/clusters/${clusterId}/top?namespace=${metricsNs}`);
  await expectVisible(page.getByRole('tab', { name: 'Nodes' }), 'the English Nodes tab');
  await expectVisible(page.getByTestId('top-sort').getByText('By memory'), 'the English sort switch');
  await expectVisible(table.locator('tr', { hasText: first.name }).getByText(`${2 * first.millicores}m`), `${first.name} at ${2 * first.millicores}m in English`);
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
});

/** The tooltip a chart of PodMetricsCharts shows for its newest sample (hovered at the right end of its plot, as an
 *  operator reads the latest figures), whitespace removed. */
async function newestTooltip(chart) {
  const canvas = chart.locator('canvas').first();
  await expectVisible(canvas, 'the chart');
  await canvas.scrollIntoViewIfNeeded();
  // the plot spans 64 px from the left to 16 px from the right, 32 px from the top to 56 px from the bottom
  return until('the tooltip of the newest sample', 10_000, async (note) => {
    const b = await canvas.boundingBox();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.move(b.x + b.width - 19, b.y + 32 + (b.height - 88) / 2, { steps: 3 });
    const text = squash(await chart.innerText());
    note(text);
    return text;
  }, 300);
}
/** `12.5 MiB`, `50 KiB/s` ... as bytes. */
const bytesOf = (v, unit) => Number(v) * 1024 ** ['B', 'KiB', 'MiB', 'GiB'].indexOf(unit);

await step("metrics: a pod's page charts its CPU per container (what the simulator was told), memory, network (50 KiB/s in, 20 KiB/s out) and restarts as its history and kubectl have them; its Deployment's usage tab the sum of its two pods; 7 days, the dark theme, zh-CN and en (issue 16)", async () => {
  const pods = need(metricsPods, 'the metrics Deployment of the setup step');
  const [a, b] = pods;
  const history = (pod) => {
    const to = new Date();
    return apiOk(`/k8s/cluster/${clusterId}/namespaces/${metricsNs}/pods/${pod}/metrics/history?from=${new Date(to.getTime() - 3600e3).toISOString()}&to=${to.toISOString()}&step=60`);
  };
  // the collector stores pods every minute; network rates need two samples after the rates were set: the setup
  // step ran minutes ago, so this waits only when the run is short (KUBEDECK_E2E_ONLY)
  const newest = (h) => h.items[h.items.length - 1];
  const ha = await until(`the history of ${a.name} with the set CPU and network rates`, 240_000, async (note) => {
    const h = await history(a.name);
    const p = newest(h);
    note(JSON.stringify(p));
    return p && Math.abs(p.cpu_cores - 0.5) < 1e-6 && near(p.network_in ?? 0, RX, 0.05, 0) && h;
  }, 3000);
  if (JSON.stringify(ha.containers.map((c) => c.name)) !== '["app","sidecar"]') throw new Error(`containers: ${JSON.stringify(ha.containers.map((c) => c.name))}`);
  // kubectl's restart counts, in the history of the pod whose sidecar crashed
  const restarts = async (pod) => (await kubectlJson('-n', metricsNs, 'get', 'pod', pod)).status.containerStatuses.reduce((n, c) => n + c.restartCount, 0);
  await until(`the history of ${b.name} with its restart`, 150_000, async (note) => {
    const p = newest(await history(b.name));
    note(JSON.stringify(p));
    return p && p.restarts === (await restarts(b.name)) && p.restarts === b.restarts && Math.abs(p.cpu_cores - 0.25) < 1e-6;
  }, 3000);

  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${metricsNs}/pods/${a.name}`);
  const charts = page.getByTestId('pod-metrics-charts');
  const chart = (k) => charts.getByTestId(`pod-metrics-${k}`);
  // CPU: the pod and each container, as set
  await until('the CPU tooltip', 20_000, async (note) => {
    const t = await newestTooltip(chart('cpu'));
    note(t);
    return t.includes('Pod500m') && t.includes('app250m') && t.includes('sidecar250m');
  }, 500);
  // memory: the newest sample of the history, per container too
  await until("the memory tooltip with the history's newest figures", 70_000, async (note) => {
    const h = await history(a.name);
    const t = await newestTooltip(chart('memory'));
    const shown = [...t.matchAll(/(Pod|app|sidecar)([\d.]+)(B|KiB|MiB|GiB)/g)].map((m) => [m[1], bytesOf(m[2], m[3])]);
    note(`${t}; history ${newest(h).memory_bytes} ${h.containers.map((c) => newest(c).memory_bytes)}`);
    const want = [['Pod', newest(h).memory_bytes], ...h.containers.map((c) => [c.name, newest(c).memory_bytes])];
    return shown.length === 3 && want.every(([n, v]) => shown.some(([sn, sv]) => sn === n && near(sv, v, 0.001, 0.06 * 1024 ** 2)));
  }, 1000);
  // network: what the simulator was told, in and out
  await until('the network tooltip', 20_000, async (note) => {
    const t = await newestTooltip(chart('network'));
    note(t);
    const rate = (label) => {
      const m = new RegExp(`${label}([\\d.]+)(B|KiB|MiB)/s`).exec(t);
      return m ? bytesOf(m[1], m[2]) : NaN;
    };
    return near(rate('入'), RX, 0.05, 0) && near(rate('出'), TX, 0.05, 0);
  }, 500);
  const restartsShown = async (pod) => {
    const t = await newestTooltip(chart('restarts'));
    return Number(/重启次数(\d+)/.exec(t)?.[1]);
  };
  if ((await restartsShown(a.name)) !== 0) throw new Error(`${a.name}: restarts ${await restartsShown(a.name)}, kubectl ${await restarts(a.name)}`);
  await shot('pod-metrics');
  // the other pod: 250m, and the restart of its sidecar
  await page.goto(`${BASE}/clusters/${clusterId}/namespaces/${metricsNs}/pods/${b.name}`);
  await until(`${b.name}'s CPU and restarts`, 20_000, async (note) => {
    const t = await newestTooltip(chart('cpu'));
    const r = await restartsShown(b.name);
    note(`${t}; restarts ${r}`);
    return t.includes('Pod250m') && t.includes('sidecar125m') && r === (await restarts(b.name));
  }, 500);

  // the Deployment's usage tab: the sum of its two pods
  await until("the Deployment's history to count both pods", 120_000, async () => (await apiOk(`/k8s/cluster/${clusterId}/namespaces/${metricsNs}/deployments/charts/metrics/history`)).pods_counted === 2, 3000);
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${metricsNs}/charts?tab=metrics`);
  await expectVisible(charts.getByTestId('pod-metrics-pods-counted').getByText('计入 2 个 Pod'), 'the count of pods: 计入 2 个 Pod', 30_000);
  await until("the Deployment's CPU and restarts: the sums of its pods", 20_000, async (note) => {
    const t = await newestTooltip(chart('cpu'));
    const r = await restartsShown('charts');
    note(`${t}; restarts ${r}`);
    return t.includes('全部Pod750m') && r === (await restarts(a.name)) + (await restarts(b.name));
  }, 500);
  await shot('workload-metrics');
  // 7 days: hourly steps, the same pods
  await charts.locator('.ant-segmented-item', { hasText: '7 天' }).click();
  await expectVisible(chart('memory').locator('canvas'), 'the memory chart over 7 days', 30_000);
  await expectVisible(charts.getByTestId('pod-metrics-pods-counted').getByText('计入 2 个 Pod'), 'still 2 pods over 7 days');
  // dark theme: the card turns dark, the charts stay
  const cardBg = () => page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="pod-metrics-charts"]')).backgroundColor);
  const dark = (c) => (c.match(/\d+/g) ?? []).slice(0, 3).reduce((x, y) => x + Number(y), 0) < 150;
  await page.getByTestId('theme-switch').click();
  try {
    await until('the dark chart card', 5000, async (note) => {
      const c = await cardBg();
      note(c);
      return dark(c);
    }, 250);
    await expectVisible(chart('cpu').locator('canvas'), 'the CPU chart in the dark theme');
    await shot('workload-metrics-dark');
  } finally {
    await page.getByTestId('theme-switch').click();
  }
  // English
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
  await page.goto(`${BASE}/clusters/${clusterId}/resources/deployments/${metricsNs}/charts?tab=metrics`);
  await expectVisible(page.getByRole('tab', { name: 'Usage history' }), 'the English tab');
  await expectVisible(charts.getByTestId('pod-metrics-pods-counted').getByText('2 pods counted'), 'the English count of pods', 30_000);
  await until('the English CPU tooltip', 20_000, async () => (await newestTooltip(chart('cpu'))).includes('Allpods750m'), 500);
  await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
});

await step('metrics: clean up the metrics namespace', async () => {
  await kubectl('delete', 'namespace', metricsNs, '--wait=false', '--ignore-not-found');
});

await step('maintenance: started from the page with a reason, the banner is on every page of the cluster (nodes, pods) in Chinese and English with that reason, the API says in force and the cluster\'s silence exists; ended from the page, the banner goes and the window reads ended by admin (issue 18)', async () => {
  need(clusterId, 'an imported cluster');
  const reason = `e2e kernel upgrade ${Date.now().toString(36)}`;
  try {
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    await page.goto(`${BASE}/clusters/${clusterId}/maintenance`);
    await expectVisible(page.getByTestId('maintenance-page'), 'the maintenance page', 30_000);
    await page.getByTestId('maintenance-reason').fill(reason);
    await page.getByTestId('maintenance-start').click();
    const current = await until('the maintenance in force', 20_000, async () => {
      const m = await apiOk(`/k8s/cluster/${clusterId}/maintenance`);
      return m.current && m.current.in_force && m.current.reason === reason ? m.current : null;
    }, 500);
    if (current.created_by !== 'admin') throw new Error(`created by ${current.created_by}`);
    // the silence Kubedeck made for it (alerts visible, nothing notified)
    const silences = await apiOk(`/k8s/cluster/${clusterId}/silences`);
    if (!silences.some((x) => x.id === current.silence_id && x.comment.includes(reason))) throw new Error(`no silence for the window: ${JSON.stringify(silences).slice(0, 400)}`);
    for (const where of ['nodes', 'pods']) {
      await page.goto(`${BASE}/clusters/${clusterId}/${where}`);
      const banner = page.getByTestId('maintenance-banner');
      await expectVisible(banner, `the banner on the ${where} page`, 30_000);
      const text = await banner.innerText();
      if (!text.includes('维护中') || !text.includes(reason)) throw new Error(`banner on ${where}: ${text}`);
    }
    await shot('maintenance-banner');
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'en'));
    await page.reload();
    await expectVisible(page.getByTestId('maintenance-banner').getByText(`In maintenance until`), 'the English banner', 30_000);
    if (!(await page.getByTestId('maintenance-banner').innerText()).includes(reason)) throw new Error('the English banner lacks the reason');
    await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
    // ended from the page: the confirmation, then no banner anywhere
    await page.goto(`${BASE}/clusters/${clusterId}/maintenance`);
    await page.getByTestId(`maintenance-end-${current.id}`).click();
    await page.locator('.ant-popconfirm .ant-btn-primary').click();
    const ended = await until('the window ended', 20_000, async () => {
      const m = await apiOk(`/k8s/cluster/${clusterId}/maintenance`);
      const w = m.windows.find((x) => x.id === current.id);
      return !m.current && w && w.state === 'ended' ? w : null;
    }, 500);
    if (ended.ended_by !== 'admin') throw new Error(`ended by ${ended.ended_by}`);
    await page.goto(`${BASE}/clusters/${clusterId}/nodes`);
    await expectVisible(page.getByTestId('node-table').or(page.locator('.ant-table')).first(), 'the nodes page', 30_000);
    if (await page.getByTestId('maintenance-banner').count()) throw new Error('the banner is still shown after the end');
  } finally {
    // never leave the cluster in maintenance for the steps after this one
    const m = await api(`/k8s/cluster/${clusterId}/maintenance`);
    const open = m.body && m.body.current;
    if (open) await api(`/k8s/cluster/${clusterId}/maintenance/${open.id}/end`, { method: 'POST', body: '{}' });
  }
});

await step('sync, edit and delete the cluster (delete asks for its name)', async () => {
  need(clusterId, 'an imported cluster');
  await page.goto(`${BASE}/clusters/${clusterId}`);
  await expectVisible(page.getByText(clusterName), 'cluster name');
  const synced = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/k8s/cluster/${clusterId}/sync`));
  await page.getByRole('button', { name: /立即同步|Sync now/ }).click();
  const s = await synced;
  if (s.status() >= 300) throw new Error(`sync: HTTP ${s.status()}`);
  await expectVisible(page.locator('.ant-message-success').getByText(`集群“${clusterName}”已同步`), 'sync message');
  await page.getByRole('button', { name: /编\s*辑|Edit/ }).click();
  const edit = page.locator('.ant-modal').last();
  await edit.locator('textarea#description').fill('edited by the e2e test');
  const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/k8s/cluster/${clusterId}`));
  await edit.locator('.ant-btn-primary').click();
  const u = await saved;
  if (u.status() >= 300) throw new Error(`edit: HTTP ${u.status()}`);
  // (the dialog's own textarea holds the text too: look at the page once the dialog is gone)
  await page.locator('.ant-modal:visible').waitFor({ state: 'detached', timeout: 10_000 });
  await expectVisible(page.getByText('edited by the e2e test', { exact: true }), 'edited description on the page');
  if ((await apiOk(`/k8s/cluster/${clusterId}`)).description !== 'edited by the e2e test') throw new Error('the API does not have the edited description');
  await page.getByRole('button', { name: /删\s*除|Delete/ }).click();
  const del = page.locator('.ant-modal').last();
  await expectVisible(del.getByText(clusterName), 'cluster name in the confirmation');
  if (!(await page.getByTestId('confirm-delete').isDisabled())) throw new Error('delete is enabled before the name is typed');
  await page.getByTestId('delete-name-input').fill(`${clusterName}x`);
  if (!(await page.getByTestId('confirm-delete').isDisabled())) throw new Error('delete is enabled for a wrong name');
  await page.getByTestId('delete-name-input').fill(clusterName);
  const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/k8s/cluster/${clusterId}`));
  await page.getByTestId('confirm-delete').click();
  const d = await deleted;
  if (d.status() >= 300) throw new Error(`delete: HTTP ${d.status()}`);
  await page.waitForURL(/\/clusters$/);
  const gone = await api(`/k8s/cluster/${clusterId}`);
  if (gone.status !== 404) throw new Error(`cluster still there: HTTP ${gone.status}`);
  await page.reload();
  await expectVisible(page.getByTestId('cluster-table').or(page.getByTestId('getting-started')), 'the cluster list');
  // (a list still loading has no rows either: wait until it has loaded)
  await page.waitForLoadState('networkidle');
  await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached' });
  if (await page.getByRole('row', { name: new RegExp(clusterName) }).count()) throw new Error('the deleted cluster is still listed');
});

await step('log out (the session is revoked on the server)', async () => {
  const session = await page.evaluate(() => JSON.parse(localStorage.getItem('kubedeck.session')));
  need(session?.refreshToken, 'a session');
  await page.getByTestId('user-menu').hover();
  await page.getByRole('menuitem', { name: /退出登录|Log out/ }).click();
  await page.waitForURL(/\/login/);
  if (await page.evaluate(() => localStorage.getItem('kubedeck.session'))) throw new Error('the session is still in localStorage');
  const reuse = await api('/auth/refresh', { method: 'POST', body: JSON.stringify({ refresh_token: session.refreshToken }) });
  if (reuse.status !== 401) throw new Error(`the refresh token still works after logout: HTTP ${reuse.status}`);
  await page.goto(`${BASE}/clusters`);
  await page.waitForURL(/\/login/);
});

await step('no uncaught errors in the page', async () => {
  if (consoleErrors.length) throw new Error(consoleErrors.join('\n'));
});

await context.close();
rmSync(profile, { recursive: true, force: true });
finished = true;
process.exit(summary() ? 1 : 0);
