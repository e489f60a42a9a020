// The per-kind panels of Services, Ingresses, NetworkPolicies, Secrets and ConfigMaps on the generic detail page (issue 15): one
// insight request (`.../{kind}/{name}/insight`) and the panel of its kind; nothing for other kinds.
import { Alert, Col, Space } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../../i18n';
import type { KindInfo, KubeObject, ObjectRef } from '../../api/resources';
import { ErrorAlert } from '../../components/common';
import { LIST_REFRESH_MS } from '../../lib/useKinds';
import { getInsight, hasInsight, type InsightWarning } from './api';
import { ServicePanel } from './ServicePanel';
import { IngressPanel } from './IngressPanel';
import { NetworkPolicyPanel } from './NetworkPolicyPanel';
import { SecretPanel } from '../config/SecretPanel';
import { ConfigMapPanel } from '../config/ConfigMapPanel';

export function KindInsight({ clusterId, kind, target, object }: { clusterId: string; kind: KindInfo; target: ObjectRef; object: KubeObject }) {
  const enabled = hasInsight(kind) && !!target.namespace;
  const q = useQuery({
    queryKey: ['insight', clusterId, kind.name, target.namespace, target.name, object.metadata?.resourceVersion],
    queryFn: () => getInsight(clusterId, kind, target),
    enabled,
    refetchInterval: LIST_REFRESH_MS,
  });
  if (!enabled) return null;
  if (q.error)
    return (
      <Col span={24}>
        <ErrorAlert error={q.error} />
      </Col>
    );
  const d = q.data;
  if (!d) return null;
  const warnings = d.service?.warnings ?? d.ingress?.warnings ?? d.secret?.warnings ?? [];
  return (
    <>
      {warnings.length > 0 && (
        <Col span={24}>
          <Warnings warnings={warnings} />
        </Col>
      )}
      {d.service && <ServicePanel clusterId={clusterId} ns={target.namespace ?? ''} svc={d.service} object={object} />}
      {d.ingress && <IngressPanel clusterId={clusterId} ns={target.namespace ?? ''} ing={d.ingress} object={object} />}
      {d.network_policy && <NetworkPolicyPanel clusterId={clusterId} ns={target.namespace ?? ''} np={d.network_policy} />}
      {d.secret && <SecretPanel clusterId={clusterId} kind={kind} target={target} secret={d.secret} usedBy={d.used_by ?? []} />}
      {d.config_map && <ConfigMapPanel clusterId={clusterId} kind={kind} target={target} cm={d.config_map} object={object} usedBy={d.used_by ?? []} />}
    </>
  );
}

/** The insight's warnings, each in the operator's language (the server's English when a code is new). */
export function Warnings({ warnings }: { warnings: InsightWarning[] }) {
  const { t } = useI18n();
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="insight-warnings">
      {warnings.map((w, i) => {
        const key = `insight.warning.${w.code}`;
        const text = t(key, w.params as Record<string, string>);
        return <Alert key={i} type={w.severity === 'error' ? 'error' : 'warning'} showIcon message={text === key ? w.message : text} data-testid={`insight-warning-${w.code}`} />;
      })}
    </Space>
  );
}
