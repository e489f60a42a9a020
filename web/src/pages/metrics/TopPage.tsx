// "Top": what the nodes and pods use now, sorted by CPU or memory, in kubectl top's units (GET .../top/nodes,
// .../top/pods). Pods can be narrowed to a namespace; each pod's row opens its containers. The tab, the sort and the
// namespace are kept in the URL (?tab=nodes&sort=memory&namespace=demo), as on every other list.
import { Card, Input, Segmented, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { topNodes, topPods, type TopNode, type TopPod, type TopSort } from '../../api/metrics';
import { useI18n } from '../../i18n';
import { ErrorAlert, PageHeader, TimeAgo } from '../../components/common';
import { mebibytesText, millicoresText } from '../../lib/clusterMetrics';
import { patchParams, type ParamPatch } from '../../lib/urlstate';

export default function TopPage() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  const tab: 'pods' | 'nodes' = params.get('tab') === 'nodes' ? 'nodes' : 'pods';
  const sort: TopSort = params.get('sort') === 'memory' ? 'memory' : 'cpu';
  const namespace = params.get('namespace')?.trim() ?? '';
  const pods = useQuery({
    queryKey: ['top', clusterId, 'pods', sort, namespace],
    queryFn: () => topPods(clusterId, { sort, namespace, limit: 200 }),
    refetchInterval: 15_000,
    enabled: tab === 'pods',
    retry: false,
  });
  const nodes = useQuery({ queryKey: ['top', clusterId, 'nodes', sort], queryFn: () => topNodes(clusterId, sort), refetchInterval: 15_000, enabled: tab === 'nodes', retry: false });
  const current = tab === 'pods' ? pods : nodes;

  const sortSwitch = (
    <Segmented
      data-testid="top-sort"
      options={[
        { value: 'cpu', label: t('metrics.sortCpu') },
        { value: 'memory', label: t('metrics.sortMemory') },
      ]}
      value={sort}
      onChange={(v) => set({ sort: v === 'memory' ? 'memory' : undefined })}
    />
  );

  return (
    <>
      <PageHeader title={t('metrics.topTitle')} sub={t('metrics.topSub')} />
      <ErrorAlert error={current.error} />
      <Card
        extra={
          <Space wrap>
            {tab === 'pods' && (
              <Input.Search
                key={namespace}
                allowClear
                defaultValue={namespace}
                placeholder={t('metrics.namespace')}
                style={{ width: 220 }}
                onSearch={(v) => set({ namespace: v.trim() })}
                data-testid="top-namespace"
              />
            )}
            {sortSwitch}
          </Space>
        }
        title={
          <Tabs
            activeKey={tab}
            onChange={(k) => set({ tab: k === 'nodes' ? 'nodes' : undefined })}
            items={[
              { key: 'pods', label: t('metrics.pods') },
              { key: 'nodes', label: t('metrics.nodes') },
            ]}
          />
        }
      >
        <Typography.Paragraph type="secondary">
          {current.data?.collected_at ? (
            <>
              {t('metrics.readAt')} <TimeAgo at={current.data.collected_at} /> · <Tag>{t(`metrics.source.${current.data.source}`)}</Tag>
              {tab === 'pods' && pods.data && pods.data.total > pods.data.items.length ? t('metrics.firstOf', { shown: pods.data.items.length, total: pods.data.total }) : null}
            </>
          ) : null}
        </Typography.Paragraph>
        {tab === 'pods' ? (
          <Table<TopPod>
            data-testid="top-pods"
            size="small"
            loading={pods.isLoading}
            rowKey={(p) => `${p.namespace}/${p.name}`}
            dataSource={pods.data?.items ?? []}
            pagination={false}
            expandable={{
              rowExpandable: (p) => p.containers.length > 0,
              expandedRowRender: (p) => (
                <Table
                  size="small"
                  rowKey="name"
                  pagination={false}
                  dataSource={p.containers}
                  columns={[
                    { title: t('metrics.container'), dataIndex: 'name' },
                    { title: t('metrics.cpuCores'), dataIndex: 'cpu_millicores', render: (v: number) => millicoresText(v) },
                    { title: t('metrics.memoryBytes'), dataIndex: 'memory_mib', render: (v: number) => mebibytesText(v) },
                  ]}
                />
              ),
            }}
            columns={[
              { title: t('metrics.namespace'), dataIndex: 'namespace' },
              {
                title: t('metrics.pod'),
                dataIndex: 'name',
                render: (_: string, p) => <Link to={`/clusters/${clusterId}/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(p.name)}`}>{p.name}</Link>,
              },
              { title: t('metrics.node'), dataIndex: 'node', render: (v: string) => v || '-' },
              { title: t('metrics.cpuCores'), dataIndex: 'cpu_millicores', render: (v: number) => <span className="kd-mono">{millicoresText(v)}</span> },
              { title: t('metrics.memoryBytes'), dataIndex: 'memory_mib', render: (v: number) => <span className="kd-mono">{mebibytesText(v)}</span> },
            ]}
          />
        ) : (
          <Table<TopNode>
            data-testid="top-nodes"
            size="small"
            loading={nodes.isLoading}
            rowKey="name"
            dataSource={nodes.data?.items ?? []}
            pagination={false}
            columns={[
              { title: t('metrics.node'), dataIndex: 'name', render: (v: string) => <Link to={`/clusters/${clusterId}/nodes/${encodeURIComponent(v)}`}>{v}</Link> },
              { title: t('metrics.cpuCores'), dataIndex: 'cpu_millicores', render: (v: number) => <span className="kd-mono">{millicoresText(v)}</span> },
              { title: 'CPU%', dataIndex: 'cpu_percent', render: (v: number) => `${Math.round(v)}%` },
              { title: t('metrics.memoryBytes'), dataIndex: 'memory_mib', render: (v: number) => <span className="kd-mono">{mebibytesText(v)}</span> },
              { title: t('metrics.memoryPercent'), dataIndex: 'memory_percent', render: (v: number) => `${Math.round(v)}%` },
            ]}
          />
        )}
      </Card>
    </>
  );
}
