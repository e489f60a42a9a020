// The panels namespaces, quotas, limit ranges, claims and storage classes add to the generic detail page's
// overview (issue 15), chosen by kind in one place; none for other kinds.
import type { ReactNode } from 'react';
import { Col } from 'antd';
import { NamespacePanel } from '../namespaces/NamespacePanels';
import { ClaimPanel, LimitRangePanel, QuotaPanel, StorageClassPanel, type PanelProps } from './StoragePanels';

const PANELS: Record<string, (p: PanelProps) => ReactNode> = {
  namespaces: (p) => <NamespacePanel clusterId={p.clusterId} kind={p.kind} object={p.object} />,
  resourcequotas: QuotaPanel,
  limitranges: LimitRangePanel,
  persistentvolumeclaims: ClaimPanel,
  storageclasses: StorageClassPanel,
};

/** Built-in kinds only: a custom resource of the same plural in another group gets no panel. */
export function KindOverview(props: PanelProps) {
  const { kind } = props;
  const builtIn = kind.group === '' || (kind.name === 'storageclasses' && kind.group === 'storage.k8s.io');
  const Panel = builtIn ? PANELS[kind.name] : undefined;
  return Panel ? (
    <Col xs={24} className="kd-storage-panel">
      <Panel {...props} />
    </Col>
  ) : null;
}
