import { Button, Table, Tooltip } from 'antd';
import { FileTextOutlined } from '@ant-design/icons';
import type { TableProps } from 'antd';
import { Link } from 'react-router-dom';
import type { PodSummary } from '../../api/types';
import { useI18n } from '../../i18n';
import { formatAge } from '../../lib/format';
import { podDisplayStatus, podStatusTone } from '../../lib/status';
import { StatusTag } from '../../components/common';

export function podReady(p: PodSummary): string {
  // the server may send "1/2" or a [ready, total] pair
  const r = p.ready as unknown;
  if (Array.isArray(r) && r.length === 2) return `${r[0]}/${r[1]}`;
  if (typeof r === 'string' && r) return r;
  if (p.ready_containers !== undefined && p.ready_containers !== null && p.total_containers) return `${p.ready_containers}/${p.total_containers}`;
  const cs = (p.containers ?? []).filter((c) => !c.init);
  return cs.length ? `${cs.filter((c) => c.ready).length}/${cs.length}` : '-';
}

export function podRestarts(p: PodSummary): number {
  return p.restarts ?? (p.containers ?? []).reduce((a, c) => a + (c.restart_count ?? 0), 0);
}

export function PodTable({
  clusterId,
  pods,
  hideNode,
  ...rest
}: { clusterId: string; pods: PodSummary[]; hideNode?: boolean } & Omit<TableProps<PodSummary>, 'dataSource' | 'columns'>) {
  const { t } = useI18n();
  const podLink = (p: PodSummary) => `/clusters/${clusterId}/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(p.name)}`;
  return (
    <Table<PodSummary>
      size="small"
      rowKey={(p) => `${p.namespace}/${p.name}`}
      dataSource={pods}
      scroll={{ x: 1000 }}
      pagination={false}
      {...rest}
      columns={[
        { title: t('pod.name'), dataIndex: 'name', key: 'name', sorter: !!rest.onChange, render: (v: string, p) => <Link to={podLink(p)}>{v}</Link> },
        { title: t('pod.namespace'), dataIndex: 'namespace', key: 'namespace', sorter: !!rest.onChange },
        {
          title: t('pod.status'),
          key: 'status',
          sorter: !!rest.onChange,
          render: (_: unknown, p) => {
            const s = podDisplayStatus(p);
            return <StatusTag tone={podStatusTone(s)}>{s}</StatusTag>;
          },
        },
        { title: t('pod.ready'), key: 'ready', render: (_: unknown, p) => podReady(p) },
        { title: t('pod.restarts'), key: 'restarts', sorter: !!rest.onChange, render: (_: unknown, p) => podRestarts(p) },
        ...(hideNode
          ? []
          : [
              {
                title: t('pod.node'),
                dataIndex: 'node_name',
                key: 'node',
                sorter: !!rest.onChange,
                render: (v: string | null) => (v ? <Link to={`/clusters/${clusterId}/nodes/${encodeURIComponent(v)}`}>{v}</Link> : '-'),
              },
            ]),
        { title: t('pod.ip'), dataIndex: 'pod_ip', render: (v: string | null) => <span className="kd-mono">{v || '-'}</span> },
        { title: t('common.age'), dataIndex: 'created_at', key: 'age', sorter: !!rest.onChange, render: (v: string) => formatAge(v) },
        {
          title: '',
          key: 'logs',
          width: 50,
          render: (_: unknown, p) => (
            <Tooltip title={t('pod.logs')}>
              <Link to={`${podLink(p)}/logs`}>
                <Button type="text" size="small" icon={<FileTextOutlined />} />
              </Link>
            </Tooltip>
          ),
        },
      ]}
    />
  );
}
