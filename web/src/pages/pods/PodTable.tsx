import { Table } from 'antd';
import { FileTextOutlined } from '@ant-design/icons';
import type { TableProps } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { formatAge } from '../../lib/format';
import { kubectlWord, podDisplayStatus, podStatusTone } from '../../lib/status';
import { StatusTag } from '../../components/common';
import { sortOrderOf } from '../../lib/urlstate';

/** What a pod row needs: the server's PodSummary (the pod list, and a node's Pods tab). */
export interface PodRow {
  namespace: string;
  name: string;
  node_name?: string | null;
  phase: string;
  status?: string | null;
  ready: string;
  restarts: number;
  ip?: string | null;
  pod_ip?: string | null;
  created_at?: string | null;
}

export function PodTable<T extends PodRow>({
  clusterId,
  pods,
  hideNode,
  sort,
  ...rest
}: { clusterId: string; pods: T[]; hideNode?: boolean; /** the URL's sort, shown on its column */ sort?: string } & Omit<TableProps<T>, 'dataSource' | 'columns'>) {
  const { t } = useI18n();
  const podLink = (p: PodRow) => `/clusters/${clusterId}/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(p.name)}`;
  const sortable = !!rest.onChange;
  // a column the URL sorts by shows it (controlled, so a reload and the column agree)
  const sorted = (key: string) => (sortable ? { sorter: true, sortOrder: sortOrderOf(sort, key) } : {});
  return (
    <Table<T>
      size="small"
      rowKey={(p) => `${p.namespace}/${p.name}`}
      dataSource={pods}
      scroll={{ x: 1000 }}
      pagination={false}
      {...rest}
      columns={[
        { title: t('pod.name'), dataIndex: 'name', key: 'name', ...sorted('name'), render: (v: string, p) => <Link to={podLink(p)}>{v}</Link> },
        { title: t('pod.namespace'), dataIndex: 'namespace', key: 'namespace', ...sorted('namespace') },
        {
          title: t('pod.status'),
          key: 'status',
          ...sorted('status'),
          render: (_: unknown, p) => {
            const s = podDisplayStatus(p);
            return <StatusTag tone={podStatusTone(s)}>{kubectlWord(t, s)}</StatusTag>;
          },
        },
        { title: t('pod.ready'), dataIndex: 'ready', key: 'ready' },
        { title: t('pod.restarts'), dataIndex: 'restarts', key: 'restarts', ...sorted('restarts') },
        ...(hideNode
          ? []
          : [
              {
                title: t('pod.node'),
                dataIndex: 'node_name',
                key: 'node',
                ...sorted('node'),
                render: (v: string | null) => (v ? <Link to={`/clusters/${clusterId}/nodes/${encodeURIComponent(v)}`}>{v}</Link> : '-'),
              },
            ]),
        { title: t('pod.ip'), key: 'ip', render: (_: unknown, p) => <span className="kd-mono">{p.ip || p.pod_ip || '-'}</span> },
        { title: t('common.age'), dataIndex: 'created_at', key: 'age', ...sorted('age'), render: (v: string) => formatAge(v) },
        {
          title: '',
          key: 'logs',
          width: 50,
          // a plain link with a native tooltip: a hundred antd Tooltips/Buttons cost real time on the first paint
          render: (_: unknown, p) => (
            <Link to={`${podLink(p)}/logs`} title={t('pod.logs')} aria-label={t('pod.logs')}>
              <FileTextOutlined />
            </Link>
          ),
        },
      ]}
    />
  );
}
