// The pods of a StatefulSet, DaemonSet or Job (issue 14), from the pod list filtered by their controller
// (`owner=Kind/name`): a StatefulSet's in ordinal order with the ordinal, each with its node, status and readiness.
import { Table, Tooltip, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { listPods } from '../../api/pods';
import type { PodSummary } from '../../api/types';
import { useI18n } from '../../i18n';
import { ErrorAlert, StatusTag } from '../../components/common';
import { formatAge, formatDateTime } from '../../lib/format';
import { objectHref } from '../../lib/resources';
import { kubectlWord, podDisplayStatus, podStatusTone } from '../../lib/status';
import { LIST_REFRESH_MS, LIVE_SAFETY_MS, useChanges } from '../../lib/useKinds';
import { byOrdinal, ordinalOf } from '../../lib/workloads';
import { useNamespaceUsage } from '../metrics/PodUsageCard';
import { mebibytesText, millicoresText } from '../../lib/clusterMetrics';

export function WorkloadPods({ clusterId, namespace, owner, ordinals = false }: { clusterId: string; namespace: string; owner: { kind: string; name: string }; ordinals?: boolean }) {
  const { t, lang } = useI18n();
  // (the key starts as the pod pages' do: a change notice for pods refetches it)
  const live = useChanges(clusterId, ['pods']);
  const q = useQuery({
    queryKey: ['pods', clusterId, 'owned-by', namespace, owner.kind, owner.name],
    queryFn: () => listPods(clusterId, { namespace, owner: `${owner.kind}/${owner.name}`, page_size: 500, sort: 'name' }),
    refetchInterval: live ? LIVE_SAFETY_MS : LIST_REFRESH_MS,
  });
  const usage = useNamespaceUsage(clusterId, namespace);
  if (q.error) return <ErrorAlert error={q.error} />;
  const pods = q.data?.items ?? [];
  const rows = ordinals ? byOrdinal(pods, owner.name) : pods;
  return (
    <Table<PodSummary>
      size="small"
      loading={!q.data}
      rowKey="name"
      pagination={rows.length > 20 ? { pageSize: 20 } : false}
      dataSource={rows}
      data-testid="workload-pods"
      locale={{ emptyText: t('workload.noPods') }}
      columns={[
        ...(ordinals ? [{ title: t('workload.ordinal'), key: 'ordinal', width: 80, render: (_: unknown, p: PodSummary) => <span className="kd-mono">{ordinalOf(p.name, owner.name) ?? '-'}</span> }] : []),
        { title: t('nav.pods'), key: 'name', render: (_: unknown, p) => <Link to={objectHref(clusterId, 'pods', namespace, p.name)}>{p.name}</Link> },
        {
          title: t('pod.status'),
          key: 'status',
          width: 150,
          render: (_: unknown, p) => {
            const s = podDisplayStatus(p);
            return <StatusTag tone={podStatusTone(s)}>{kubectlWord(t, s)}</StatusTag>;
          },
        },
        { title: t('pod.ready'), dataIndex: 'ready', key: 'ready', width: 80 },
        { title: t('pod.restarts'), dataIndex: 'restarts', key: 'restarts', width: 90 },
        { title: t('metrics.cpuCores'), key: 'cpu', width: 110, render: (_: unknown, p) => <span className="kd-mono">{usage.has(p.name) ? millicoresText(usage.get(p.name)!.cpu_millicores) : '-'}</span> },
        { title: t('metrics.memoryBytes'), key: 'memory', width: 130, render: (_: unknown, p) => <span className="kd-mono">{usage.has(p.name) ? mebibytesText(usage.get(p.name)!.memory_mib) : '-'}</span> },
        {
          title: t('pod.node'),
          key: 'node',
          render: (_: unknown, p) => (p.node_name ? <Link to={objectHref(clusterId, 'nodes', null, p.node_name)}>{p.node_name}</Link> : <Typography.Text type="secondary">-</Typography.Text>),
        },
        { title: t('common.age'), key: 'age', width: 90, render: (_: unknown, p) => <Tooltip title={formatDateTime(p.created_at, lang)}>{formatAge(p.created_at)}</Tooltip> },
      ]}
    />
  );
}
