// The "by form" entry of the Services and Ingresses lists (issue 15): a button opening the kind's form.
import { useState, type ReactNode } from 'react';
import { Button } from 'antd';
import { FormOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n';
import { ServiceFormModal } from './ServiceForm';

/** The "by form" button; `form` renders the form, given how to close it. */
export function ByFormButton({ form }: { form: (close: () => void) => ReactNode }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button icon={<FormOutlined />} onClick={() => setOpen(true)} data-testid="create-by-form">
        {t('wizard.byForm')}
      </Button>
      {open && form(() => setOpen(false))}
    </>
  );
}

export function ServiceCreateButton({ clusterId, namespace }: { clusterId: string; namespace: string | null }) {
  return <ByFormButton form={(close) => <ServiceFormModal clusterId={clusterId} namespace={namespace ?? 'default'} onClose={close} />} />;
}
