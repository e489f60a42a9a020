// A throwaway in-memory stand-in for the kubedeck API, for developing the console without the Rust server:
//   node e2e/mock-server.mjs [port]   (serves web/dist too)
// It follows the API contract loosely; the real tests run against the real server.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import YAML from 'yaml';

const PORT = Number(process.argv[2] || 18081);
const DIST = new URL('../dist/', import.meta.url).pathname;
const now = () => new Date().toISOString();
let password = process.env.KUBEDECK_ADMIN_PASSWORD || 'admin-initial-pw';
let mustChange = true;
const tokens = new Map();
let seq = 1;
const users = [{ id: 1, username: 'admin', display_name: 'Administrator', disabled: false, must_change_password: true, created_at: now(), bindings: [{ role: 'platform-admin', cluster_id: null, namespace: null }] }];
const clusters = [];
// MOCK_CLUSTER=1: start with one cluster (for the resource pages, without going through the import wizard)
if (process.env.MOCK_CLUSTER) clusters.push({ id: 1, name: 'mock', description: '', version: 'v1.20.2', status: 2, cluster_type: 2, node_count: 8, ready_nodes: 7, master_nodes: 3, worker_nodes: 5, last_sync_at: now(), created_at: now(), updated_at: now(), server_url: 'https://mock:6443', status_reason: 'in sync', status_reason_code: 'in_sync', last_error: '', last_healthy_at: now(), api_latency_ms: 4, capabilities: [] });
const audit = [];
const log = (username, action, outcome, status_code, path, method) =>
  audit.unshift({ id: audit.length + 1, at: now(), username, source_ip: '127.0.0.1', action, method, path, cluster_id: null, namespace: null, resource: null, outcome, status_code, detail: null });

const nodes = Array.from({ length: 8 }, (_, i) => ({
  name: i < 3 ? `master-${i}` : `worker-${i - 3}`,
  roles: i < 3 ? ['master'] : ['worker'],
  status: i === 7 ? 'NotReady' : 'Ready',
  schedulable: true,
  internal_ip: `10.0.0.${i + 10}`,
  kubelet_version: 'v1.20.2',
  os_image: 'Debian GNU/Linux 12',
  kernel_version: '6.1.0',
  container_runtime: 'sim://1.0',
  capacity: { cpu: '8', cpu_millis: 8000, memory: '32Gi', memory_bytes: 32 * 2 ** 30, pods: 110 },
  allocatable: { cpu: '7800m', cpu_millis: 7800, memory: '31Gi', memory_bytes: 31 * 2 ** 30, pods: 110 },
  committed: { cpu_requests_millis: 1000 + i * 300, cpu_limits_millis: 2000 + i * 500, memory_requests_bytes: (2 + i) * 2 ** 30, memory_limits_bytes: (4 + i) * 2 ** 30 },
  pod_count: 10 + i,
  labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': i % 2 ? 'a' : 'b' },
  taints: i < 3 ? [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] : [],
  conditions: [{ type: 'Ready', status: i === 7 ? 'False' : 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }, { type: 'MemoryPressure', status: 'False' }],
  created_at: new Date(Date.now() - 86400e3 * (i + 1)).toISOString(),
  resource_version: '100',
  latest: i === 7 ? { stale: true, last_timestamp: new Date(Date.now() - 600e3).toISOString(), data: null } : { stale: false, last_timestamp: now(), data: { timestamp: now(), cpu_usage: 10 + i * 9, memory_usage: 20 + i * 8, disk_usage: 35, network_in: 120000, network_out: 40000, pod_count: 10 + i } },
}));
const reasons = ['Running', 'Running', 'Running', 'CrashLoopBackOff', 'Pending', 'Completed'];
// MOCK_PODS pods (default 240; the pod page benchmark uses 150,000)
const pods = Array.from({ length: Number(process.env.MOCK_PODS || 240) }, (_, i) => {
  const r = reasons[i % reasons.length];
  return {
    namespace: ['default', 'demo', 'kube-system'][i % 3],
    name: `web-${(i * 7919).toString(36)}`,
    node_name: nodes[3 + (i % 5)].name,
    phase: r === 'CrashLoopBackOff' ? 'Running' : r === 'Completed' ? 'Succeeded' : r,
    status: r,
    ready: r === 'Running' ? '1/1' : '0/1',
    restarts: r === 'CrashLoopBackOff' ? 17 : 0,
    ip: `10.244.${i % 5}.${i % 250}`,
    owner_type: 'ReplicaSet',
    owner_name: 'web-5d9',
    cpu_request_millis: 100,
    memory_request_bytes: 128 * 2 ** 20,
    created_at: new Date(Date.now() - i * 3600e3).toISOString(),
    labels: { app: 'web', tier: i % 2 ? 'fe' : 'be' },
  };
});

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
const err = (res, status, code, message, extra = {}) => send(res, status, { code, message, request_id: `req-${seq++}`, ...extra });
const page = (items, q) => {
  const p = Number(q.get('page') || 1), ps = Number(q.get('page_size') || 20);
  return { items: items.slice((p - 1) * ps, p * ps), total: items.length, page: p, page_size: ps };
};
const issue = () => {
  const a = `a${seq++}`, r = `r${seq++}`;
  tokens.set(a, 'admin');
  tokens.set(r, 'refresh');
  return { access_token: a, refresh_token: r, expires_in: 900, must_change_password: mustChange };
};
const body = (req) => new Promise((ok) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { try { ok(b ? JSON.parse(b) : {}); } catch { ok(null); } }); });

function preflight(credential, context) {
  if (!/apiVersion:\s*v1/.test(credential) || !/clusters:/.test(credential)) return null;
  const server = /server:\s*(\S+)/.exec(credential)?.[1] ?? '';
  const ctxs = [...credential.matchAll(/^- context:[\s\S]*?name:\s*(\S+)/gm)].map((m) => m[1]);
  return {
    ok: true, contexts: ctxs.length ? ctxs : ['default'], context: context || ctxs[0] || 'default', server_url: server,
    version: { git_version: 'v1.20.2', platform: 'linux/amd64' }, nodes: { node_count: 8, ready_nodes: 7, master_nodes: 3, worker_nodes: 5 }, api_latency_ms: 4,
    certificates: [{ kind: 'client', subject: 'kubedeck-admin', not_after: new Date(Date.now() + 364 * 86400e3).toISOString(), days_left: 364 }, { kind: 'ca', subject: 'kubedeck-testbed-ca', not_after: new Date(Date.now() + 3650 * 86400e3).toISOString(), days_left: 3650 }],
    permissions: [['cluster.sync', true], ['nodes.read', true], ['nodes.drain', true], ['pods.read', true], ['pods.logs', true], ['secrets.read', false]].map(([f, a]) => ({ feature: f, allowed: a, checks: ['list nodes'], denied: a ? [] : ['get secrets'] })),
    warnings: ['node worker-4 is NotReady'], errors: [], duplicate_of: null,
  };
}

// The certificate dashboard (issue 18): each cluster's API server, CA and client certificates and two TLS Secrets (one
// expiring, one expired), states as of now for `warn_days`, and one Ingress naming a missing Secret.
const DAY = 86_400_000;
let certsRead = now();
function mockCertificates(c, q) {
  const warn = Number(q.get('warn_days') || 30);
  const cert = (source, subject, issuer, sans, beganDaysAgo, endsInDays, extra = {}) => {
    const end = Date.now() + endsInDays * DAY;
    const days_left = Math.round(endsInDays * 10) / 10;
    const state = endsInDays <= 0 ? 'expired' : endsInDays <= warn ? 'expiring' : 'valid';
    return { source, namespace: null, secret: null, ingresses: [], subject, issuer, sans, not_before: new Date(Date.now() - beganDaysAgo * DAY).toISOString(), not_after: new Date(end).toISOString(), days_left, state, trusted: null, ...extra };
  };
  const certificates = [
    cert('tls_secret', 'CN=old.example.com', 'CN=R3, O=Let\'s Encrypt', ['old.example.com'], 95, -3.2, { namespace: 'blog', secret: 'old-tls', ingresses: ['blog/blog'] }),
    cert('tls_secret', 'CN=shop.example.com, O=Example Shop', 'CN=R3, O=Let\'s Encrypt', ['shop.example.com', 'www.shop.example.com', 'api.shop.example.com', 'static.shop.example.com', '10.0.0.5'], 85, 4.9, { namespace: 'shop', secret: 'shop-tls', ingresses: ['shop/web', 'shop/api'] }),
    cert('client', 'CN=kubernetes-admin, O=system:masters', 'CN=kubernetes', [], 300, 65),
    cert('apiserver', 'CN=kube-apiserver', 'CN=kubernetes', ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1', '127.0.0.1'], 300, 65, { trusted: true }),
    cert('ca', 'CN=kubernetes', 'CN=kubernetes', [], 300, 3350),
  ];
  const problems = [{ source: 'tls_secret', namespace: 'shop', name: 'shop-legacy-tls', message: "Ingress shop/legacy names TLS Secret 'shop-legacy-tls', which does not exist (or is not of type kubernetes.io/tls)" }];
  return { cluster_id: c.id, cluster_name: c.name, checked_at: q.get('refresh') === 'true' ? (certsRead = now()) : certsRead, certificates, problems };
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname, q = url.searchParams, m = req.method;
  if (p === '/mock/bump' && m === 'POST') {
    const o = objects.get(q.get('kind'))?.find((x) => x.metadata.name === q.get('name'));
    if (!o) return err(res, 404, 'object_not_found', 'no such object');
    o.metadata.resourceVersion = String(rv++);
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), bumped: now() };
    return send(res, 200, o);
  }
  if (!p.startsWith('/api/')) {
    let f = join(DIST, p);
    if (!existsSync(f) || statSync(f).isDirectory()) f = join(DIST, 'index.html');
    const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml' };
    // like the real server: hashed assets are cached for good, index.html is revalidated
    const cache = p.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'Content-Type': types[extname(f)] || 'application/octet-stream', 'Cache-Control': cache });
    return res.end(readFileSync(f));
  }
  if (p === '/api/v1/auth/login' && m === 'POST') {
    const b = await body(req);
    if (b.username !== 'admin' || b.password !== password) { log(b.username, 'auth.login', 'failure', 401, p, m); return err(res, 401, 'invalid_credentials', 'wrong username or password'); }
    log('admin', 'auth.login', 'success', 200, p, m);
    return send(res, 200, issue());
  }
  if (p === '/api/v1/auth/refresh' && m === 'POST') { const b = await body(req); if (!tokens.has(b.refresh_token)) return err(res, 401, 'unauthorized', 'refresh token revoked'); tokens.delete(b.refresh_token); return send(res, 200, issue()); }
  if (p === '/api/v1/auth/logout') return send(res, 204);
  const auth = (req.headers.authorization || '').replace('Bearer ', '');
  if (!tokens.has(auth)) return err(res, 401, 'unauthorized', 'missing or expired token');
  if (p === '/api/v1/auth/password' && m === 'POST') { const b = await body(req); if (b.current_password !== password) return err(res, 400, 'invalid_credentials', 'the current password is wrong', { field: 'current_password' }); password = b.new_password; mustChange = false; users[0].must_change_password = false; tokens.clear(); return send(res, 204); }
  if (mustChange) return err(res, 403, 'password_change_required', 'change the initial password first');
  if (p === '/api/v1/auth/me') return send(res, 200, { id: 1, username: 'admin', display_name: 'Administrator', must_change_password: false, bindings: users[0].bindings, permissions: ['cluster.read', 'cluster.write', 'node.read', 'node.write', 'pod.read', 'pod.write', 'pod.logs', 'user.admin', 'audit.read', 'resource.read', 'resource.write', 'resource.delete', 'platform.write', 'secret.read'] });
  if (p === '/api/v1/users' && m === 'GET') return send(res, 200, page(users, q));
  if (p === '/api/v1/audit') return send(res, 200, page(audit, q));
  if (p === '/api/v1/k8s/cluster' && m === 'GET') { const name = q.get('name'); return send(res, 200, page(clusters.filter((c) => !name || c.name.includes(name)), q)); }
  if (p === '/api/v1/certificates' && m === 'GET') return send(res, 200, clusters.map((c) => mockCertificates(c, q)));
  const certOf = /^\/api\/v1\/k8s\/cluster\/(\d+)\/certificates$/.exec(p);
  if (certOf && m === 'GET') {
    const c = clusters.find((x) => x.id === Number(certOf[1]));
    return c ? send(res, 200, mockCertificates(c, q)) : err(res, 404, 'cluster_not_found', `cluster ${certOf[1]} not found`);
  }
  if (p === '/api/v1/k8s/cluster' && m === 'POST') {
    const b = await body(req);
    const pf = preflight(b.credential || '', b.context);
    if (!pf) return err(res, 422, 'invalid_kubeconfig', 'the kubeconfig is not valid YAML: expected a mapping at line 1 column 9', { field: 'credential' });
    if (q.get('dry_run') === 'true') return send(res, 200, { preflight: pf });
    const c = { id: clusters.length + 1, name: b.name, description: b.description, version: 'v1.20.2', status: 2, cluster_type: 2, node_count: 8, ready_nodes: 7, master_nodes: 3, worker_nodes: 5, last_sync_at: now(), created_at: now(), updated_at: now(), server_url: pf.server_url, status_reason: 'healthy', last_error: '', last_healthy_at: now(), api_latency_ms: 4 };
    clusters.push(c);
    return send(res, 201, { cluster: c, preflight: pf });
  }
  const cm = /^\/api\/v1\/k8s\/cluster\/(\d+)(\/.*)?$/.exec(p);
  if (cm) {
    const c = clusters.find((x) => String(x.id) === cm[1]);
    if (!c) return err(res, 404, 'not_found', `cluster ${cm[1]} not found`);
    const rest = cm[2] || '';
    if (!rest && m === 'GET') return send(res, 200, c);
    if (!rest && m === 'DELETE') { clusters.splice(clusters.indexOf(c), 1); return send(res, 204); }
    if (!rest && m === 'PUT') { Object.assign(c, await body(req)); return send(res, 200, c); }
    if (rest === '/status') return send(res, 200, { status: c.status, reason: c.status_reason, last_healthy_at: c.last_healthy_at, api_latency_ms: 4, last_sync_at: c.last_sync_at });
    if (rest === '/sync') { c.last_sync_at = now(); return send(res, 200, c); }
    if (rest === '/nodes') return send(res, 200, { ...page(nodes.map((n) => ({ ...n, metrics: n.latest.data })), q), source: 'live', stale: false });
    const nm = /^\/nodes\/([^/]+)(\/.*)?$/.exec(rest);
    if (nm) {
      const n = nodes.find((x) => x.name === decodeURIComponent(nm[1]));
      if (!n) return err(res, 404, 'not_found', 'node not found');
      if (!nm[2]) return send(res, 200, { node: n, pods: pods.filter((x) => x.node_name === n.name).slice(0, 20), events: [{ type: 'Normal', reason: 'NodeReady', message: 'Node is ready', count: 1, last_seen: now(), source: 'kubelet' }], stale: false });
      if (nm[2] === '/metrics') return send(res, 200, { node_name: n.name, ...n.latest });
      if (nm[2] === '/cordon' || nm[2] === '/uncordon') { n.schedulable = nm[2] === '/uncordon'; return send(res, 200, n); }
      if (nm[2] === '/metrics/history') return send(res, 200, { items: Array.from({ length: 120 }, (_, i) => ({ timestamp: new Date(Date.now() - (120 - i) * 30e3).toISOString(), cpu_usage: 30 + 20 * Math.sin(i / 10), memory_usage: 55 + 5 * Math.cos(i / 15), disk_usage: 40, network_in: Math.round(1e5 * (1 + Math.sin(i / 7))), network_out: 50000, pod_count: 12, resolution: 'raw' })) });
      if (nm[2] === '/drain') {
        const b = await body(req);
        const list = pods.filter((x) => x.node_name === n.name).slice(0, 6).map((x) => ({ namespace: x.namespace, name: x.name, state: 'pending', message: '' }));
        const plan = { pods: list.map((x, k) => ({ namespace: x.namespace, name: x.name, verdict: k === 5 ? 'skip' : 'evict', reason: k === 5 ? 'DaemonSet-managed pod (ignored)' : '' })) };
        if (!b.ignore_daemonsets) return err(res, 422, 'drain_blocked', `node '${n.name}' was not drained (nor cordoned): 1 pod(s) block it: ${list[5].namespace}/${list[5].name} (DaemonSet-managed; use ignore_daemonsets)`, { plan: { pods: plan.pods.map((p, k) => (k === 5 ? { ...p, verdict: 'refuse', reason: 'DaemonSet-managed; use ignore_daemonsets' } : p)) } });
        if (b.dry_run) return send(res, 200, { task_id: null, dry_run: true, eviction_api: 'policy/v1beta1', plan });
        const id = seq++;
        drains.set(String(id), { start: Date.now(), list: list.slice(0, 5) });
        return send(res, 202, { task_id: id, dry_run: false, eviction_api: 'policy/v1beta1', plan });
      }
    }
    const handled = await resources(req, res, rest, q, m);
    if (handled !== false) return;
    if (rest === '/pods') {
      let list = pods;
      for (const k of ['namespace', 'node', 'phase', 'status']) if (q.get(k)) list = list.filter((x) => (k === 'node' ? x.node_name : x[k]) === q.get(k));
      if (q.get('name')) list = list.filter((x) => x.name.includes(q.get('name')));
      const sort = q.get('sort');
      if (sort) {
        const key = { age: 'created_at', node: 'node_name' }[sort.replace('-', '')] ?? sort.replace('-', '');
        list = [...list].sort((a, b) => String(a[key]).localeCompare(String(b[key])) * (sort.startsWith('-') ? -1 : 1));
      }
      return send(res, 200, { ...page(list, q), stale: false });
    }
    const pm = /^\/namespaces\/([^/]+)\/pods\/([^/]+)(\/logs)?$/.exec(rest);
    if (pm) {
      const pod = pods.find((x) => x.namespace === pm[1] && x.name === pm[2]);
      if (!pod) return err(res, 404, 'not_found', 'pod not found');
      if (pm[3]) { res.writeHead(200, { 'Content-Type': 'text/plain' }); return res.end(Array.from({ length: 50 }, (_, i) => `${now()} line ${i} of ${pod.name}`).join('\n') + '\n'); }
      if (m === 'DELETE') return send(res, 204);
      const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels }, spec: { nodeName: pod.node_name, containers: [{ name: 'app', image: 'nginx:1.25' }] }, status: { phase: pod.phase, podIP: pod.ip, containerStatuses: [{ name: 'app', ready: pod.ready === '1/1', restartCount: pod.restarts, state: pod.phase === 'Running' ? { running: {} } : { waiting: { reason: pod.status } } }] } };
      return send(res, 200, { summary: pod, qos_class: 'Burstable', owner_chain: [{ kind: 'ReplicaSet', name: 'web-5d9' }, { kind: 'Deployment', name: 'web' }], events: [], object });
    }
  }
  const tm = /^\/api\/v1\/tasks\/(\d+)(\/cancel)?$/.exec(p);
  if (tm) {
    const d = drains.get(tm[1]);
    if (!d) return err(res, 404, 'not_found', 'task not found');
    const done = Math.floor((Date.now() - d.start) / 700);
    if (tm[2]) { d.cancelled = true; return send(res, 200, {}); }
    const finished = d.cancelled || done >= d.list.length;
    return send(res, 200, { id: Number(tm[1]), kind: 'node.drain', target: 'node', status: d.cancelled ? 'cancelled' : finished ? 'succeeded' : 'running', error: null, cancel_requested: !!d.cancelled, created_by: 'admin', created_at: now(), finished_at: finished ? now() : null, progress: { node: 'worker', eviction_api: 'policy/v1beta1', cordoned: true, pods: d.list.map((x, i) => ({ ...x, state: i < done ? 'evicted' : i === done ? 'evicting' : 'pending' })), skipped: [] } });
  }
  if (p === '/api/v1/auth/ws-ticket') return send(res, 200, { ticket: `t${seq++}` });
  return err(res, 404, 'not_found', `no API route ${m} ${p}`);
});
const drains = new Map();

// ---- the resource engine (issue 13), loosely: kinds, lists, objects, YAML, writes with dry runs and conflicts ----
const col = (key, header, type = 'text', wide = false) => ({ key, header, type, wide });
const KINDS = [
  { name: 'deployments', kind: 'Deployment', group: 'apps', version: 'v1', namespaced: true, category: 'workloads', tier: 'app', columns: [col('ready', 'READY', 'number'), col('up_to_date', 'UP-TO-DATE', 'number'), col('available', 'AVAILABLE', 'number'), col('images', 'IMAGES', 'text', true), col('selector', 'SELECTOR', 'text', true)] },
  { name: 'replicasets', kind: 'ReplicaSet', group: 'apps', version: 'v1', namespaced: true, category: 'workloads', tier: 'app', columns: [] },
  { name: 'statefulsets', kind: 'StatefulSet', group: 'apps', version: 'v1', namespaced: true, category: 'workloads', tier: 'app', columns: [] },
  { name: 'daemonsets', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true, category: 'workloads', tier: 'app', columns: [] },
  { name: 'jobs', kind: 'Job', group: 'batch', version: 'v1', namespaced: true, category: 'workloads', tier: 'app', columns: [] },
  { name: 'cronjobs', kind: 'CronJob', group: 'batch', version: 'v1beta1', namespaced: true, category: 'workloads', tier: 'app', columns: [] },
  { name: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', group: 'autoscaling', version: 'v2beta2', namespaced: true, category: 'workloads', tier: 'app', columns: [] },
  { name: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', group: '', version: 'v1', namespaced: true, category: 'storage', tier: 'app', columns: [] },
  { name: 'services', kind: 'Service', group: '', version: 'v1', namespaced: true, category: 'network', tier: 'app', columns: [col('type', 'TYPE'), col('cluster_ip', 'CLUSTER-IP'), col('ports', 'PORT(S)'), col('selector', 'SELECTOR', 'text', true)] },
  { name: 'ingresses', kind: 'Ingress', group: 'networking.k8s.io', version: null, namespaced: true, category: 'network', tier: 'app', columns: [] },
  { name: 'configmaps', kind: 'ConfigMap', group: '', version: 'v1', namespaced: true, category: 'configuration', tier: 'app', columns: [col('data', 'DATA', 'number')] },
  { name: 'secrets', kind: 'Secret', group: '', version: 'v1', namespaced: true, category: 'configuration', tier: 'app', columns: [col('type', 'TYPE'), col('data', 'DATA', 'number')] },
  { name: 'persistentvolumes', kind: 'PersistentVolume', group: '', version: 'v1', namespaced: false, category: 'storage', tier: 'platform', columns: [] },
  { name: 'clusterroles', kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: false, category: 'access_control', tier: 'platform', columns: [] },
  { name: 'namespaces', kind: 'Namespace', group: '', version: 'v1', namespaced: false, category: 'cluster', tier: 'platform', columns: [] },
  { name: 'nodes', kind: 'Node', group: '', version: 'v1', namespaced: false, category: 'cluster', tier: 'platform', columns: [] },
  { name: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true, category: 'workloads', tier: 'app', columns: [] },
  { name: 'widgets.example.com', kind: 'Widget', group: 'example.com', version: 'v1alpha1', namespaced: true, category: 'custom_resources', tier: 'app', columns: [col('size', 'SIZE')] },
];
let rv = 1000;
const objects = new Map(KINDS.map((k) => [k.name, []]));
const meta = (name, namespace, extra = {}) => ({ name, ...(namespace ? { namespace } : {}), uid: `uid-${rv}`, resourceVersion: String(rv++), creationTimestamp: new Date(Date.now() - (rv % 50) * 3600e3).toISOString(), ...extra });
for (const ns of ['default', 'demo', 'kube-system']) objects.get('namespaces').push({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns, null), status: { phase: 'Active' } });
for (let i = 0; i < 7; i++) {
  const ns = ['default', 'demo'][i % 2];
  const name = ['web', 'api', 'worker', 'cache', 'queue', 'auth', 'search'][i];
  const replicas = i === 3 ? 0 : 2;
  objects.get('deployments').push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, ns, { labels: { app: name } }), spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `nginx:1.${20 + i}` }] } } }, status: { readyReplicas: i === 2 ? 1 : replicas, updatedReplicas: replicas, availableReplicas: i === 2 ? 1 : replicas } });
  objects.get('services').push({ apiVersion: 'v1', kind: 'Service', metadata: meta(name, ns, { labels: { app: name } }), spec: { type: i === 1 ? 'NodePort' : 'ClusterIP', clusterIP: `10.96.0.${10 + i}`, selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } });
  objects.get('configmaps').push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-config`, ns), data: { 'app.conf': `name=${name}\nreplicas=${replicas}\n`, level: 'info' } });
}
objects.get('secrets').push({ apiVersion: 'v1', kind: 'Secret', metadata: meta('db-password', 'default'), type: 'Opaque', data: { password: Buffer.from('s3cret').toString('base64') } });
// bookkeeping the mock keeps beside an object without showing it in its JSON
function hidden(o, k, v) { Object.defineProperty(o, k, { value: v, enumerable: false, writable: true, configurable: true }); }
// workloads (issue 14): a CronJob, a Job, an HPA, a PVC; revisions of each Deployment
objects.get('cronjobs').push({ apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: meta('nightly-report', 'default'), spec: { schedule: '30 2 * * *', suspend: false, jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'busybox:1.36', command: ['sh', '-c', 'date'] }] } } } } }, status: { lastScheduleTime: new Date(Date.now() - 5 * 3600e3).toISOString() } });
objects.get('jobs').push({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta('nightly-report-27800000', 'default'), spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'busybox:1.36' }] } } }, status: { succeeded: 1 } });
objects.get('horizontalpodautoscalers').push({ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: meta('web', 'default'), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 6, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] }, status: { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 87, averageValue: '87m' } } }], conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 3' }, { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' }] } });
objects.get('persistentvolumeclaims').push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('web-data', 'default'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
for (const d of objects.get('deployments')) {
  const t = d.spec.template;
  const older = JSON.parse(JSON.stringify(t));
  older.spec.containers[0].image = older.spec.containers[0].image.replace(/\d+$/, (n) => String(Number(n) - 1));
  hidden(d, 'revisions', [
    { revision: 1, template: older, change_cause: `kubectl set image deployment/${d.metadata.name} ${t.spec.containers[0].name}=${older.spec.containers[0].image}`, created_at: new Date(Date.now() - 3 * 86400e3).toISOString() },
    { revision: 2, template: JSON.parse(JSON.stringify(t)), change_cause: null, created_at: new Date(Date.now() - 86400e3).toISOString() },
  ]);
}
objects.get('widgets.example.com').push({ apiVersion: 'example.com/v1alpha1', kind: 'Widget', metadata: meta('blue', 'default'), spec: { size: 'L' } });

function rowOf(k, o) {
  const cells = k.columns.map((c) => {
    if (k.name === 'deployments') return { ready: `${o.status?.readyReplicas ?? 0}/${o.spec.replicas}`, up_to_date: String(o.status?.updatedReplicas ?? 0), available: String(o.status?.availableReplicas ?? 0), images: o.spec.template.spec.containers.map((x) => x.image).join(','), selector: Object.entries(o.spec.selector.matchLabels).map(([a, b]) => `${a}=${b}`).join(',') }[c.key];
    if (k.name === 'services') return { type: o.spec.type, cluster_ip: o.spec.clusterIP, ports: o.spec.ports.map((p) => `${p.port}/${p.protocol}`).join(','), selector: Object.entries(o.spec.selector ?? {}).map(([a, b]) => `${a}=${b}`).join(',') || null }[c.key];
    if (c.key === 'data') return String(Object.keys(o.data ?? {}).length);
    if (c.key === 'type') return o.type;
    if (c.key === 'size') return o.spec?.size ?? null;
    return null;
  });
  let status = null, health = 'neutral';
  if (k.name === 'deployments') {
    const want = o.spec.replicas, avail = o.status?.availableReplicas ?? 0;
    [status, health] = want === 0 ? ['Scaled to zero', 'neutral'] : avail >= want ? ['Available', 'ok'] : avail === 0 ? ['Unavailable', 'error'] : ['Progressing', 'progressing'];
  }
  if (k.name === 'namespaces') [status, health] = ['Active', 'ok'];
  const ctl = (o.metadata.ownerReferences ?? []).find((x) => x.controller);
  return { namespace: o.metadata.namespace ?? null, name: o.metadata.name, created_at: o.metadata.creationTimestamp, labels: o.metadata.labels ?? {}, cells, status, health, owner: ctl ? { kind: ctl.kind, name: ctl.name } : null };
}
const redact = (k, o) => (k.name === 'secrets' ? { ...o, data: Object.fromEntries(Object.keys(o.data ?? {}).map((x) => [x, ''])) } : o);
function textDiff(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  let h = 0;
  while (h < x.length && h < y.length && x[h] === y[h]) h++;
  let t = 0;
  while (t < x.length - h && t < y.length - h && x[x.length - 1 - t] === y[y.length - 1 - t]) t++;
  if (h === x.length && h === y.length) return '';
  const from = Math.max(0, h - 3);
  return ['--- live', '+++ new', `@@ -${from + 1} +${from + 1} @@`, ...x.slice(from, h).map((l) => ` ${l}`), ...x.slice(h, x.length - t).map((l) => `-${l}`), ...y.slice(h, y.length - t).map((l) => `+${l}`), ...x.slice(x.length - t, x.length - t + 3).map((l) => ` ${l}`)].join('\n') + '\n';
}
const kindErr = (res, name) => err(res, 404, 'kind_unknown', `no kind is called ${name}`, { params: { kind: name } });

async function resources(req, res, rest, q, m) {
  const handled = await workloads(req, res, rest, q, m);
  if (handled !== false) return handled;
  if (rest === '/kinds') return send(res, 200, { server_version: 'v1.20.2', items: KINDS });
  if (rest === '/apply' && m === 'POST') return write(req, res, q, null, null, 'apply');
  // /namespaces/{ns}/{kind}[/{name}[/yaml|/events]]  or  /{kind}[/{name}[...]]
  let mm = /^\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+)(?:\/(yaml|events))?)?$/.exec(rest);
  let ns = null, kname, oname, sub;
  if (mm && mm[2] !== 'pods') [, ns, kname, oname, sub] = mm.map((v) => (v === undefined ? v : decodeURIComponent(v)));
  else {
    mm = /^\/([^/]+)(?:\/([^/]+)(?:\/(yaml|events))?)?$/.exec(rest);
    if (!mm || ['pods', 'nodes', 'status', 'sync', 'logs'].includes(mm[1])) return false;
    [, kname, oname, sub] = mm.map((v) => (v === undefined ? v : decodeURIComponent(v)));
  }
  const k = KINDS.find((x) => x.name === kname);
  if (!k) return kindErr(res, kname);
  if (!k.version) return err(res, 404, 'kind_not_served', `this cluster (v1.20.2) does not serve ${k.kind}`, { params: { kind: k.kind, version: 'v1.20.2' } });
  const list = objects.get(k.name);
  if (oname === 'sync' && m === 'POST') return send(res, 200, {});
  if (!oname) {
    if (m === 'POST') return write(req, res, q, k, ns, 'create');
    let items = list.filter((o) => !ns || o.metadata.namespace === ns);
    const nsq = q.get('namespace');
    if (nsq) items = items.filter((o) => nsq.split(',').includes(o.metadata.namespace));
    if (q.get('name')) items = items.filter((o) => o.metadata.name.includes(q.get('name')));
    const sel = q.get('label_selector');
    if (sel) items = items.filter((o) => sel.split(',').every((p) => { const [a, b] = p.split('='); return (o.metadata.labels ?? {})[a] === b; }));
    let rows = items.map((o) => rowOf(k, o));
    if (q.get('status')) rows = rows.filter((r) => r.status === q.get('status'));
    for (const c of k.columns) if (q.get(c.key)) rows = rows.filter((r) => r.cells[k.columns.indexOf(c)] === q.get(c.key));
    const sort = q.get('sort');
    if (sort) {
      const key = sort.replace(/^-/, ''), i = k.columns.findIndex((c) => c.key === key);
      const v = (r) => (key === 'age' ? r.created_at : i >= 0 ? r.cells[i] ?? '' : r[key] ?? '');
      rows.sort((a, b) => String(v(a)).localeCompare(String(v(b)), 'en', { numeric: true }) * (sort.startsWith('-') ? -1 : 1));
    }
    const stale = !!process.env.MOCK_STALE;
    return send(res, 200, { kind: k.kind, api_version: k.group ? `${k.group}/${k.version}` : k.version, namespaced: k.namespaced, columns: k.columns, ...page(rows, q), stale, source: stale ? 'snapshot' : 'live', last_sync_at: now() });
  }
  const o = list.find((x) => x.metadata.name === oname && (!k.namespaced || x.metadata.namespace === ns));
  if (!o) return err(res, 404, 'object_not_found', `${k.kind} ${oname} not found`);
  const reveal = q.get('reveal') === 'true';
  const shown = reveal ? o : redact(k, o);
  if (sub === 'yaml') { res.writeHead(200, { 'Content-Type': 'application/yaml' }); return res.end(YAML.stringify(shown)); }
  if (sub === 'events') return send(res, 200, { items: [{ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${o.metadata.name}-5d9 to 2`, count: 1, first_seen: now(), last_seen: now(), source: 'deployment-controller' }] });
  if (m === 'DELETE') { list.splice(list.indexOf(o), 1); return send(res, 200, {}); }
  if (m === 'PUT') return write(req, res, q, k, ns, 'replace', o);
  const related = k.name === 'deployments' ? [{ relation: 'owns', kind: 'ReplicaSet', name: `${o.metadata.name}-5d9`, resource: 'replicasets', namespace: ns }, { relation: 'selected_by', kind: 'Service', name: o.metadata.name, resource: 'services', namespace: ns }, { relation: 'owns', kind: 'Pod', name: pods[0].name, resource: 'pods', namespace: pods[0].namespace }] : k.name === 'services' ? [{ relation: 'selects', kind: 'Deployment', name: o.metadata.name, resource: null, namespace: ns }] : [];
  return send(res, 200, { kind: k.kind, api_version: o.apiVersion, row: rowOf(k, o), object: shown, redacted: k.name === 'secrets' && !reveal, related });
}

async function write(req, res, q, k, ns, mode, current) {
  const text = await new Promise((ok) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => ok(b)); });
  let docs;
  try { docs = YAML.parseAllDocuments(text).map((d) => { if (d.errors.length) throw d.errors[0]; return d.toJS(); }).filter((d) => d); } catch (e) { return err(res, 400, 'manifest_invalid', `document 0: ${e.message}`, { params: { document: 0, rule: 'yaml', detail: e.message.split('\n')[0] } }); }
  const dry = q.get('dry_run') === 'true';
  const results = [];
  for (const [index, d] of docs.entries()) {
    const kk = k ?? KINDS.find((x) => x.kind === d.kind);
    const r = { index, kind: d.kind ?? null, namespace: d.metadata?.namespace ?? ns ?? null, name: d.metadata?.name ?? null, outcome: 'failed', error: null, object: null, diff: null };
    results.push(r);
    if (!kk || (k && d.kind !== k.kind)) { r.error = { code: 'manifest_invalid', message: `document ${index}: kind ${d.kind}`, params: { document: index, rule: 'kind_mismatch', kind: d.kind } }; continue; }
    const list = objects.get(kk.name);
    if (kk.namespaced) d.metadata.namespace = d.metadata.namespace ?? ns ?? 'default';
    const live = current ?? list.find((x) => x.metadata.name === d.metadata.name && x.metadata.namespace === d.metadata.namespace);
    if (mode === 'replace' && d.metadata.resourceVersion !== live.metadata.resourceVersion) {
      return err(res, 409, 'resource_conflict', `${kk.kind} ${d.metadata.name} changed since resourceVersion ${d.metadata.resourceVersion}`, { params: { object: d.metadata.name, resource_version: d.metadata.resourceVersion, current_version: live.metadata.resourceVersion } });
    }
    const causes = clusterCauses(d);
    if (causes.length) {
      const e = { code: 'object_invalid', message: `the cluster refused ${kk.kind} ${d.metadata.name}: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, field: causes[0].field, params: { detail: `${kk.kind}.apps "${d.metadata.name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, causes } };
      if (docs.length === 1) return send(res, 422, { ...e, request_id: `req-${seq++}` });
      r.error = e;
      continue;
    }
    if (mode === 'create' && live) { r.error = { code: 'already_exists', message: `${kk.kind} ${d.metadata.name} exists already`, params: { object: d.metadata.name } }; continue; }
    const next = { ...d, metadata: { ...(live?.metadata ?? meta(d.metadata.name, d.metadata.namespace)), ...d.metadata, resourceVersion: live ? String(rv++) : String(rv++) } };
    const before = live ? YAML.stringify(redact(kk, live)) : '';
    r.outcome = !live ? 'created' : before === YAML.stringify(redact(kk, { ...next, metadata: live.metadata })) ? 'unchanged' : 'configured';
    if (dry) { r.object = redact(kk, next); r.diff = live ? textDiff(before, YAML.stringify(redact(kk, { ...next, metadata: live.metadata }))) || null : null; continue; }
    if (kk.name === 'deployments') {
      hidden(next, 'revisions', live?.revisions ?? [{ revision: 1, template: JSON.parse(JSON.stringify(next.spec.template)), change_cause: null, created_at: now() }]);
      if (live && JSON.stringify(live.spec.template) !== JSON.stringify(next.spec.template)) newRevision(next, null);
    }
    if (live) list[list.indexOf(live)] = next; else list.push(next);
  }
  if (docs.length === 1 && results[0].error) return err(res, results[0].error.code === 'already_exists' ? 409 : 400, results[0].error.code, results[0].error.message, { params: results[0].error.params });
  return send(res, !dry && results.every((r) => r.outcome === 'created') ? 201 : 200, { dry_run: dry, results });
}

// ---- workload verbs (issue 14), loosely after /work/briefs/workloads-contract.md ----
const VERBS = {
  scale: ['deployments', 'statefulsets', 'replicasets'], restart: ['deployments', 'statefulsets', 'daemonsets'], pause: ['deployments'], resume: ['deployments', 'cronjobs'],
  history: ['deployments', 'statefulsets', 'daemonsets'], rollback: ['deployments', 'statefulsets', 'daemonsets'], rollout: ['deployments', 'statefulsets', 'daemonsets'],
  image: ['deployments', 'statefulsets', 'daemonsets', 'cronjobs'], suspend: ['cronjobs'], trigger: ['cronjobs'], rerun: ['jobs'],
};
const imagesOf = (t) => t.spec.containers.map((c) => ({ container: c.name, image: c.image }));
const podTemplate = (o) => o.spec.template ?? o.spec.jobTemplate?.spec?.template;
function newRevision(o, cause) {
  if (!o.revisions) return;
  const revision = Math.max(0, ...o.revisions.map((r) => r.revision)) + 1;
  o.revisions.push({ revision, template: JSON.parse(JSON.stringify(o.spec.template)), change_cause: cause, created_at: now() });
  hidden(o, 'rolloutAt', Date.now());
  o.metadata.resourceVersion = String(rv++);
}
const revOut = (o, r) => ({ revision: r.revision, change_cause: r.change_cause, images: imagesOf(r.template), created_at: r.created_at, source: `ReplicaSet ${o.metadata.name}-${(r.revision * 7919).toString(36)}`, replicas: r === o.revisions[o.revisions.length - 1] ? o.spec.replicas : 0, current: r === o.revisions[o.revisions.length - 1] });
async function workloads(req, res, rest, q, m) {
  if (rest === '/images') {
    const seen = new Map();
    for (const k of ['deployments', 'statefulsets', 'daemonsets', 'cronjobs']) for (const o of objects.get(k) ?? []) for (const c of podTemplate(o)?.spec?.containers ?? []) {
      const i = c.image.lastIndexOf(':'), repo = i > 0 ? c.image.slice(0, i) : c.image, tag = i > 0 ? c.image.slice(i + 1) : 'latest';
      const e = seen.get(repo) ?? { repository: repo, tags: [], used_by: [] };
      if (!e.tags.includes(tag)) e.tags.push(tag);
      e.used_by.push({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, container: c.name });
      seen.set(repo, e);
    }
    return send(res, 200, { images: [...seen.values()].map((e) => ({ ...e, tags: e.tags.sort().reverse() })) });
  }
  const mm = /^\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)\/(scale|restart|pause|resume|history|rollback|rollout|image|suspend|trigger|rerun)(?:\/([^/]+))?$/.exec(rest);
  if (!mm) return false;
  const [, ns, kname, oname, verb, sub] = mm.map((v) => (v === undefined ? v : decodeURIComponent(v)));
  if (!VERBS[verb].includes(kname)) return err(res, 404, 'verb_not_supported', `${kname} cannot ${verb}`, { params: { kind: kname, verb, kinds: VERBS[verb] } });
  const o = (objects.get(kname) ?? []).find((x) => x.metadata.name === oname && x.metadata.namespace === ns);
  if (!o) return err(res, 404, 'object_not_found', `${kname} ${oname} not found`);
  const b = m === 'GET' ? {} : (await body(req)) ?? {};
  const rollbackRefused = () => err(res, 409, 'rollout_paused', `deployment ${oname} is paused; resume it first`, { params: { object: `Deployment ${ns}/${oname}` } });
  switch (verb) {
    case 'scale': {
      if (!Number.isInteger(b.replicas) || b.replicas < 0) return err(res, 422, 'out_of_range', 'replicas must be at least 0', { field: 'replicas', params: { min: 0 } });
      const before = o.spec.replicas;
      o.spec.replicas = b.replicas;
      o.status = { ...(o.status ?? {}), readyReplicas: b.replicas, availableReplicas: b.replicas, updatedReplicas: b.replicas };
      o.metadata.resourceVersion = String(rv++);
      return send(res, 200, { replicas_before: before, replicas: b.replicas });
    }
    case 'restart': {
      if (o.spec.paused) return rollbackRefused();
      const at = now();
      o.spec.template.metadata = { ...(o.spec.template.metadata ?? {}), annotations: { ...(o.spec.template.metadata?.annotations ?? {}), 'kubectl.kubernetes.io/restartedAt': at } };
      newRevision(o, null);
      return send(res, 200, { restarted_at: at });
    }
    case 'pause':
      if (o.spec.paused) return err(res, 409, 'already_paused', `deployment ${oname} is already paused`, { params: { object: oname } });
      o.spec.paused = true; o.metadata.resourceVersion = String(rv++);
      return send(res, 200, { paused: true });
    case 'resume':
      if (kname === 'cronjobs') { o.spec.suspend = false; o.metadata.resourceVersion = String(rv++); return send(res, 200, { suspended: false }); }
      if (!o.spec.paused) return err(res, 409, 'not_paused', `deployment ${oname} is not paused`, { params: { object: oname } });
      o.spec.paused = false; o.metadata.resourceVersion = String(rv++);
      return send(res, 200, { paused: false });
    case 'suspend':
      o.spec.suspend = true; o.metadata.resourceVersion = String(rv++);
      return send(res, 200, { suspended: true });
    case 'trigger':
    case 'rerun': {
      const name = b.job_name || `${oname.replace(/-\d+$/, '')}-manual-${(seq++).toString(36)}`;
      objects.get('jobs').push({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta(name, ns), spec: JSON.parse(JSON.stringify(verb === 'trigger' ? o.spec.jobTemplate.spec : o.spec)), status: { active: 1 } });
      return send(res, 201, { job: { namespace: ns, name } });
    }
    case 'image': {
      const t = podTemplate(o);
      const c = t.spec.containers.find((x) => x.name === b.container);
      if (!c) return err(res, 422, 'container_not_found', `no container ${b.container}`, { field: 'container', params: { container: b.container, containers: t.spec.containers.map((x) => x.name) } });
      const before = c.image;
      c.image = b.image;
      if (o.revisions) newRevision(o, `image ${b.container}=${b.image}`);
      o.metadata.resourceVersion = String(rv++);
      return send(res, 200, { container: b.container, image_before: before, image: b.image });
    }
    case 'history': {
      const revs = o.revisions ?? [];
      if (!sub) return send(res, 200, { revisions: [...revs].reverse().map((r) => revOut(o, r)) });
      if (sub === 'diff') {
        const a = revs.find((r) => r.revision === Number(q.get('from'))), z = revs.find((r) => r.revision === Number(q.get('to')));
        if (!a || !z) return err(res, 404, 'revision_not_found', 'no such revision', { params: { revision: Number(q.get(a ? 'to' : 'from')), revisions: revs.map((r) => r.revision) } });
        return send(res, 200, { from: a.revision, to: z.revision, diff: textDiff(YAML.stringify(a.template), YAML.stringify(z.template)) });
      }
      const r = revs.find((x) => x.revision === Number(sub));
      if (!r) return err(res, 404, 'revision_not_found', `revision ${sub} not found`, { params: { revision: Number(sub), revisions: revs.map((x) => x.revision) } });
      return send(res, 200, { ...revOut(o, r), template: r.template });
    }
    case 'rollback': {
      if (o.spec.paused) return rollbackRefused();
      const revs = o.revisions ?? [];
      const cur = revs[revs.length - 1];
      const target = b.revision ? revs.find((r) => r.revision === b.revision) : revs[revs.length - 2];
      if (!target) return err(res, 404, 'revision_not_found', `revision ${b.revision} not found`, { params: { revision: b.revision, revisions: revs.map((r) => r.revision) } });
      if (JSON.stringify(target.template) === JSON.stringify(cur.template)) return send(res, 200, { outcome: 'skipped', from_revision: cur.revision, to_revision: target.revision, message: `skipped rollback (current template already matches revision ${target.revision})` });
      o.spec.template = JSON.parse(JSON.stringify(target.template));
      revs.splice(revs.indexOf(target), 1);
      newRevision(o, target.change_cause);
      return send(res, 200, { outcome: 'rolled_back', from_revision: cur.revision, to_revision: target.revision, message: 'rolled back' });
    }
    case 'rollout': {
      const desired = o.spec.replicas ?? 1;
      const revs = o.revisions ?? [];
      const since = o.rolloutAt ? (Date.now() - o.rolloutAt) / 1000 : 99;
      const stalled = o.metadata.name === 'worker';
      const updated = since < 6 ? Math.min(desired, Math.floor(since / 2)) : desired;
      const ready = stalled ? Math.max(0, desired - 1) : updated;
      const state = o.spec.paused ? 'paused' : stalled ? 'stalled' : updated < desired ? 'progressing' : 'complete';
      const rs = (r, replicas) => ({ name: `${o.metadata.name}-${(r.revision * 7919).toString(36)}`, replicas, ready: Math.min(replicas, ready), revision: r.revision });
      const cur = revs[revs.length - 1];
      return send(res, 200, {
        state,
        reason: state === 'stalled' ? 'ProgressDeadlineExceeded' : state === 'paused' ? 'DeploymentPaused' : state === 'progressing' ? 'ReplicaSetUpdated' : 'NewReplicaSetAvailable',
        message: state === 'stalled' ? `ReplicaSet "${o.metadata.name}-x" has timed out progressing.` : state === 'paused' ? 'Deployment is paused' : null,
        desired, updated, ready, available: ready,
        conditions: [
          { type: 'Available', status: ready >= desired ? 'True' : 'False', reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: 'Deployment has minimum availability.', last_update: now() },
          { type: 'Progressing', status: stalled ? 'False' : 'True', reason: stalled ? 'ProgressDeadlineExceeded' : 'NewReplicaSetAvailable', message: stalled ? 'ReplicaSet has timed out progressing.' : 'ReplicaSet has successfully progressed.', last_update: now() },
        ],
        new_replicaset: cur ? rs(cur, updated) : null,
        old_replicasets: revs.slice(0, -1).reverse().map((r, i) => rs(r, i === 0 ? desired - updated : 0)),
        failing_pods: stalled ? [{ name: `${o.metadata.name}-7d4b9c-x2x9q`, container: o.spec.template.spec.containers[0].name, reason: 'ImagePullBackOff', message: `Back-off pulling image "${o.spec.template.spec.containers[0].image}"` }] : [],
      });
    }
  }
  return false;
}

/** A Deployment a cluster would refuse (dry run or not): env names and port names as Kubernetes validates them. */
function clusterCauses(d) {
  const causes = [];
  if (d.kind !== 'Deployment') return causes;
  (d.spec?.template?.spec?.containers ?? []).forEach((c, ci) => {
    (c.env ?? []).forEach((e, i) => {
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) causes.push({ field: `spec.template.spec.containers[${ci}].env[${i}].name`, reason: 'FieldValueInvalid', message: `Invalid value: "${e.name}": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')` });
    });
    (c.ports ?? []).forEach((p, i) => {
      if (p.name && p.name.length > 15) causes.push({ field: `spec.template.spec.containers[${ci}].ports[${i}].name`, reason: 'FieldValueInvalid', message: `Invalid value: "${p.name}": must be no more than 15 characters` });
    });
  });
  return causes;
}

// minimal WebSocket for /ws/... log follow: a line every 100 ms
/** Client frames (masked) out of a buffer: [{op, payload}], and the unread rest. */
function readFrames(buf) {
  const out = [];
  for (;;) {
    if (buf.length < 2) break;
    const op = buf[0] & 0x0f;
    let len = buf[1] & 0x7f, off = 2;
    if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); off = 4; }
    else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); off = 10; }
    const masked = buf[1] & 0x80;
    const need = off + (masked ? 4 : 0) + len;
    if (buf.length < need) break;
    const mask = masked ? buf.subarray(off, off + 4) : null;
    const payload = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    out.push({ op, payload });
    buf = buf.subarray(need);
  }
  return { frames: out, rest: buf };
}
const wsFrame = (op, data) => {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const head = b.length < 126 ? Buffer.from([0x80 | op, b.length]) : Buffer.from([0x80 | op, 126, b.length >> 8, b.length & 255]);
  return Buffer.concat([head, b]);
};

/** The exec WebSocket (issue 14, exec-contract.md): a tiny shell (echo, hostname, env, ls, exit N, unknown: 127). */
function mockExec(req, socket) {
  const out = (stream, text) => socket.write(wsFrame(2, Buffer.concat([Buffer.from([stream]), Buffer.from(text)])));
  const pod = decodeURIComponent(/\/pods\/([^/]+)\/exec/.exec(req.url)[1]);
  let line = '', pending = Buffer.alloc(0);
  out(1, '/ # ');
  const run = (cmd) => {
    const [c, ...args] = cmd.trim().split(/\s+/);
    if (!c) return;
    if (c === 'exit') { const code = Number(args[0] || 0); socket.write(wsFrame(1, JSON.stringify({ type: 'exit', code }))); const r = Buffer.from(`exited ${code}`); socket.write(wsFrame(8, Buffer.concat([Buffer.from([0x03, 0xe8]), r]))); socket.end(); return 'exit'; }
    if (c === 'echo') return out(1, `${args.join(' ')}\r\n`);
    if (c === 'hostname') return out(1, `${pod}\r\n`);
    if (c === 'env') return out(1, `HOSTNAME=${pod}\r\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\r\nMODE=prod\r\n`);
    if (c === 'ls') return out(1, 'app  bin  etc  tmp  usr  var\r\n');
    out(2, `sh: ${c}: not found\r\n`);
  };
  socket.on('data', (d) => {
    const { frames, rest } = readFrames(Buffer.concat([pending, d]));
    pending = rest;
    for (const f of frames) {
      if (f.op === 8) { socket.end(); return; }
      if (f.op !== 2) continue; // text frames are control messages (resize): nothing to do here
      for (const ch of f.payload.toString()) {
        if (ch === '\r') { out(1, '\r\n'); if (run(line) === 'exit') return; line = ''; out(1, '/ # '); }
        else if (ch === '\x7f') { if (line) { line = line.slice(0, -1); out(1, '\b \b'); } }
        else { line += ch; out(1, ch); }
      }
    }
  });
  socket.on('error', () => {});
}

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  // the console offers ["kubedeck", "bearer.<token>"]; answer "kubedeck" like the real server
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: kubedeck\r\n\r\n`);
  if (/\/exec(\?|$)/.test(req.url)) return mockExec(req, socket);
  let i = 0;
  const frame = (text) => {
    const b = Buffer.from(text);
    const head = b.length < 126 ? Buffer.from([0x81, b.length]) : Buffer.from([0x81, 126, b.length >> 8, b.length & 255]);
    socket.write(Buffer.concat([head, b]));
  };
  for (let k = 0; k < 30; k++) frame(`${now()} tail line ${k}`);
  // MOCK_LOG_RATE lines per second (default 10), sent one line per frame every 50 ms
  const perTick = Math.max(1, Math.round(Number(process.env.MOCK_LOG_RATE || 10) / 20));
  const t = setInterval(() => {
    for (let k = 0; k < perTick; k++) frame(`${now()} followed line ${i++} level=${i % 7 ? 'info' : 'error'} msg="handled request" path=/api/v1/items/${i % 977} latency_ms=${i % 113}`);
  }, 50);
  socket.on('data', (d) => { if ((d[0] & 0x0f) === 8) { clearInterval(t); socket.end(); } });
  socket.on('close', () => clearInterval(t));
  socket.on('error', () => clearInterval(t));
});
server.listen(PORT, '127.0.0.1', () => console.log(`mock kubedeck on http://127.0.0.1:${PORT} (admin password: ${password})`));
