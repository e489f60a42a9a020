// A pod's CPU and memory now, per container, as `kubectl top pod --containers` shows them (GET .../top/pods by name).
import { Card, Table, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { topPods, type TopPod } from '../../api/metrics';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { mebibytesText, millicoresText } from '../../lib/clusterMetrics';
import { TimeAgo } from '../../components/common';

type Row = TopPod['containers'][number];

export default function PodUsageCard({ clusterId, namespace, pod }: { clusterId: string; namespace: string; pod: string }) {
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['top', clusterId, 'pod', namespace, pod],
    queryFn: () => topPods(clusterId, { sort: 'cpu', namespace, name: pod, limit: 1 }),
    refetchInterval: 15_000,
    retry: false,
  });
  const p = q.data?.items[0];
  return (
    <Card size="small" title={t('metrics.podUsage')} data-testid="pod-usage" style={{ marginTop: 16 }}>
      {q.error ? (
        <Typography.Text type="secondary">{errorText(t, q.error)}</Typography.Text>
      ) : q.data && !p ? (
        <Typography.Text type="secondary">{t('metrics.podNoUsage')}</Typography.Text>
      ) : (
        <>
          <Table<Row>
            size="small"
            rowKey="name"
            loading={q.isLoading}
            pagination={false}
            dataSource={p?.containers ?? []}
            columns={[
              { title: t('metrics.container'), dataIndex: 'name' },
              { title: t('metrics.cpuCores'), dataIndex: 'cpu_millicores', render: (v: number) => <span className="kd-mono">{millicoresText(v)}</span> },
              { title: t('metrics.memoryBytes'), dataIndex: 'memory_mib', render: (v: number) => <span className="kd-mono">{mebibytesText(v)}</span> },
            ]}
            summary={() =>
              p && p.containers.length > 1 ? (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0}>{t('metrics.podTotal')}</Table.Summary.Cell>
                  <Table.Summary.Cell index={1}>{millicoresText(p.cpu_millicores)}</Table.Summary.Cell>
                  <Table.Summary.Cell index={2}>{mebibytesText(p.memory_mib)}</Table.Summary.Cell>
                </Table.Summary.Row>
              ) : null
            }
          />
          {q.data?.collected_at && (
            <Typography.Text type="secondary">
              {t('metrics.readAt')} <TimeAgo at={q.data.collected_at} />
            </Typography.Text>
          )}
        </>
      )}
    </Card>
  );
}

/** The usage of a namespace's pods by name (for pod tables: a workload's pods); empty until known. */
export function useNamespaceUsage(clusterId: string, namespace: string): Map<string, TopPod> {
  const q = useQuery({
    queryKey: ['top', clusterId, 'namespace', namespace],
    queryFn: () => topPods(clusterId, { sort: 'cpu', namespace, limit: 1000 }),
    refetchInterval: 15_000,
    retry: false,
  });
  return new Map((q.data?.items ?? []).map((p) => [p.name, p]));
}
