import { useEffect, useState } from 'react';
import { Alert, Input, Table, Typography } from 'antd';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { searchPods } from '../../api/pods';
import { listClusters } from '../../api/clusters';
import { useI18n } from '../../i18n';
import { formatAge } from '../../lib/format';
import { kubectlWord, podDisplayStatus, podStatusTone } from '../../lib/status';
import { ErrorAlert, PageHeader, StatusTag } from '../../components/common';
import { intParam } from '../../lib/urlstate';
import { shortened } from '../../lib/format';

/** The server's limit for a search. */
const MAX_QUERY = 256;

/** Finds a pod by name or label across every cluster the user may see. */
export default function PodSearchPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = intParam(params.get('page'), 1);
  // the box follows the URL: a search from the header replaces what is typed here
  const [input, setInput] = useState(q);
  useEffect(() => setInput(q), [q]);
  const res = useQuery({
    queryKey: ['pod-search', q, page],
    queryFn: () => searchPods(q, page),
    enabled: q.length > 0 && q.length <= MAX_QUERY,
    placeholderData: keepPreviousData,
  });
  const clusters = useQuery({ queryKey: ['clusters', 'switcher'], queryFn: () => listClusters({ page: 1, page_size: 200 }) });
  const clusterName = (id: number) => clusters.data?.items.find((c) => c.id === id)?.name ?? `#${id}`;
  type Row = NonNullable<typeof res.data>['items'][number];
  return (
    <>
      <PageHeader title={t('search.title')} sub={t('search.hint')} />
      <Input.Search
        value={input}
        onChange={(e) => setInput(e.target.value)}
        allowClear
        enterButton={t('search.go')}
        placeholder={t('search.placeholder')}
        style={{ maxWidth: 520, marginBottom: 16 }}
        onSearch={(v) => setParams(v.trim() ? { q: v.trim() } : {})}
        data-testid="pod-search"
      />
      <ErrorAlert error={res.error} />
      {q.length > MAX_QUERY && <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('search.tooLong', { max: MAX_QUERY, count: q.length })} data-testid="search-too-long" />}
      {(res.data?.not_searched.length ?? 0) > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('search.notSearched', { clusters: res.data!.not_searched.map((id) => clusterName(id)).join(', ') })}
        />
      )}
      {q && q.length <= MAX_QUERY && (
        <Table<Row>
          size="small"
          rowKey={(p) => `${p.cluster_id}/${p.namespace}/${p.name}`}
          loading={res.isLoading}
          dataSource={res.data?.items}
          pagination={{ current: page, pageSize: 50, total: res.data?.total, onChange: (p) => setParams({ q, page: String(p) }) }}
          // (a query of thousands of characters is shortened and may break anywhere: it never widens the page)
          locale={{ emptyText: <span style={{ overflowWrap: 'anywhere' }}>{t('search.none', { q: shortened(q, 200) })}</span> }}
          columns={[
            { title: t('audit.cluster'), key: 'cluster', render: (_: unknown, p) => <Link to={`/clusters/${p.cluster_id}`}>{p.cluster_name || clusterName(p.cluster_id)}</Link> },
            { title: t('pod.namespace'), dataIndex: 'namespace' },
            {
              title: t('pod.name'),
              dataIndex: 'name',
              render: (v: string, p) => <Link to={`/clusters/${p.cluster_id}/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(v)}`}>{v}</Link>,
            },
            {
              title: t('pod.status'),
              key: 'status',
              render: (_: unknown, p) => {
                const s = podDisplayStatus(p);
                return <StatusTag tone={podStatusTone(s)}>{kubectlWord(t, s)}</StatusTag>;
              },
            },
            { title: t('pod.node'), dataIndex: 'node_name', render: (v?: string | null) => v || '-' },
            { title: t('common.age'), dataIndex: 'created_at', render: (v?: string | null) => formatAge(v) },
          ]}
        />
      )}
      {!q && <Typography.Text type="secondary">{t('search.empty')}</Typography.Text>}
    </>
  );
}
