import { Alert, Descriptions, Space, Table, Tag, Typography } from 'antd';
import { CheckCircleFilled, CloseCircleFilled } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import type { Preflight, PreflightCertificate, PreflightPermission } from '../../api/types';
import { ApiError } from '../../api/client';
import { errorText } from '../../lib/errors';
import { useI18n, type TFunc } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { certificateTone, toneColor } from '../../lib/status';
import { formatLatency } from '../../lib/format';
import { preflightNodes } from '../../lib/view';
import { findingText } from '../../lib/preflight';

/** What stopped the preflight (its `failure_code`), in the user's language; undefined when nothing did. */
export function preflightFailure(t: TFunc, p: Preflight): string | undefined {
  const params = (p.failure_params ?? {}) as Record<string, unknown>;
  return p.failure_code ? errorText(t, new ApiError(422, { code: p.failure_code, message: p.errors[0] ?? '', params })) : undefined;
}

/** The preflight answer before anything is saved: reachability, version, certificates, permissions, warnings. */
export function PreflightReport({ preflight }: { preflight: Preflight }) {
  const { t, lang } = useI18n();
  const nodes = preflightNodes(preflight);
  const featureLabel = (f: string) => {
    const k = `feature.${f}`;
    const v = t(k);
    return v === k ? f : v;
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle" data-testid="preflight-report">
      {preflight.ok ? (
        <Alert type="success" showIcon message={t('preflight.ok')} />
      ) : preflight.failure_code ? (
        // what stopped the check, in the user's language; the checks' own lines below as they came
        <Alert type="error" showIcon message={preflightFailure(t, preflight)} data-testid="preflight-failure" />
      ) : (
        <Alert type="error" showIcon message={t('preflight.failed')} />
      )}
      {/* the failure itself is the headline above; a duplicate has its own line with a link below */}
      {preflight.findings
        .filter((f) => f.severity === 'error' && f.code !== 'failed')
        .map((f, i) => (
          <Alert key={`e${i}`} type="error" showIcon message={findingText(t, f)} />
        ))}
      {preflight.duplicate_of !== null && preflight.duplicate_of !== undefined && (
        <Alert
          type="warning"
          showIcon
          message={
            <span>
              {t('preflight.duplicate')} <Link to={`/clusters/${preflight.duplicate_of}`}>#{String(preflight.duplicate_of)}</Link>
            </span>
          }
        />
      )}
      {preflight.findings
        .filter((f) => f.severity === 'warning' && f.code !== 'already_imported')
        .map((f, i) => (
          <Alert key={`w${i}`} type="warning" showIcon message={findingText(t, f)} data-testid="preflight-warning" />
        ))}
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('preflight.server')}>
          <Typography.Text className="kd-mono">{preflight.server_url || '-'}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('preflight.reachable')}>
          {preflight.version ? <Tag color="green">{t('common.yes')}</Tag> : <Tag color="red">{t('common.no')}</Tag>}
        </Descriptions.Item>
        <Descriptions.Item label={t('cluster.version')}>
          {preflight.version ? `${preflight.version.git_version} (${preflight.version.platform})` : '-'}
        </Descriptions.Item>
        <Descriptions.Item label={t('cluster.context')}>{preflight.context || '-'}</Descriptions.Item>
        <Descriptions.Item label={t('cluster.nodes')}>
          {nodes.known ? (
            <>
              {nodes.ready_nodes} / {nodes.node_count} {t('cluster.ready')} ·{' '}
              {t('cluster.mastersWorkers', { masters: nodes.master_nodes, workers: nodes.worker_nodes })}
            </>
          ) : (
            '-'
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t('cluster.latency')}>{formatLatency(preflight.api_latency_ms)}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5} style={{ margin: 0 }}>
        {t('preflight.certificates')}
      </Typography.Title>
      <Table<PreflightCertificate>
        size="small"
        pagination={false}
        rowKey={(r) => `${r.kind}-${r.subject}`}
        dataSource={preflight.certificates}
        locale={{ emptyText: t('preflight.noCertificates') }}
        columns={[
          { title: t('preflight.subject'), dataIndex: 'subject', render: (v: string) => <span className="kd-mono">{v}</span> },
          { title: t('preflight.kind'), dataIndex: 'kind', render: (v: string) => t(`preflight.certKind.${v === 'ca' ? 'ca' : 'client'}`) },
          { title: t('preflight.notAfter'), dataIndex: 'not_after', render: (v: string) => formatDateTime(v, lang) },
          {
            title: t('preflight.daysLeft'),
            dataIndex: 'days_left',
            render: (v: number) => (
              <Tag color={toneColor[certificateTone(v)]}>{v < 0 ? t('preflight.expired') : t('preflight.days', { days: v })}</Tag>
            ),
          },
        ]}
      />
      <Typography.Title level={5} style={{ margin: 0 }}>
        {t('preflight.permissions')}
      </Typography.Title>
      <Table<PreflightPermission>
        size="small"
        pagination={false}
        rowKey="feature"
        dataSource={preflight.permissions}
        data-testid="preflight-permissions"
        columns={[
          { title: t('preflight.feature'), dataIndex: 'feature', render: (v: string) => featureLabel(v) },
          {
            title: t('preflight.allowed'),
            dataIndex: 'allowed',
            width: 110,
            render: (v: boolean) =>
              v ? (
                <Tag icon={<CheckCircleFilled />} color="green">
                  {t('preflight.allowedYes')}
                </Tag>
              ) : (
                <Tag icon={<CloseCircleFilled />} color="red">
                  {t('preflight.allowedNo')}
                </Tag>
              ),
          },
          {
            title: t('preflight.verbs'),
            key: 'checks',
            render: (_: unknown, r) => {
              const denied = new Set(r.denied ?? []);
              return (
                <Space size={[4, 4]} wrap>
                  {(r.checks ?? []).map((c) => (
                    <Tag key={c} className="kd-mono" color={denied.has(c) ? 'red' : undefined}>
                      {c}
                    </Tag>
                  ))}
                </Space>
              );
            },
          },
          {
            title: t('preflight.reason'),
            key: 'reason',
            render: (_: unknown, r) => (r.denied?.length ? t('preflight.deniedChecks', { checks: r.denied.join(', ') }) : ''),
          },
        ]}
      />
    </Space>
  );
}
