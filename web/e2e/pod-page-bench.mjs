// Time to the first rendered pod page: navigation start → first table row painted, for a filtered, sorted
// 100-row page. Without KUBEDECK_URL it runs against e2e/mock-server.mjs holding MOCK_PODS (default 150,000)
// pods, an in-memory stand-in for the API, which measures the console's own share (the output says "MOCK");
// with KUBEDECK_URL, KUBEDECK_ADMIN_PASSWORD and CLUSTER_ID it measures a real server (whatever its cluster holds).
// Every load's pods API answer is checked: a load whose answer is not 2xx (a 401, 429, 500 ...) or that shows
// no row within 30 s is a failed sample, reported by status and left out of the timings.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS || 7);
const real = !!process.env.KUBEDECK_URL;
const PODS = Number(process.env.MOCK_PODS || 150000);
const PORT = 18182;
let mock = null;
let BASE = process.env.KUBEDECK_URL;
let password = process.env.KUBEDECK_ADMIN_PASSWORD || 'bench-initial-pw';
if (!real) {
  mock = spawn(process.execPath, [new URL('./mock-server.mjs', import.meta.url).pathname, String(PORT)], {
    env: { ...process.env, KUBEDECK_ADMIN_PASSWORD: password, MOCK_PODS: String(PODS) },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 1500));
  BASE = `http://127.0.0.1:${PORT}`;
}
const profile = mkdtempSync(join(tmpdir(), 'kubedeck-bench-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0];
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
  let clusterId = process.env.CLUSTER_ID || '1';
  if (!real) {
    const status = await page.evaluate(async () => {
      const s = JSON.parse(localStorage.getItem('kubedeck.session'));
      const r = await fetch('/api/v1/k8s/cluster', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.accessToken}` },
        body: JSON.stringify({ name: 'bench', credential: 'apiVersion: v1\nclusters: []\n' }),
      });
      return r.status;
    });
    if (status >= 300) throw new Error(`creating the mock cluster answered HTTP ${status}`);
  }
  const path = `/clusters/${clusterId}/pods?status=Running&sort=-restarts&page_size=100`;
  const times = [];
  const apiTimes = [];
  const failed = {};
  let statuses = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/v1/k8s/cluster/') && r.url().includes('/pods?')) statuses.push(r.status());
  });
  for (let i = 0; i < RUNS; i++) {
    // a full page load each time (cold JS from the HTTP cache, the session from localStorage)
    await page.goto('about:blank');
    statuses = [];
    const t0 = Date.now();
    await page.goto(`${BASE}${path}`);
    const shown = await page.locator('.ant-table-row').first().waitFor({ timeout: 30000 }).then(() => true, () => false);
    const elapsed = Date.now() - t0;
    const bad = statuses.find((s) => s < 200 || s >= 300);
    if (bad !== undefined || !shown || statuses.length === 0) {
      const why = bad !== undefined ? `HTTP ${bad}` : statuses.length === 0 ? 'no pods API call' : 'no row within 30 s';
      failed[why] = (failed[why] || 0) + 1;
      continue;
    }
    times.push(elapsed);
    const api = await page.evaluate(() => {
      const e = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/v1/k8s/cluster/') && r.name.includes('/pods?'));
      return e.length ? e[0].duration : null;
    });
    if (api !== null) apiTimes.push(api);
  }
  const total = await page.evaluate(() => document.body.innerText.match(/(共\s*[\d,]+|Pods: [\d,]+)/)?.[0] ?? '');
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`${real ? `real server ${BASE}` : `MOCK server (e2e/mock-server.mjs) with ${PODS.toLocaleString()} pods`}: ${path} (${total})`);
  const failures = Object.entries(failed).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';
  console.log(`first rendered pod page: median ${times.length ? med(times) : 'n/a'} ms, max ${times.length ? Math.max(...times) : 'n/a'} ms over ${times.length} of ${RUNS} loads (${times.join(', ')}); failed loads: ${failures}`);
  if (apiTimes.length) console.log(`of which the pods API call: median ${med(apiTimes).toFixed(0)} ms`);
  if (!times.length) process.exitCode = 1;
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
  mock?.kill();
}
