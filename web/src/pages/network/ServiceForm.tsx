// Create or edit a Service by form (issue 15): type, ports (port → target port, node port), and the selector,
// typed or picked from a workload's pod labels; the manifest goes through the generic create/replace routes,
// a dry run first.
import { useState } from 'react';
import { Alert, App, Button, Form, Input, InputNumber, Modal, Select, Space, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { ApiError } from '../../api/client';
import { createResources, getResource, listResources, replaceResource, type KubeObject } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { objectHref } from '../../lib/resources';
import { toYaml } from '../../lib/yaml';
import { editedService, formOfService, serviceObject, type ServiceForm } from './serviceManifest';

const SERVICES = { name: 'services', namespaced: true };
const WORKLOADS: [string, string][] = [
  ['deployments', 'Deployment'],
  ['statefulsets', 'StatefulSet'],
  ['daemonsets', 'DaemonSet'],
];

type Values = Omit<ServiceForm, 'selector'> & { selector: string };

/** `a=b,c=d` ⇄ a map. */
const selectorText = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
const selectorMap = (s: string): Record<string, string> =>
  Object.fromEntries(
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return i < 0 ? [p, ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()];
      }),
  );

export function ServiceFormModal({ clusterId, namespace, live, onClose }: { clusterId: string; namespace: string; live?: KubeObject; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const start = live ? formOfService(live) : { name: '', namespace, type: 'ClusterIP' as const, selector: {}, ports: [{ protocol: 'TCP' as const, port: 80, targetPort: '' }] };
  const initial: Values = { ...start, selector: selectorText(start.selector) };
  const [dryRun, setDryRun] = useState<string | null>(null);
  const ns = Form.useWatch('namespace', form) ?? initial.namespace;
  const type = Form.useWatch('type', form) ?? initial.type;

  const workloads = useQuery({
    queryKey: ['service-form-workloads', clusterId, ns],
    queryFn: async () => {
      const lists = await Promise.all(WORKLOADS.map(([k]) => listResources(clusterId, k, { namespace: ns, page_size: 500, sort: 'name' }).catch(() => ({ items: [] as { name: string }[] }))));
      return lists.flatMap((l, i) => l.items.map((r) => ({ value: `${WORKLOADS[i][0]}/${r.name}`, label: `${WORKLOADS[i][1]}/${r.name}` })));
    },
    enabled: !!ns,
  });

  // a workload's pod labels (its selector's matchLabels, else its template's labels) become the Service's selector
  const pick = async (v: string) => {
    const [kind, name] = v.split('/');
    const d = await getResource(clusterId, { name: kind, namespaced: true }, { name, namespace: ns });
    const spec = (d.object.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } };
    form.setFieldsValue({ selector: selectorText(spec.selector?.matchLabels ?? spec.template?.metadata?.labels ?? {}) });
    setDryRun(null);
  };

  const write = useMutation({
    mutationFn: async (dry: boolean) => {
      const v = await form.validateFields();
      const f: ServiceForm = { ...v, namespace: live ? initial.namespace : v.namespace, selector: selectorMap(v.selector ?? '') };
      const obj = live ? editedService(live as Record<string, unknown>, f) : serviceObject(f);
      const text = toYaml(obj);
      if (live) await replaceResource(clusterId, SERVICES, { name: initial.name, namespace: initial.namespace }, text, dry);
      else await createResources(clusterId, SERVICES, f.namespace, text, dry);
      return { dry, f, text };
    },
    onSuccess: ({ dry, f, text }) => {
      if (dry) {
        setDryRun(text);
        return;
      }
      message.success(live ? t('service.saved', { name: f.name }) : t('service.created', { name: f.name }));
      qc.invalidateQueries({ queryKey: ['resources', clusterId, 'services'] });
      qc.invalidateQueries({ queryKey: ['resource', clusterId, 'services'] });
      qc.invalidateQueries({ queryKey: ['insight', clusterId, 'services'] });
      onClose();
      if (!live) navigate(objectHref(clusterId, 'services', f.namespace, f.name));
    },
  });

  return (
    <Modal
      open
      width={720}
      title={live ? t('service.editTitle', { name: initial.name }) : t('service.createTitle')}
      onCancel={onClose}
      maskClosable={false}
      footer={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button onClick={() => write.mutate(true)} loading={write.isPending && write.variables} data-testid="service-dry-run">
            {t('resource.editor.dryRun')}
          </Button>
          <Button type="primary" onClick={() => write.mutate(false)} loading={write.isPending && !write.variables} data-testid="service-save">
            {live ? t('common.save') : t('common.create')}
          </Button>
        </Space>
      }
    >
      <Form form={form} layout="vertical" initialValues={initial} data-testid="service-form" onValuesChange={() => setDryRun(null)}>
        <Space wrap align="start">
          <Form.Item name="name" label={t('resource.name')} rules={[{ required: true, pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/, message: t('wizard.nameRule') }]}>
            <Input style={{ width: 220 }} disabled={!!live} data-testid="service-name" />
          </Form.Item>
          <Form.Item name="namespace" label={t('resource.namespace')} rules={[{ required: true }]}>
            <Input style={{ width: 180 }} disabled={!!live} data-testid="service-namespace" />
          </Form.Item>
          <Form.Item name="type" label={t('service.type')}>
            <Select style={{ width: 160 }} options={['ClusterIP', 'NodePort', 'LoadBalancer'].map((v) => ({ value: v, label: v }))} data-testid="service-type" />
          </Form.Item>
        </Space>
        <Form.Item label={t('service.pickWorkload')} extra={t('service.pickWorkloadHelp')}>
          <Select showSearch allowClear loading={workloads.isLoading} options={workloads.data ?? []} onSelect={pick} placeholder={t('service.pickWorkloadPlaceholder')} data-testid="service-workload" />
        </Form.Item>
        <Form.Item name="selector" label={t('service.selector')} extra={t('service.selectorHelp')}>
          <Input className="kd-mono" placeholder="app=web" data-testid="service-selector" />
        </Form.Item>
        <Typography.Text strong>{t('service.ports')}</Typography.Text>
        <Form.List name="ports">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" wrap>
                  <Form.Item name={[f.name, 'name']} label={t('service.portName')}>
                    <Input style={{ width: 110 }} placeholder="http" data-testid={`service-port-name-${f.name}`} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'protocol']} label={t('service.protocol')}>
                    <Select style={{ width: 90 }} options={['TCP', 'UDP', 'SCTP'].map((v) => ({ value: v, label: v }))} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'port']} label={t('service.port')} rules={[{ required: true }]}>
                    <InputNumber min={1} max={65535} precision={0} data-testid={`service-port-${f.name}`} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'targetPort']} label={t('service.targetPort')}>
                    <Input style={{ width: 110 }} placeholder={t('service.targetPortPlaceholder')} data-testid={`service-target-port-${f.name}`} />
                  </Form.Item>
                  {type !== 'ClusterIP' && (
                    <Form.Item name={[f.name, 'nodePort']} label={t('service.nodePort')}>
                      <InputNumber min={1} max={65535} precision={0} placeholder={t('service.auto')} />
                    </Form.Item>
                  )}
                  {fields.length > 1 && <MinusCircleOutlined onClick={() => remove(f.name)} />}
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ protocol: 'TCP', port: 80 })} data-testid="service-add-port">
                {t('service.addPort')}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
      {write.error instanceof ApiError ? <Alert style={{ marginTop: 12 }} type="error" showIcon message={errorText(t, write.error)} data-testid="service-error" /> : null}
      {dryRun && (
        <Alert
          style={{ marginTop: 12 }}
          type="success"
          showIcon
          data-testid="service-dry-run-ok"
          message={t('service.dryRunOk')}
          description={<pre className="kd-yaml kd-mono" style={{ maxHeight: 220, overflow: 'auto', margin: 0 }}>{dryRun}</pre>}
        />
      )}
    </Modal>
  );
}
