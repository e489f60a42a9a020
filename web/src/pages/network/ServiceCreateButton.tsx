// The Services list's "by form" entry (issue 15).
import { useState } from 'react';
import { Button } from 'antd';
import { FormOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n';
import { ServiceFormModal } from './ServiceForm';

export function ServiceCreateButton({ clusterId, namespace }: { clusterId: string; namespace: string | null }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button icon={<FormOutlined />} onClick={() => setOpen(true)} data-testid="create-by-form">
        {t('wizard.byForm')}
      </Button>
      {open && <ServiceFormModal clusterId={clusterId} namespace={namespace ?? 'default'} onClose={() => setOpen(false)} />}
    </>
  );
}
