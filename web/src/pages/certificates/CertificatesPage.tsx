// The certificate dashboard (issue 18, 证书): every certificate of every cluster the user may read (`/certificates`)
// or of one cluster (`/clusters/:id/certificates`), in one table, soonest end first. Filters live in the URL; the
// server keeps a reading five minutes, "refresh" reads the clusters now. What could not be read is a warning per
// cluster above the table.
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Col, Empty, Row, Select, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { ErrorAlert, PageHeader } from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { canImportClusters } from '../../lib/permissions';
import { patchParams, type ParamPatch } from '../../lib/urlstate';
import { clusterCertificates, listAllCertificates, type ClusterCertificates } from './api';
import {
  certificateRows,
  certificateWhat,
  daysLeftText,
  DEFAULT_WARN_DAYS,
  filterRows,
  filtersFromParams,
  readAgo,
  SANS_SHOWN,
  SOURCES,
  STATES,
  stateColor,
  summaryCounts,
  visibleSans,
  WARN_DAYS,
  type CertRow,
} from './view';

/** The time "read N minutes ago" counts from, moving on by itself. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

function Sans({ sans }: { sans: string[] }) {
  const { t } = useI18n();
  const [expanded, setExpanded] = useState(false);
  const { shown, hidden } = visibleSans(sans, expanded);
  if (!sans.length) return <Typography.Text type="secondary">-</Typography.Text>;
  return (
    <Space size={[4, 4]} wrap style={{ maxWidth: 230 }}>
      {shown.map((s) => (
        <Tag key={s} className="kd-mono" style={{ marginInlineEnd: 0 }}>
          {s}
        </Tag>
      ))}
      {hidden > 0 && (
        <Typography.Link onClick={() => setExpanded(true)} data-testid="cert-sans-more">
          {t('certificates.sansMore', { count: hidden })}
        </Typography.Link>
      )}
      {expanded && sans.length > SANS_SHOWN && <Typography.Link onClick={() => setExpanded(false)}>{t('certificates.sansLess')}</Typography.Link>}
    </Space>
  );
}

export default function CertificatesPage() {
  const { clusterId } = useParams();
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  const now = useNow(30_000);

  const queryKey = ['certificates', clusterId ?? 'all', filters.warnDays];
  const read = (refresh: boolean): Promise<ClusterCertificates[]> =>
    clusterId ? clusterCertificates(clusterId, filters.warnDays, refresh).then((c) => [c]) : listAllCertificates(filters.warnDays, refresh);
  const q = useQuery({
    queryKey,
    queryFn: () => read(false),
    placeholderData: keepPreviousData,
    // the server answers from its five-minute reading: asking more often only re-reads the same
    staleTime: 60_000,
  });
  const refresh = useMutation({
    mutationFn: () => read(true),
    onSuccess: (data) => qc.setQueryData(queryKey, data),
  });

  const clusters = useMemo(() => q.data ?? [], [q.data]);
  const shownClusters = clusterId || !filters.cluster ? clusters : clusters.filter((c) => String(c.cluster_id) === filters.cluster);
  const allRows = useMemo(() => certificateRows(clusters), [clusters]);
  const scoped = filterRows(allRows, { cluster: clusterId ? undefined : filters.cluster, source: filters.source });
  const rows = filterRows(scoped, { state: filters.state });
  const counts = summaryCounts(scoped);

  const columns = [
    ...(clusterId
      ? []
      : [
          {
            title: t('certificates.col.cluster'),
            key: 'cluster',
            render: (r: CertRow) => <Link to={`/clusters/${r.cluster_id}/certificates`}>{r.cluster_name}</Link>,
          },
        ]),
    {
      title: t('certificates.col.source'),
      key: 'source',
      render: (r: CertRow) => <Tag data-testid={`cert-source-${r.source}`}>{t(`certificates.source.${r.source}`)}</Tag>,
    },
    {
      title: t('certificates.col.what'),
      key: 'what',
      render: (r: CertRow) =>
        r.secret && r.namespace ? (
          <Space direction="vertical" size={0}>
            <Link className="kd-mono" to={`/clusters/${r.cluster_id}/resources/secrets/${r.namespace}/${r.secret}`} data-testid="cert-secret">
              {certificateWhat(r)}
            </Link>
            {r.ingresses.length > 0 && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('certificates.usedByIngress')}{' '}
                {r.ingresses.map((ing, i) => {
                  const [ns, name] = ing.split('/');
                  return (
                    <span key={ing}>
                      {i > 0 && ', '}
                      <Link to={`/clusters/${r.cluster_id}/resources/ingresses/${ns}/${name}`}>{ing}</Link>
                    </span>
                  );
                })}
              </Typography.Text>
            )}
          </Space>
        ) : (
          <span className="kd-mono">{certificateWhat(r)}</span>
        ),
    },
    {
      title: t('cert.subject'),
      key: 'subject',
      render: (r: CertRow) => (
        <Typography.Text className="kd-mono" style={{ maxWidth: 170, fontSize: 12 }} ellipsis={{ tooltip: r.subject }}>
          {r.subject || '-'}
        </Typography.Text>
      ),
    },
    {
      title: t('cert.issuer'),
      key: 'issuer',
      render: (r: CertRow) => (
        <Typography.Text className="kd-mono" style={{ maxWidth: 140, fontSize: 12 }} ellipsis={{ tooltip: r.issuer }}>
          {r.issuer || '-'}
        </Typography.Text>
      ),
    },
    { title: t('cert.sans'), key: 'sans', render: (r: CertRow) => <Sans sans={r.sans} /> },
    {
      title: t('cert.notAfter'),
      key: 'not_after',
      render: (r: CertRow) => (
        <Tooltip title={`${t('cert.notBefore')}: ${formatDateTime(r.not_before, lang)}`}>
          <span data-testid="cert-not-after">
            {formatDateTime(r.not_after, lang)}
          </span>
        </Tooltip>
      ),
    },
    {
      title: t('certificates.col.daysLeft'),
      key: 'days_left',
      render: (r: CertRow) => {
        const d = daysLeftText(r);
        return (
          <Tooltip title={t(`certificates.state.${r.state}`)}>
            <Tag color={stateColor(r.state)} data-testid="cert-days" data-state={r.state}>
              {t(d.key, { days: d.days })}
            </Tag>
          </Tooltip>
        );
      },
    },
    {
      title: t('certificates.col.trusted'),
      key: 'trusted',
      render: (r: CertRow) =>
        r.trusted === null || r.trusted === undefined ? (
          <Typography.Text type="secondary">-</Typography.Text>
        ) : (
          <Tooltip title={t(r.trusted ? 'certificates.trustedTip' : 'certificates.untrustedTip')}>
            <Tag color={r.trusted ? 'green' : 'red'} data-testid="cert-trusted">
              {t(r.trusted ? 'certificates.trusted' : 'certificates.untrusted')}
            </Tag>
          </Tooltip>
        ),
    },
  ];

  const header = (
    <PageHeader
      title={t('certificates.title')}
      sub={t(clusterId ? 'certificates.subCluster' : 'certificates.sub')}
      extra={
        <Tooltip title={t('certificates.refreshTip')}>
          <Button icon={<ReloadOutlined />} onClick={() => refresh.mutate()} loading={refresh.isPending} data-testid="cert-refresh">
            {t('common.refresh')}
          </Button>
        </Tooltip>
      }
    />
  );

  if (!clusterId && q.data && q.data.length === 0) {
    return (
      <>
        {header}
        <Empty description={t('certificates.noClusters')} data-testid="cert-empty">
          <Space>
            {canImportClusters(me) && (
              <Link to="/clusters/import">
                <Button type="primary">{t('cluster.import')}</Button>
              </Link>
            )}
            <Link to="/getting-started">{t('nav.gettingStarted')}</Link>
          </Space>
        </Empty>
      </>
    );
  }

  const stat = (key: 'expired' | 'expiring' | 'total', title: string, color?: string) => (
    <Col xs={24} sm={8}>
      <Card
        size="small"
        hoverable
        onClick={() => set({ state: key === 'total' ? undefined : key })}
        style={filters.state === key || (key === 'total' && !filters.state) ? { borderColor: color ?? '#1677ff' } : undefined}
      >
        <Statistic title={title} value={counts[key]} valueStyle={color ? { color } : undefined} data-testid={`cert-count-${key}`} />
      </Card>
    </Col>
  );

  return (
    <>
      {header}
      <ErrorAlert error={q.error ?? refresh.error} />
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        {stat('expired', t('certificates.count.expired'), counts.expired ? '#cf1322' : undefined)}
        {stat('expiring', t('certificates.count.expiring', { days: filters.warnDays }), counts.expiring ? '#d46b08' : undefined)}
        {stat('total', t('certificates.count.total'))}
      </Row>
      <Space wrap style={{ marginBottom: 12 }}>
        {!clusterId && (
          <Select
            allowClear
            data-testid="cert-filter-cluster"
            style={{ minWidth: 180 }}
            placeholder={t('certificates.filter.cluster')}
            value={filters.cluster}
            onChange={(v?: string) => set({ cluster: v })}
            options={clusters.map((c) => ({ value: String(c.cluster_id), label: c.cluster_name }))}
          />
        )}
        <Select
          allowClear
          data-testid="cert-filter-source"
          style={{ minWidth: 220 }}
          placeholder={t('certificates.filter.source')}
          value={filters.source}
          onChange={(v?: string) => set({ source: v })}
          options={SOURCES.map((s) => ({ value: s, label: t(`certificates.source.${s}`) }))}
        />
        <Select
          allowClear
          data-testid="cert-filter-state"
          style={{ minWidth: 160 }}
          placeholder={t('certificates.filter.state')}
          value={filters.state}
          onChange={(v?: string) => set({ state: v })}
          options={STATES.map((s) => ({ value: s, label: t(`certificates.state.${s}`) }))}
        />
        <Select
          data-testid="cert-warn-days"
          style={{ minWidth: 200 }}
          value={filters.warnDays}
          onChange={(v: number) => set({ warn_days: v === DEFAULT_WARN_DAYS ? undefined : v })}
          options={WARN_DAYS.map((d) => ({ value: d, label: t('certificates.warnDays', { days: d }) }))}
        />
      </Space>
      <Space direction="vertical" size={8} style={{ width: '100%', marginBottom: 12 }}>
        <Space wrap size={[16, 4]} data-testid="cert-checked">
          {shownClusters.map((c) => {
            const ago = readAgo(c.checked_at, now);
            return (
              <Tooltip key={c.cluster_id} title={formatDateTime(c.checked_at, lang)}>
                <Typography.Text type="secondary" data-testid={`cert-checked-${c.cluster_id}`}>
                  {!clusterId && <Typography.Text strong>{c.cluster_name}</Typography.Text>}
                  {!clusterId && ' · '}
                  {t(ago.key, { n: ago.n })}
                </Typography.Text>
              </Tooltip>
            );
          })}
        </Space>
        {shownClusters
          .filter((c) => c.problems.length > 0)
          .map((c) => (
            <Alert
              key={c.cluster_id}
              type="warning"
              showIcon
              data-testid={`cert-problems-${c.cluster_id}`}
              message={t('certificates.problems', { cluster: c.cluster_name, count: c.problems.length })}
              description={
                <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                  {c.problems.map((p, i) => (
                    <li key={i}>
                      <Tag>{t(`certificates.source.${p.source}`)}</Tag>
                      {p.name && <Typography.Text className="kd-mono">{p.namespace ? `${p.namespace}/${p.name}` : p.name}: </Typography.Text>}
                      {p.message}
                    </li>
                  ))}
                </ul>
              }
            />
          ))}
      </Space>
      <Table<CertRow>
        data-testid="cert-table"
        size="small"
        rowKey="key"
        loading={q.isFetching || refresh.isPending}
        dataSource={rows}
        columns={columns}
        pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
        locale={{ emptyText: allRows.length ? t('certificates.noneMatch') : t('certificates.none') }}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, fontSize: 12 }}>
        {t('certificates.scopeNote')}
      </Typography.Paragraph>
    </>
  );
}
