// Create or edit an Ingress by form (issue 15): its IngressClass (from the cluster's), rows host → path (pathType)
// → Service:port (the namespace's Services and their ports), TLS entries (hosts + one of the namespace's TLS
// Secrets). Written at the version the kinds registry says the cluster serves, through the generic create/replace
// routes, a dry run first; edit loads the live object into the form.
import { useState } from 'react';
import { Alert, App, Button, Form, Input, Modal, Select, Space, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { ApiError } from '../../api/client';
import { createResources, getResource, listResources, replaceResource, type KubeObject } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { objectHref } from '../../lib/resources';
import { useKinds } from '../../lib/useKinds';
import { toYaml } from '../../lib/yaml';
import { ByFormButton } from './ServiceCreateButton';
import { editedIngress, formOfIngress, ingressObject, PATH_TYPES, type IngressForm, type IngressVersion } from './ingressManifest';

const INGRESSES = { name: 'ingresses', namespaced: true };
const SERVICES = { name: 'services', namespaced: true };
const options = (names: string[]) => names.map((n) => ({ value: n, label: n }));

/** The names of a kind's objects (in a namespace; `null` for a cluster-scoped kind), `filter` by column values. */
function useNames(clusterId: string, kind: string, namespace: string | null, filter: Record<string, string> = {}) {
  return useQuery({
    queryKey: ['ingress-form', clusterId, kind, namespace, filter],
    queryFn: async () => (await listResources(clusterId, kind, { ...(namespace ? { namespace } : {}), page_size: 500, sort: 'name', ...filter })).items.map((r) => r.name),
    enabled: namespace !== '',
  });
}

/** The ports of one Service of the namespace, as the port picker offers them (number, and name when it has one). */
function ServicePortSelect({ clusterId, namespace, service, testId, ...rest }: { clusterId: string; namespace: string; service?: string; testId: string; value?: string; onChange?: (v: string) => void }) {
  const ports = useQuery({
    queryKey: ['ingress-form-service', clusterId, namespace, service],
    queryFn: async () => {
      const d = await getResource(clusterId, SERVICES, { name: service!, namespace });
      return (((d.object.spec ?? {}) as { ports?: { port: number; name?: string }[] }).ports ?? []).map((p) => ({ value: String(p.port), label: p.name ? `${p.port} (${p.name})` : String(p.port) }));
    },
    enabled: !!service,
  });
  return <Select style={{ width: 130 }} loading={ports.isLoading} options={ports.data ?? []} data-testid={testId} {...rest} />;
}

export function IngressFormModal({ clusterId, namespace, live, onClose }: { clusterId: string; namespace: string; live?: KubeObject; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { byName } = useKinds(clusterId);
  const version: IngressVersion = byName('ingresses')?.version === 'v1beta1' ? 'v1beta1' : 'v1';
  const [form] = Form.useForm<IngressForm>();
  const initial: IngressForm = live ? formOfIngress(live) : { name: '', namespace, className: '', routes: [{ host: '', path: '/', pathType: 'Prefix', service: '', port: '' }], tls: [] };
  const [dryRun, setDryRun] = useState<string | null>(null);
  const ns = Form.useWatch('namespace', form) ?? initial.namespace;
  const routes = Form.useWatch('routes', form) ?? initial.routes;

  const classes = useNames(clusterId, 'ingressclasses', null);
  const services = useNames(clusterId, 'services', ns);
  const tlsSecrets = useNames(clusterId, 'secrets', ns, { type: 'kubernetes.io/tls' });

  const write = useMutation({
    mutationFn: async (dry: boolean) => {
      const v = await form.validateFields();
      const f: IngressForm = { ...v, namespace: live ? initial.namespace : v.namespace, routes: v.routes ?? [], tls: v.tls ?? [] };
      const obj = live ? editedIngress(live as Record<string, unknown>, f, version) : ingressObject(f, version);
      const text = toYaml(obj);
      if (live) await replaceResource(clusterId, INGRESSES, { name: initial.name, namespace: initial.namespace }, text, dry);
      else await createResources(clusterId, INGRESSES, f.namespace, text, dry);
      return { dry, f, text };
    },
    onSuccess: ({ dry, f, text }) => {
      if (dry) {
        setDryRun(text);
        return;
      }
      message.success(live ? t('ingressForm.saved', { name: f.name }) : t('ingressForm.created', { name: f.name }));
      for (const k of ['resources', 'resource', 'insight']) qc.invalidateQueries({ queryKey: [k, clusterId, 'ingresses'] });
      onClose();
      if (!live) navigate(objectHref(clusterId, 'ingresses', f.namespace, f.name));
    },
  });

  return (
    <Modal
      open
      width={880}
      title={live ? t('ingressForm.editTitle', { name: initial.name }) : t('ingressForm.createTitle')}
      onCancel={onClose}
      maskClosable={false}
      footer={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button onClick={() => write.mutate(true)} loading={write.isPending && write.variables} data-testid="ingress-dry-run">
            {t('resource.editor.dryRun')}
          </Button>
          <Button type="primary" onClick={() => write.mutate(false)} loading={write.isPending && !write.variables} data-testid="ingress-save">
            {live ? t('common.save') : t('common.create')}
          </Button>
        </Space>
      }
    >
      <Form form={form} layout="vertical" initialValues={initial} data-testid="ingress-form" onValuesChange={() => setDryRun(null)}>
        <Space wrap align="start">
          <Form.Item name="name" label={t('resource.name')} rules={[{ required: true, pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, message: t('wizard.nameRule') }]}>
            <Input style={{ width: 220 }} disabled={!!live} data-testid="ingress-name" />
          </Form.Item>
          <Form.Item name="namespace" label={t('resource.namespace')} rules={[{ required: true }]}>
            <Input style={{ width: 180 }} disabled={!!live} data-testid="ingress-namespace" />
          </Form.Item>
          <Form.Item name="className" label={t('ingress.class')}>
            <Select style={{ width: 200 }} allowClear loading={classes.isLoading} options={options(classes.data ?? [])} placeholder={t('ingress.defaultClass')} data-testid="ingress-class" />
          </Form.Item>
          <Form.Item label={t('ingressForm.version')}>
            <Typography.Text className="kd-mono" data-testid="ingress-version">
              networking.k8s.io/{version}
            </Typography.Text>
          </Form.Item>
        </Space>
        <Typography.Text strong>{t('ingress.routes')}</Typography.Text>
        <Form.List name="routes">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" wrap>
                  <Form.Item name={[f.name, 'host']} label={t('ingress.host')}>
                    <Input style={{ width: 180 }} placeholder="*" data-testid={`ingress-host-${f.name}`} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'path']} label={t('ingress.path')} rules={[{ pattern: /^\//, message: t('ingressForm.pathRule') }]}>
                    <Input style={{ width: 120 }} placeholder="/" data-testid={`ingress-path-${f.name}`} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'pathType']} label={t('ingressForm.pathType')}>
                    <Select style={{ width: 190 }} options={options(PATH_TYPES)} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'service']} label={t('ingressForm.service')} rules={[{ required: true }]}>
                    <Select
                      showSearch
                      style={{ width: 180 }}
                      loading={services.isLoading}
                      options={options(services.data ?? [])}
                      onChange={() => form.setFieldValue(['routes', f.name, 'port'], undefined)}
                      data-testid={`ingress-service-${f.name}`}
                    />
                  </Form.Item>
                  <Form.Item name={[f.name, 'port']} label={t('service.port')} rules={[{ required: true }]}>
                    <ServicePortSelect clusterId={clusterId} namespace={ns} service={routes?.[f.name]?.service} testId={`ingress-port-${f.name}`} />
                  </Form.Item>
                  {fields.length > 1 && <MinusCircleOutlined onClick={() => remove(f.name)} />}
                </Space>
              ))}
              <div>
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ host: '', path: '/', pathType: 'Prefix', service: '', port: '' })} data-testid="ingress-add-route">
                  {t('ingressForm.addRoute')}
                </Button>
              </div>
            </>
          )}
        </Form.List>
        <Typography.Text strong style={{ display: 'block', marginTop: 16 }}>
          TLS
        </Typography.Text>
        <Form.List name="tls">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" wrap>
                  <Form.Item name={[f.name, 'hosts']} label={t('ingress.tlsHosts')}>
                    <Select mode="tags" style={{ width: 320 }} tokenSeparators={[',', ' ']} options={options([...new Set((routes ?? []).map((r) => r?.host ?? '').filter(Boolean))])} data-testid={`ingress-tls-hosts-${f.name}`} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'secret']} label={t('ingressForm.tlsSecret')} rules={[{ required: true }]}>
                    <Select showSearch style={{ width: 220 }} loading={tlsSecrets.isLoading} options={options(tlsSecrets.data ?? [])} data-testid={`ingress-tls-secret-${f.name}`} />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <div>
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ hosts: [] })} data-testid="ingress-add-tls">
                  {t('ingressForm.addTls')}
                </Button>
              </div>
            </>
          )}
        </Form.List>
      </Form>
      {write.error instanceof ApiError ? <Alert style={{ marginTop: 12 }} type="error" showIcon message={errorText(t, write.error)} data-testid="ingress-error" /> : null}
      {dryRun && (
        <Alert
          style={{ marginTop: 12 }}
          type="success"
          showIcon
          data-testid="ingress-dry-run-ok"
          message={t('ingressForm.dryRunOk')}
          description={<pre className="kd-yaml kd-mono" style={{ maxHeight: 220, overflow: 'auto', margin: 0 }}>{dryRun}</pre>}
        />
      )}
    </Modal>
  );
}

/** The Ingresses list's "by form" entry. */
export function IngressCreateButton({ clusterId, namespace }: { clusterId: string; namespace: string | null }) {
  return <ByFormButton form={(close) => <IngressFormModal clusterId={clusterId} namespace={namespace ?? 'default'} onClose={close} />} />;
}
