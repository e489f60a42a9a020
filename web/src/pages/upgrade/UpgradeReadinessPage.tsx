// Upgrade readiness (issue 18, spec 7.2 集群升级): before upgrading a cluster to a target version, what must change
// first — objects still written with an API version removed on the way (their last-applied manifest or a client
// that is not the control plane), deprecated APIs the API server saw requested, kubelets the skew policy leaves
// behind. The target is kept in the URL (?target=1.25) so a report can be shared.
import { Alert, Button, Card, Empty, Select, Space, Steps, Table, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router-dom';
import { getCluster } from '../../api/clusters';
import { useI18n } from '../../i18n';
import { ErrorAlert, PageHeader, StatusTag } from '../../components/common';
import { upgradeReadiness, type NodeSkew, type RemovedApiFinding } from './api';
import { defaultTarget, targetChoices } from './targets';

export default function UpgradeReadinessPage() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const cluster = useQuery({ queryKey: ['cluster', clusterId], queryFn: () => getCluster(clusterId), staleTime: 30_000 });
  const choices = targetChoices(cluster.data?.version);
  const target = params.get('target') || defaultTarget(cluster.data?.version) || '';
  const report = useQuery({
    queryKey: ['upgrade-readiness', clusterId, target],
    queryFn: () => upgradeReadiness(clusterId, target),
    enabled: !!target,
    // the report lists every object of several kinds: computed when asked for, not polled
    staleTime: 60_000,
    retry: false,
  });
  const r = report.data;

  const removedColumns = [
    {
      title: t('upgrade.api'),
      key: 'api',
      render: (f: RemovedApiFinding) => (
        <Typography.Text code>
          {f.api_version} {f.kind}
        </Typography.Text>
      ),
    },
    { title: t('upgrade.removedIn'), dataIndex: 'removed_in', key: 'removed_in' },
    {
      title: t('upgrade.replacement'),
      key: 'replacement',
      render: (f: RemovedApiFinding) => (f.replacement ? <Typography.Text code>{f.replacement}</Typography.Text> : <Typography.Text type="secondary">{t('upgrade.noReplacement')}</Typography.Text>),
    },
    { title: t('upgrade.objects'), dataIndex: 'objects', key: 'objects' },
    { title: t('upgrade.writtenWithIt'), dataIndex: 'written_with_it_total', key: 'written' },
    {
      title: t('upgrade.requested'),
      key: 'requested',
      render: (f: RemovedApiFinding) => (f.requested_since_start ? <Tag color="orange">{t('upgrade.requestedYes')}</Tag> : <Typography.Text type="secondary">{t('upgrade.requestedNo')}</Typography.Text>),
    },
    {
      title: t('upgrade.verdict'),
      key: 'verdict',
      render: (f: RemovedApiFinding) =>
        f.verdict === 'blocker' ? (
          <StatusTag tone="error" tip={t('upgrade.blockerTip')}>
            {t('upgrade.blocker')}
          </StatusTag>
        ) : (
          <StatusTag tone="success" tip={t('upgrade.okTip')}>
            {t('upgrade.ok')}
          </StatusTag>
        ),
    },
  ];

  const nodeColumns = [
    { title: t('upgrade.node'), dataIndex: 'name', key: 'name' },
    { title: t('upgrade.kubelet'), dataIndex: 'kubelet_version', key: 'kubelet' },
    {
      title: t('upgrade.skew'),
      key: 'skew',
      render: (n: NodeSkew) =>
        n.too_old_at ? (
          <StatusTag tone="error">{t('upgrade.nodeTooOld', { version: n.too_old_at })}</StatusTag>
        ) : (
          <StatusTag tone="success">{t('upgrade.nodeOk')}</StatusTag>
        ),
    },
  ];

  return (
    <>
      <PageHeader
        title={t('upgrade.title')}
        sub={t('upgrade.sub')}
        extra={
          <Space wrap>
            <Typography.Text>{t('upgrade.from', { version: cluster.data?.version ?? '…' })}</Typography.Text>
            <Select
              data-testid="upgrade-target"
              style={{ width: 140 }}
              placeholder={t('upgrade.target')}
              value={target || undefined}
              options={choices.map((v) => ({ value: v, label: v }))}
              onChange={(v: string) => setParams({ target: v }, { replace: true })}
            />
            <Button onClick={() => report.refetch()} loading={report.isFetching} disabled={!target} data-testid="upgrade-check">
              {t('upgrade.check')}
            </Button>
          </Space>
        }
      />
      <ErrorAlert error={cluster.error ?? report.error} />
      {cluster.data && choices.length === 0 && <Empty description={t('upgrade.noTargets', { version: cluster.data.version })} />}
      {r && (
        <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="upgrade-report">
          <Alert
            type={r.ready ? 'success' : 'error'}
            showIcon
            data-testid="upgrade-verdict"
            message={r.ready ? t('upgrade.ready', { from: r.cluster_version, to: r.target }) : t('upgrade.notReady', { count: r.blockers, to: r.target })}
            description={t('upgrade.oneAtATime')}
          />
          <Card size="small" title={t('upgrade.path')}>
            <Steps size="small" current={-1} items={[{ title: r.cluster_version }, ...r.path.map((v) => ({ title: v }))]} />
          </Card>
          <Card size="small" title={t('upgrade.removedApis')}>
            {!r.deprecated_requests_readable && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('upgrade.requestsUnreadable')} />}
            <Table<RemovedApiFinding>
              data-testid="upgrade-removed"
              size="small"
              rowKey={(f) => `${f.api_version}/${f.kind}`}
              dataSource={r.removed_apis}
              columns={removedColumns}
              pagination={false}
              locale={{ emptyText: t('upgrade.noRemoved') }}
              expandable={{
                rowExpandable: (f) => f.written_with_it.length > 0,
                expandedRowRender: (f) => (
                  <Space direction="vertical" size={2}>
                    {f.written_with_it.map((w) => (
                      <Typography.Text key={`${w.namespace ?? ''}/${w.name}/${w.by}`}>
                        {w.namespace ? `${w.namespace}/` : ''}
                        {w.name} · {w.by === 'last-applied' ? t('upgrade.byLastApplied') : t('upgrade.byManager', { manager: w.by })}
                      </Typography.Text>
                    ))}
                    {f.written_with_it_total > f.written_with_it.length && (
                      <Typography.Text type="secondary">{t('upgrade.andMore', { count: f.written_with_it_total - f.written_with_it.length })}</Typography.Text>
                    )}
                  </Space>
                ),
              }}
            />
          </Card>
          <Card size="small" title={t('upgrade.nodes')}>
            <Table<NodeSkew> data-testid="upgrade-nodes" size="small" rowKey="name" dataSource={r.nodes} columns={nodeColumns} pagination={{ pageSize: 20, hideOnSinglePage: true }} />
          </Card>
        </Space>
      )}
    </>
  );
}
