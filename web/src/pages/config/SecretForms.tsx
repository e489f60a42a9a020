// Secrets made by form instead of base64 by hand (issue 15): a TLS certificate and key (the server checks the
// pair before anything is created and names the field at fault) and a registry credential (as
// `kubectl create secret docker-registry`). Values go to the server once and are not kept.
import { useState } from 'react';
import { Alert, App, Button, Dropdown, Form, Input, Modal, Space } from 'antd';
import { FormOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { ApiError } from '../../api/client';
import { errorText } from '../../lib/errors';
import { objectHref } from '../../lib/resources';
import { createRegistrySecret, createTlsSecret } from '../network/api';
import { CertificateView } from './CertificateView';
import type { SecretCreated } from '../network/api';

type Which = 'tls' | 'registry';

export function SecretCreateButtons({ clusterId, namespace }: { clusterId: string; namespace: string | null }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<Which | null>(null);
  return (
    <>
      <Dropdown
        menu={{
          items: [
            { key: 'tls', label: t('secretForm.tls'), onClick: () => setOpen('tls') },
            { key: 'registry', label: t('secretForm.registry'), onClick: () => setOpen('registry') },
          ],
        }}
      >
        <Button icon={<FormOutlined />} data-testid="create-by-form">
          {t('wizard.byForm')}
        </Button>
      </Dropdown>
      {open && <SecretForm which={open} clusterId={clusterId} namespace={namespace ?? 'default'} onClose={() => setOpen(null)} />}
    </>
  );
}

interface Values {
  name: string;
  namespace: string;
  certificate?: string;
  key?: string;
  server?: string;
  username?: string;
  password?: string;
  email?: string;
}

function SecretForm({ which, clusterId, namespace, onClose }: { which: Which; clusterId: string; namespace: string; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [checked, setChecked] = useState<SecretCreated | null>(null);
  const write = useMutation({
    mutationFn: async (dry: boolean) => {
      const v = await form.validateFields();
      const answer =
        which === 'tls'
          ? await createTlsSecret(clusterId, v.namespace, { name: v.name, certificate: v.certificate ?? '', key: v.key ?? '', labels: {} }, dry)
          : await createRegistrySecret(clusterId, v.namespace, { name: v.name, server: v.server ?? '', username: v.username ?? '', password: v.password ?? '', email: v.email ?? '', labels: {} }, dry);
      return { dry, v, answer };
    },
    onSuccess: ({ dry, v, answer }) => {
      if (dry) {
        setChecked(answer);
        return;
      }
      message.success(t('secretForm.created', { name: v.name }));
      qc.invalidateQueries({ queryKey: ['resources', clusterId, 'secrets'] });
      onClose();
      navigate(objectHref(clusterId, 'secrets', v.namespace, v.name));
    },
    onError: (e) => {
      if (e instanceof ApiError && e.field && ['name', 'certificate', 'key', 'server', 'username', 'password'].includes(e.field)) {
        form.setFields([{ name: e.field as keyof Values, errors: [errorText(t, e)] }]);
      }
    },
  });
  const pem = (field: 'certificate' | 'key', placeholder: string) => (
    <Form.Item name={field} label={t(`secretForm.${field}`)} rules={[{ required: true }]}>
      <Input.TextArea className="kd-mono" autoSize={{ minRows: 4, maxRows: 10 }} placeholder={placeholder} data-testid={`secret-form-${field}`} />
    </Form.Item>
  );
  return (
    <Modal
      open
      width={680}
      title={which === 'tls' ? t('secretForm.tlsTitle') : t('secretForm.registryTitle')}
      onCancel={onClose}
      maskClosable={false}
      footer={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button onClick={() => write.mutate(true)} loading={write.isPending && write.variables} data-testid="secret-form-check">
            {t('resource.editor.dryRun')}
          </Button>
          <Button type="primary" onClick={() => write.mutate(false)} loading={write.isPending && !write.variables} data-testid="secret-form-save">
            {t('common.create')}
          </Button>
        </Space>
      }
    >
      <Form form={form} layout="vertical" initialValues={{ namespace, name: '' }} onValuesChange={() => setChecked(null)} data-testid={`secret-form-${which}`}>
        <Space wrap align="start">
          <Form.Item name="name" label={t('resource.name')} rules={[{ required: true, pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, message: t('wizard.nameRule') }]}>
            <Input style={{ width: 240 }} data-testid="secret-form-name" />
          </Form.Item>
          <Form.Item name="namespace" label={t('resource.namespace')} rules={[{ required: true }]}>
            <Input style={{ width: 200 }} data-testid="secret-form-namespace" />
          </Form.Item>
        </Space>
        {which === 'tls' ? (
          <>
            {pem('certificate', '-----BEGIN CERTIFICATE-----')}
            {pem('key', '-----BEGIN PRIVATE KEY-----')}
          </>
        ) : (
          <>
            <Form.Item name="server" label={t('secretForm.server')} rules={[{ required: true }]}>
              <Input placeholder="registry.example.com" data-testid="secret-form-server" />
            </Form.Item>
            <Space wrap align="start">
              <Form.Item name="username" label={t('secretForm.username')} rules={[{ required: true }]}>
                <Input style={{ width: 220 }} data-testid="secret-form-username" />
              </Form.Item>
              <Form.Item name="password" label={t('secretForm.password')} rules={[{ required: true }]}>
                <Input.Password style={{ width: 220 }} autoComplete="new-password" data-testid="secret-form-password" />
              </Form.Item>
              <Form.Item name="email" label={t('secretForm.email')}>
                <Input style={{ width: 220 }} data-testid="secret-form-email" />
              </Form.Item>
            </Space>
          </>
        )}
      </Form>
      {write.error instanceof ApiError && !(write.error.field && form.getFieldError(write.error.field as keyof Values).length) ? (
        <Alert type="error" showIcon message={errorText(t, write.error)} data-testid="secret-form-error" />
      ) : null}
      {checked && (
        <Alert
          type="success"
          showIcon
          data-testid="secret-form-ok"
          message={t('secretForm.checked')}
          description={checked.certificate ? <CertificateView cert={checked.certificate} /> : undefined}
        />
      )}
    </Modal>
  );
}
