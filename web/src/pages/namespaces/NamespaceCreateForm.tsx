// Create a namespace by form (issue 15): name, labels, and optionally a ResourceQuota and a LimitRange, sent as one
// request that creates them in order (the server deletes the namespace again if a later object is refused).
import { useState } from 'react';
import { Alert, App, Checkbox, Col, Form, Input, Modal, Row, Typography } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { objectHref } from '../../lib/resources';
import { createNamespace } from './api';
import { LIMIT_FIELDS, namespaceRequest, parseLabels, QUOTA_FIELDS, type NamespaceFormValues } from './form';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function NamespaceCreateForm({ clusterId, onClose }: { clusterId: string; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<NamespaceFormValues>();
  const withQuota = Form.useWatch('withQuota', form);
  const withLimits = Form.useWatch('withLimits', form);
  const [dryRunOk, setDryRunOk] = useState(false);
  const create = useMutation({
    mutationFn: ({ v, dryRun }: { v: NamespaceFormValues; dryRun: boolean }) => createNamespace(clusterId, v.name, namespaceRequest(v), dryRun),
    onSuccess: (r) => {
      if (r.dry_run) {
        setDryRunOk(true);
        return;
      }
      message.success(t('namespace.created', { name: r.namespace, count: r.created.length }));
      qc.invalidateQueries({ queryKey: ['resources', clusterId, 'namespaces'] });
      navigate(objectHref(clusterId, 'namespaces', null, r.namespace));
    },
  });
  const submit = (dryRun: boolean) => form.validateFields().then((v) => create.mutate({ v, dryRun }));
  return (
    <Modal
      open
      width={720}
      title={t('namespace.createTitle')}
      okText={t('common.create')}
      okButtonProps={{ loading: create.isPending, 'data-testid': 'namespace-create-submit' } as never}
      onOk={() => submit(false)}
      onCancel={onClose}
      footer={(_, { OkBtn, CancelBtn }) => (
        <>
          <CancelBtn />
          <a style={{ margin: '0 12px' }} onClick={() => submit(true)} data-testid="namespace-create-dry-run">
            {t('namespace.dryRun')}
          </a>
          <OkBtn />
        </>
      )}
    >
      <Form<NamespaceFormValues> form={form} layout="vertical" initialValues={{ name: '', labels: '', withQuota: false, quota: {}, withLimits: false, limits: {} }} onValuesChange={() => setDryRunOk(false)}>
        <Form.Item name="name" label={t('resource.name')} rules={[{ required: true, pattern: NAME, max: 63, message: t('namespace.nameRule') }]}>
          <Input data-testid="namespace-name" autoFocus />
        </Form.Item>
        <Form.Item
          name="labels"
          label={t('node.labels')}
          extra={t('namespace.labelsHint')}
          rules={[{ validator: (_, v: string) => (parseLabels(v ?? '').bad ? Promise.reject(new Error(t('namespace.labelLine', { line: parseLabels(v).bad ?? '' }))) : Promise.resolve()) }]}
        >
          <Input.TextArea rows={2} className="kd-mono" data-testid="namespace-labels" placeholder="team=shop" />
        </Form.Item>
        <Form.Item name="withQuota" valuePropName="checked" style={{ marginBottom: 8 }}>
          <Checkbox data-testid="namespace-with-quota">{t('namespace.withQuota')}</Checkbox>
        </Form.Item>
        {withQuota && (
          <Row gutter={12}>
            {QUOTA_FIELDS.map((f) => (
              <Col span={8} key={f}>
                <Form.Item name={['quota', f]} label={<span className="kd-mono">{f}</span>}>
                  <Input data-testid={`quota-${f}`} placeholder={f.endsWith('cpu') ? '2' : f.includes('memory') || f.includes('storage') ? '4Gi' : '10'} />
                </Form.Item>
              </Col>
            ))}
          </Row>
        )}
        <Form.Item name="withLimits" valuePropName="checked" style={{ marginBottom: 8 }}>
          <Checkbox data-testid="namespace-with-limits">{t('namespace.withLimits')}</Checkbox>
        </Form.Item>
        {withLimits && (
          <>
            <Typography.Paragraph type="secondary">{t('namespace.limitsHint')}</Typography.Paragraph>
            <Row gutter={12}>
              {LIMIT_FIELDS.map((f) => (
                <Col span={8} key={f}>
                  <Form.Item name={['limits', f]} label={t(`namespace.limit.${f.replace('.', '_')}` as never)}>
                    <Input data-testid={`limit-${f}`} placeholder={f.endsWith('cpu') ? '500m' : '256Mi'} />
                  </Form.Item>
                </Col>
              ))}
            </Row>
          </>
        )}
      </Form>
      {dryRunOk && <Alert type="success" showIcon message={t('namespace.dryRunOk')} data-testid="namespace-dry-run-ok" />}
      {create.error ? <Alert type="error" showIcon style={{ marginTop: 12 }} message={errorText(t, create.error)} data-testid="namespace-create-error" /> : null}
    </Modal>
  );
}
