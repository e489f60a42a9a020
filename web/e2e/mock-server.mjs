// A throwaway in-memory stand-in for the kubedeck API, for developing the console without the Rust server:
//   node e2e/mock-server.mjs [port]   (serves web/dist too)
// It follows the API contract loosely; the real tests run against the real server.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';

const PORT = Number(process.argv[2] || 18081);
const DIST = new URL('../dist/', import.meta.url).pathname;
const now = () => new Date().toISOString();
let password = process.env.KUBEDECK_ADMIN_PASSWORD || 'admin-initial-pw';
let mustChange = true;
const tokens = new Map();
let seq = 1;
const users = [{ id: 1, username: 'admin', display_name: 'Administrator', disabled: false, must_change_password: true, created_at: now(), bindings: [{ role: 'platform-admin', cluster_id: null, namespace: null }] }];
const clusters = [];
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

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname, q = url.searchParams, m = req.method;
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
  if (p === '/api/v1/auth/me') return send(res, 200, { id: 1, username: 'admin', display_name: 'Administrator', must_change_password: false, bindings: users[0].bindings, permissions: ['cluster.read', 'cluster.write', 'node.read', 'node.write', 'pod.read', 'pod.write', 'pod.logs', 'user.admin', 'audit.read'] });
  if (p === '/api/v1/users' && m === 'GET') return send(res, 200, page(users, q));
  if (p === '/api/v1/audit') return send(res, 200, page(audit, q));
  if (p === '/api/v1/k8s/cluster' && m === 'GET') { const name = q.get('name'); return send(res, 200, page(clusters.filter((c) => !name || c.name.includes(name)), q)); }
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

// minimal WebSocket for /ws/... log follow: a line every 100 ms
server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  // the console offers ["kubedeck", "bearer.<token>"]; answer "kubedeck" like the real server
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: kubedeck\r\n\r\n`);
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
