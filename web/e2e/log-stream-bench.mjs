// Measures the log viewer under a fast stream: tab JS heap, DOM size and the longest frame gap while following
// for a minute. Runs ONLY against e2e/mock-server.mjs (an in-memory stand-in for the API, started here) with
// MOCK_LOG_RATE lines/s, so it measures the console's own share, not the server's: the real server's log stream is
// measured by benches/log_stream.sh (at most 1,000 lines/s per pod, the simulator's maximum).
//   node e2e/log-stream-bench.mjs            (starts the mock at 5,000 lines/s itself)
// The setup requests (login, password change, cluster, pod list) must answer 2xx or the run stops.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RATE = Number(process.env.MOCK_LOG_RATE || 5000);
const SECONDS = Number(process.env.BENCH_SECONDS || 60);
const PORT = 18181;
const password = 'bench-initial-pw';
const mock = spawn(process.execPath, [new URL('./mock-server.mjs', import.meta.url).pathname, String(PORT)], {
  env: { ...process.env, KUBEDECK_ADMIN_PASSWORD: password, MOCK_LOG_RATE: String(RATE) },
  stdio: 'ignore',
});
await new Promise((r) => setTimeout(r, 800));
const BASE = `http://127.0.0.1:${PORT}`;
const profile = mkdtempSync(join(tmpdir(), 'kubedeck-bench-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
});
const page = ctx.pages()[0];
try {
  await page.goto(`${BASE}/login`);
  await page.locator('#username').fill('admin');
  await page.locator('#password').fill(password);
  const ok = async (what, response) => {
    const status = (await response).status();
    if (status < 200 || status >= 300) throw new Error(`${what} answered HTTP ${status}`);
  };
  const login = page.waitForResponse((r) => r.url().includes('/api/v1/auth/login'));
  await page.getByTestId('login-submit').click();
  await ok('login', login);
  await page.waitForURL(/change-password/);
  await page.locator('#new-password').fill('bench-changed-pw');
  await page.locator('#confirm-password').fill('bench-changed-pw');
  const changed = page.waitForResponse((r) => r.url().includes('/api/v1/auth/password'));
  await page.getByTestId('password-submit').click();
  await ok('password change', changed);
  await page.waitForURL(/clusters/);
  // the mock needs a cluster to serve pods under
  const created = await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem('kubedeck.session'));
    const r = await fetch('/api/v1/k8s/cluster', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.accessToken}` },
      body: JSON.stringify({ name: 'bench', credential: 'apiVersion: v1\nclusters: []\n' }),
    });
    return r.status;
  });
  if (created >= 300) throw new Error(`creating the mock cluster answered HTTP ${created}`);
  const [listed, pods] = await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem('kubedeck.session'));
    const r = await fetch('/api/v1/k8s/cluster/1/pods?page_size=1', { headers: { Authorization: `Bearer ${s.accessToken}` } });
    return [r.status, r.ok ? (await r.json()).items : null];
  });
  if (listed >= 300 || !pods?.length) throw new Error(`listing the mock's pods answered HTTP ${listed}`);
  const pod = pods[0];
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${BASE}/clusters/1/namespaces/${pod.namespace}/pods/${pod.name}/logs`);
  await page.locator('.kd-log-line').first().waitFor();
  await page.evaluate(() => {
    // longest gap between animation frames: a frozen tab shows up here
    window.__maxGap = 0;
    let last = performance.now();
    const loop = (t) => {
      window.__maxGap = Math.max(window.__maxGap, t - last);
      last = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  });
  console.log(`MOCK server (e2e/mock-server.mjs): following a ${RATE} lines/s stream for ${SECONDS} s`);
  console.log('t(s)  heap(MiB)  DOM nodes  lines kept  lines dropped  max frame gap(ms)');
  const t0 = Date.now();
  let peak = 0;
  for (let t = 10; t <= SECONDS; t += 10) {
    await page.waitForTimeout(t * 1000 - (Date.now() - t0));
    const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    const heap = m.JSHeapUsedSize / 2 ** 20;
    peak = Math.max(peak, heap);
    const info = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="log-count"]');
      return { gap: window.__maxGap, lines: c?.getAttribute('data-lines'), dropped: c?.getAttribute('data-dropped') };
    });
    const nums = [info.lines, info.dropped];
    console.log(`${String(t).padStart(4)}  ${heap.toFixed(1).padStart(9)}  ${String(m.Nodes).padStart(9)}  ${String(nums[0] ?? '-').padStart(10)}  ${String(nums[1] ?? '0').padStart(13)}  ${info.gap.toFixed(0).padStart(17)}`);
    await page.evaluate(() => (window.__maxGap = 0));
  }
  // the viewer is still responsive: search works on the kept lines
  const t1 = Date.now();
  await page.getByTestId('log-search').fill('level=error');
  await page.locator('mark').first().waitFor();
  console.log(`search highlight after ${SECONDS} s of streaming: ${Date.now() - t1} ms; peak JS heap ${peak.toFixed(1)} MiB`);
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
  mock.kill();
}
