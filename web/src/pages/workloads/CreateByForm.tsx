// The generic list's "by form" entry for the kinds that have a form (issue 14): Deployments open the deploy wizard,
// HorizontalPodAutoscalers the HPA form. Nothing for other kinds.
import { useState } from 'react';
import { Button } from 'antd';
import { FormOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import type { KindInfo } from '../../api/resources';
import { HpaForm } from './HpaForm';
import { ServiceCreateButton } from '../network/ServiceCreateButton';
import { IngressCreateButton } from '../network/IngressForm';
import { SecretCreateButtons } from '../config/SecretForms';
import { NamespaceCreateForm } from '../namespaces/NamespaceCreateForm';

export function CreateByForm({ clusterId, kind, namespace }: { clusterId: string; kind: Pick<KindInfo, 'name' | 'group'>; namespace: string | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [hpa, setHpa] = useState(false);
  const [ns, setNs] = useState(false);
  if (kind.name === 'deployments' && kind.group === 'apps')
    return (
      <Button icon={<FormOutlined />} onClick={() => navigate(`/clusters/${clusterId}/deploy${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`)} data-testid="create-by-form">
        {t('wizard.byForm')}
      </Button>
    );
  if (kind.name === 'horizontalpodautoscalers' && kind.group === 'autoscaling')
    return (
      <>
        <Button icon={<FormOutlined />} onClick={() => setHpa(true)} data-testid="create-by-form">
          {t('wizard.byForm')}
        </Button>
        {hpa && <HpaForm clusterId={clusterId} namespace={namespace ?? 'default'} onClose={() => setHpa(false)} />}
      </>
    );
  // namespaces (issue 15): with labels, a quota and a limit range
  if (kind.name === 'namespaces' && kind.group === '')
    return (
      <>
        <Button icon={<FormOutlined />} onClick={() => setNs(true)} data-testid="create-by-form">
          {t('wizard.byForm')}
        </Button>
        {ns && <NamespaceCreateForm clusterId={clusterId} onClose={() => setNs(false)} />}
      </>
    );
  if (kind.name === 'services' && kind.group === '') return <ServiceCreateButton clusterId={clusterId} namespace={namespace} />;
  if (kind.name === 'ingresses' && kind.group === 'networking.k8s.io') return <IngressCreateButton clusterId={clusterId} namespace={namespace} />;
  if (kind.name === 'secrets' && kind.group === '') return <SecretCreateButtons clusterId={clusterId} namespace={namespace} />;
  return null;
}
