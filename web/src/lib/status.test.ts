import { describe, expect, it } from 'vitest';
import { certificateTone, clusterHealth, clusterReasonText, clusterStatusView, clusterTypeKey, nodeStatusView, podDisplayStatus, podStatusTone, taskFinished } from './status';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translate } from '../i18n';
import { can } from './permissions';

describe('cluster status mapping', () => {
  it('maps the four server states', () => {
    expect(clusterStatusView(1)).toEqual({ key: 'cluster.status.creating', tone: 'processing' });
    expect(clusterStatusView(2)).toEqual({ key: 'cluster.status.running', tone: 'success' });
    expect(clusterStatusView(3)).toEqual({ key: 'cluster.status.stopped', tone: 'default' });
    expect(clusterStatusView(4)).toEqual({ key: 'cluster.status.error', tone: 'error' });
    expect(clusterStatusView(9).key).toBe('cluster.status.unknown');
    expect(clusterTypeKey(1)).toBe('cluster.type.selfBuilt');
    expect(clusterTypeKey(2)).toBe('cluster.type.imported');
  });
  it('health: unreachable beats not-ready nodes beats a stale sync', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    const fresh = new Date(now - 30_000).toISOString();
    const old = new Date(now - 30 * 60_000).toISOString();
    expect(clusterHealth({ status: 2, node_count: 8, ready_nodes: 8, last_sync_at: fresh }, now)).toBe('healthy');
    expect(clusterHealth({ status: 2, node_count: 8, ready_nodes: 7, last_sync_at: old }, now)).toBe('degraded');
    expect(clusterHealth({ status: 2, node_count: 8, ready_nodes: 8, last_sync_at: old }, now)).toBe('stale');
    expect(clusterHealth({ status: 4, node_count: 8, ready_nodes: 0, last_sync_at: fresh }, now)).toBe('unreachable');
    expect(clusterHealth({ status: 1, node_count: 0, ready_nodes: 0, last_sync_at: null }, now)).toBe('unknown');
  });
});

describe('pod status', () => {
  it('shows the container reason kubectl shows, not just the phase', () => {
    expect(podDisplayStatus({ phase: 'Running', containers: [{ name: 'a', state: 'waiting', reason: 'CrashLoopBackOff' }] })).toBe('CrashLoopBackOff');
    expect(podDisplayStatus({ phase: 'Pending', containers: [{ name: 'a', state: 'waiting', reason: 'ImagePullBackOff' }] })).toBe('ImagePullBackOff');
    expect(podDisplayStatus({ phase: 'Succeeded', containers: [{ name: 'a', state: 'terminated', reason: 'Completed' }] })).toBe('Completed');
    expect(podDisplayStatus({ phase: 'Running', containers: [{ name: 'a', state: 'running' }] })).toBe('Running');
    expect(podDisplayStatus({ phase: 'Failed', reason: 'Evicted' })).toBe('Evicted');
    expect(podDisplayStatus({ phase: null })).toBe('Unknown');
    expect(podDisplayStatus({ phase: 'Running', status: 'Terminating' })).toBe('Terminating');
  });
  it('colours CrashLoopBackOff and Failed red, Pending amber, Running green', () => {
    expect(podStatusTone('CrashLoopBackOff')).toBe('error');
    expect(podStatusTone('Failed')).toBe('error');
    expect(podStatusTone('OOMKilled')).toBe('error');
    expect(podStatusTone('Init:CrashLoopBackOff')).toBe('error');
    expect(podStatusTone('Pending')).toBe('warning');
    expect(podStatusTone('ContainerCreating')).toBe('warning');
    expect(podStatusTone('Init:0/2')).toBe('warning');
    expect(podStatusTone('Running')).toBe('success');
    expect(podStatusTone('Completed')).toBe('default');
  });
});

describe('nodes, certificates, tasks', () => {
  it('node readiness', () => {
    expect(nodeStatusView({ status: 'Ready', schedulable: true }).tone).toBe('success');
    expect(nodeStatusView({ status: 'NotReady', schedulable: true }).tone).toBe('error');
    expect(nodeStatusView({ status: 'Unknown', schedulable: false }).key).toBe('kstatus.Unknown');
  });
  it('certificates warn a month ahead and fail when expired', () => {
    expect(certificateTone(365)).toBe('success');
    expect(certificateTone(12)).toBe('warning');
    expect(certificateTone(-1)).toBe('error');
  });
  it('a task is finished when it can no longer change', () => {
    expect(taskFinished('running')).toBe(false);
    expect(taskFinished('pending')).toBe(false);
    for (const s of ['succeeded', 'failed', 'cancelled', 'interrupted']) expect(taskFinished(s)).toBe(true);
  });
});

describe('permissions hide what the user cannot do', () => {
  it('uses the effective permission list', () => {
    const viewer = { permissions: ['cluster.read', 'node.read', 'pod.read'], bindings: [{ role: 'viewer' as const, cluster_id: null }] };
    expect(can(viewer, 'cluster.read')).toBe(true);
    expect(can(viewer, 'cluster.write')).toBe(false);
    expect(can(viewer, 'user.admin')).toBe(false);
    expect(can(null, 'cluster.read')).toBe(false);
  });
  it('a global platform-admin can do everything', () => {
    expect(can({ permissions: [], bindings: [{ role: 'platform-admin' as const, cluster_id: null }] }, 'audit.read')).toBe(true);
    expect(can({ permissions: [], bindings: [{ role: 'platform-admin' as const, cluster_id: 3 }] }, 'audit.read')).toBe(false);
  });
});

describe("a cluster's status reason in the user's language", () => {
  const openapi = JSON.parse(readFileSync(join(__dirname, '../../openapi.json'), 'utf8'));
  const codes: string[] = openapi.components.schemas.ClusterReasonCode.enum;
  const zhT = (k: string) => translate('zh-CN', k);
  const enT = (k: string) => translate('en', k);

  it('every code the API lists has a sentence in both languages (none says nothing)', () => {
    expect(codes).toContain('in_sync');
    for (const c of codes.filter((c) => c !== 'none')) {
      expect(clusterReasonText(zhT, c, 'x'), c).not.toMatch(/^cluster\.|^x$/);
      expect(clusterReasonText(enT, c, 'x'), c).not.toMatch(/^cluster\.|^x$/);
      expect(clusterReasonText(zhT, c, 'x'), c).not.toBe(clusterReasonText(enT, c, 'x'));
    }
    expect(clusterReasonText(zhT, 'none', 'whatever')).toBe('');
  });

  it('"in sync" in Chinese, and a newer code falls back to the server words', () => {
    expect(clusterReasonText(zhT, 'in_sync', 'in sync')).toBe('已同步');
    expect(clusterReasonText(zhT, 'brand_new', 'something new')).toBe('something new');
  });
});
