// Screenshots of the workload pages (issue 14) in both languages, and a smoke run of them: the deploy wizard (with a
// field error from the cluster on its field), history and rollback, rollout progress (complete and stalled), the
// HPA form, a CronJob's schedule in words and "run now". Against the mock API by default (it starts one with
// MOCK_CLUSTER=1), or any server with KUBEDECK_URL, KUBEDECK_ADMIN_PASSWORD, CLUSTER_ID, NS, DEPLOYMENT.
//   node e2e/workload-screens.mjs [outdir]     (default test-results/screenshots; the README's pictures are the real
//   server's, from run.mjs with KUBEDECK_E2E_SCREENSHOTS=docs)
// Fails (exit 1) on an uncaught page error or a missing element; Chinese text needs a CJK font (fonts-wqy-microhei).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const OUT = process.argv[2] || 'test-results/screenshots';
mkdirSync(OUT, { recursive: true });
const own = !process.env.KUBEDECK_URL;
const PORT = 18000 + Math.floor(Math.random() * 900);
const BASE = process.env.KUBEDECK_URL || `http://127.0.0.1:${PORT}`;
let password = process.env.KUBEDECK_ADMIN_PASSWORD || 'screens-initial-pw';
const CID = process.env.CLUSTER_ID || '1';
const NS = process.env.NS || 'default';
const DEP = process.env.DEPLOYMENT || 'web';
let mock;
if (own) {
  mock = spawn('node', ['e2e/mock-server.mjs', String(PORT)], { env: { ...process.env, MOCK_CLUSTER: '1', KUBEDECK_ADMIN_PASSWORD: password }, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 800));
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
const errors = [];
let failed = 0;
const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'zh-CN' });
const page = await ctx.newPage();
page.on('pageerror', (e) => errors.push(String(e)));

async function login() {
  await page.goto(`${BASE}/login`);
  await page.locator('#username').fill('admin');
  await page.locator('#password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  if (page.url().includes('change-password')) {
    password = `${password}-2`;
    await page.locator('#current-password').fill(process.env.KUBEDECK_ADMIN_PASSWORD || 'screens-initial-pw').catch(() => {});
    await page.locator('#new-password').fill(password);
    await page.locator('#confirm-password').fill(password);
    await page.getByTestId('password-submit').click();
    await page.waitForURL((u) => !u.pathname.includes('change-password'));
  }
}

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${String(e).split('\n')[0]}`);
    await page.screenshot({ path: `test-results/fail-${name.replace(/\W+/g, '-')}.png` }).catch(() => {});
  }
}
// named mock-*: these pictures come from the mock API, not the real server (README says which is which)
const shot = (name) => page.screenshot({ path: `${OUT}/mock-${name}.png` });
const settle = () => page.waitForTimeout(600);

await login();
for (const lang of ['zh-CN', 'en']) {
  const sfx = lang === 'en' ? 'en' : 'zh';
  await page.evaluate((l) => localStorage.setItem('kubedeck.lang', l), lang);
  const obj = (kind, ns, name, q = '') => `${BASE}/clusters/${CID}/resources/${kind}/${ns}/${name}${q}`;

  await step(`${sfx}: wizard from the web template, YAML shown`, async () => {
    await page.goto(`${BASE}/clusters/${CID}/deploy?template=web&namespace=${NS}`);
    await page.getByTestId('wizard-yaml').filter({ hasText: 'kind: Deployment' }).waitFor();
    await page.getByTestId('wizard-name').fill(`shop-${sfx}`);
    await page.getByTestId('wizard-yaml').filter({ hasText: `name: shop-${sfx}` }).waitFor();
    await settle();
    await shot(`workload-wizard-${sfx}`);
  });
  await step(`${sfx}: wizard field error from the cluster on its field`, async () => {
    await page.getByTestId('wizard-next').click();
    await page.getByTestId('wizard-add-env').click();
    await page.getByTestId('wizard-env-name-0').fill('1BAD');
    await page.getByTestId('wizard-dry-run').click();
    await page.locator('.ant-form-item-has-error').filter({ has: page.getByTestId('wizard-env-name-0') }).waitFor();
    await page.getByTestId('wizard-problems').waitFor();
    await settle();
    await shot(`workload-wizard-field-error-${sfx}`);
  });
  await step(`${sfx}: rollout progress`, async () => {
    await page.goto(obj('deployments', NS, DEP));
    await page.getByTestId('rollout-state').waitFor();
    await settle();
    await shot(`workload-rollout-${sfx}`);
  });
  if (own)
    await step(`${sfx}: a stalled rollout with the failing pod's reason`, async () => {
      await page.goto(obj('deployments', NS, 'worker'));
      await page.locator('[data-testid="rollout-state"][data-state="stalled"]').waitFor();
      await page.getByTestId('rollout-failing').filter({ hasText: 'ImagePullBackOff' }).waitFor();
      await settle();
      await shot(`workload-rollout-stalled-${sfx}`);
    });
  await step(`${sfx}: history, diff and rollback`, async () => {
    await page.goto(obj('deployments', NS, DEP, '?tab=history'));
    await page.getByTestId('history-table').locator('tbody tr').first().waitFor();
    const btn = page.locator('[data-testid^="rollback-"]').filter({ hasText: /./ }).first();
    await btn.click();
    await page.getByTestId('rollback-diff').waitFor();
    await settle();
    await shot(`workload-rollback-confirm-${sfx}`);
    await page.getByTestId('rollback-confirm').click();
    await page.getByTestId('rollback-result').waitFor();
    await settle();
    await shot(`workload-history-${sfx}`);
  });
  await step(`${sfx}: scale shows before → after`, async () => {
    await page.goto(obj('deployments', NS, DEP));
    await page.getByTestId('wl-scale').click();
    const n = lang === 'en' ? '3' : '4';
    await page.getByTestId('wl-scale-input').fill(n);
    await page.getByTestId('wl-scale-change').filter({ hasText: `→ ${n}` }).waitFor();
    await page.getByTestId('wl-scale-ok').click();
    await page.getByTestId('wl-scale-ok').waitFor({ state: 'detached' });
  });
  if (own) {
    await step(`${sfx}: HPA current/target and form`, async () => {
      await page.goto(obj('horizontalpodautoscalers', NS, 'web'));
      await page.getByTestId('hpa-metrics').filter({ hasText: '87% / 60%' }).waitFor();
      await settle();
      await shot(`workload-hpa-${sfx}`);
      await page.getByTestId('hpa-edit').click();
      await page.getByTestId('hpa-form').waitFor();
      await settle();
      await shot(`workload-hpa-form-${sfx}`);
      await page.getByTestId('hpa-dry-run').click();
      await page.getByTestId('hpa-dry-run-ok').waitFor();
    });
    await step(`${sfx}: the web terminal runs a command and shows its exit code`, async () => {
      await page.goto(`${BASE}/clusters/${CID}/namespaces/default/pods/web-0/terminal`);
      await page.locator('[data-testid="terminal-state"][data-state="open"]').waitFor();
      await page.getByTestId('terminal').click();
      await page.keyboard.type('echo hello-from-xterm\r');
      await page.locator('.xterm-rows').filter({ hasText: /hello-from-xterm[\s\S]*hello-from-xterm/ }).waitFor();
      await page.keyboard.type('nope\r');
      await page.locator('.xterm-rows').filter({ hasText: 'sh: nope: not found' }).waitFor();
      await settle();
      await shot(`terminal-${sfx}`);
      await page.keyboard.type('exit 3\r');
      await page.locator('[data-testid="terminal-state"][data-state="ended-exited"]').waitFor();
      await page.getByTestId('terminal-ended').filter({ hasText: '3' }).waitFor();
      await page.getByTestId('terminal-connect').click();
      await page.locator('[data-testid="terminal-state"][data-state="open"]').waitFor();
    });
    await step(`${sfx}: CronJob schedule in words and run now`, async () => {
      await page.goto(obj('cronjobs', NS, 'nightly-report'));
      await page.getByTestId('cron-words').filter({ hasText: lang === 'en' ? 'every day at 02:30' : '每天 02:30' }).waitFor();
      await page.getByTestId('wl-trigger').click();
      await page.locator('.ant-popconfirm .ant-btn-primary').click();
      await page.getByTestId('wl-job-created').waitFor();
      await settle();
      await shot(`workload-cronjob-${sfx}`);
    });
  }
}
await page.evaluate(() => localStorage.setItem('kubedeck.lang', 'zh-CN'));
if (errors.length) {
  failed++;
  console.log(`FAIL uncaught page errors: ${errors.join(' | ')}`);
}
await browser.close();
mock?.kill();
console.log(failed ? `workload screens: ${failed} failed` : 'workload screens: all passed');
process.exit(failed ? 1 : 0);
