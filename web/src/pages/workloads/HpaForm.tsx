// Create or edit a HorizontalPodAutoscaler by form (issue 14): the target workload picked from a list, min/max,
// CPU and memory utilisation targets; written at the autoscaling version the cluster serves (v2beta2 on v1.20, v2
// where served: the kind registry says which), through the generic create/replace routes.
import { useState } from 'react';
import { Alert, App, Button, Form, Input, InputNumber, Modal, Select, Space, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { createResources, listResources, replaceResource, type KubeObject } from '../../api/resources';
import { errorText } from '../../lib/errors';
import { useKinds } from '../../lib/useKinds';
import { objectHref } from '../../lib/resources';
import { toYaml } from '../../lib/yaml';
import { buildHpa, hpaApiVersion, hpaValuesOf, type HpaValues } from '../../lib/workloads';
import { ApiError } from '../../api/client';

const HPA = 'horizontalpodautoscalers';

export function HpaForm({
  clusterId,
  namespace,
  initialTarget,
  existing,
  onClose,
}: {
  clusterId: string;
  namespace: string;
  /** `Deployment/web` */
  initialTarget?: string;
  /** the HPA edited */
  existing?: KubeObject;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const registry = useKinds(clusterId);
  const hpaKind = registry.byName(HPA);
  const apiVersion = existing?.apiVersion ?? hpaApiVersion(hpaKind);
  const [form] = Form.useForm<HpaValues>();
  const initial: HpaValues = existing
    ? hpaValuesOf(existing)
    : { name: (initialTarget?.split('/')[1] ?? '') || '', namespace, target: initialTarget ?? '', min: 1, max: 5, cpu: 70, memory: null };
  const [dryRun, setDryRun] = useState<string | null>(null);
  const ns = Form.useWatch('namespace', form) ?? initial.namespace;

  const targets = useQuery({
    queryKey: ['hpa-targets', clusterId, ns],
    queryFn: async () => {
      const [d, s] = await Promise.all(
        ['deployments', 'statefulsets'].map((k) => listResources(clusterId, k, { namespace: ns, page_size: 500, sort: 'name' }).catch(() => ({ items: [] as { name: string }[] }))),
      );
      return [...d.items.map((r) => `Deployment/${r.name}`), ...s.items.map((r) => `StatefulSet/${r.name}`)];
    },
    enabled: !!ns,
  });

  const write = useMutation({
    mutationFn: async (dry: boolean) => {
      const v = await form.validateFields();
      const obj = buildHpa({ ...v, namespace: existing ? initial.namespace : v.namespace }, apiVersion, existing);
      const text = toYaml(obj);
      const kind = hpaKind ?? { name: HPA, namespaced: true };
      if (existing) await replaceResource(clusterId, kind, { name: initial.name, namespace: initial.namespace }, text, dry);
      else await createResources(clusterId, kind, v.namespace, text, dry);
      return { dry, v, text };
    },
    onSuccess: ({ dry, v, text }) => {
      if (dry) {
        setDryRun(text);
        return;
      }
      message.success(existing ? t('hpa.saved', { name: v.name }) : t('hpa.created', { name: v.name }));
      qc.invalidateQueries({ queryKey: ['resources', clusterId, HPA] });
      qc.invalidateQueries({ queryKey: ['resource', clusterId, HPA] });
      onClose();
      if (!existing) navigate(objectHref(clusterId, HPA, v.namespace, v.name));
    },
    onError: (e) => {
      if (e instanceof ApiError && e.field) {
        const f = /minReplicas/.test(e.field) ? 'min' : /maxReplicas/.test(e.field) ? 'max' : /scaleTargetRef/.test(e.field) ? 'target' : /metadata\.name/.test(e.field) ? 'name' : null;
        if (f) form.setFields([{ name: f as keyof HpaValues, errors: [errorText(t, e)] }]);
      }
    },
  });

  return (
    <Modal
      open
      width={620}
      title={existing ? t('hpa.editTitle', { name: initial.name }) : t('hpa.createTitle')}
      onCancel={onClose}
      maskClosable={false}
      footer={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button onClick={() => write.mutate(true)} loading={write.isPending && write.variables} data-testid="hpa-dry-run">
            {t('resource.editor.dryRun')}
          </Button>
          <Button type="primary" onClick={() => write.mutate(false)} loading={write.isPending && !write.variables} data-testid="hpa-save">
            {existing ? t('common.save') : t('common.create')}
          </Button>
        </Space>
      }
    >
      <Form form={form} layout="vertical" initialValues={initial} data-testid="hpa-form" onValuesChange={() => setDryRun(null)}>
        <Typography.Paragraph type="secondary">{t('hpa.version', { version: apiVersion })}</Typography.Paragraph>
        <Space wrap align="start">
          <Form.Item name="name" label={t('resource.name')} rules={[{ required: true, pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, message: t('wizard.nameRule') }]}>
            <Input style={{ width: 240 }} disabled={!!existing} data-testid="hpa-name" />
          </Form.Item>
          <Form.Item name="namespace" label={t('resource.namespace')} rules={[{ required: true }]}>
            <Input style={{ width: 200 }} disabled={!!existing} data-testid="hpa-namespace" />
          </Form.Item>
        </Space>
        <Form.Item name="target" label={t('hpa.target')} rules={[{ required: true, message: t('hpa.targetRequired') }]}>
          <Select
            showSearch
            loading={targets.isLoading}
            options={(targets.data ?? []).map((x) => ({ value: x, label: x }))}
            placeholder={t('hpa.targetPlaceholder')}
            data-testid="hpa-target"
          />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="min" label={t('hpa.min')} rules={[{ required: true }]}>
            <InputNumber min={1} max={1000} precision={0} data-testid="hpa-min" />
          </Form.Item>
          <Form.Item
            name="max"
            label={t('hpa.max')}
            dependencies={['min']}
            rules={[
              { required: true },
              ({ getFieldValue }) => ({
                validator: (_, v) => (v == null || v >= (getFieldValue('min') ?? 1) ? Promise.resolve() : Promise.reject(new Error(t('hpa.maxBelowMin')))),
              }),
            ]}
          >
            <InputNumber min={1} max={1000} precision={0} data-testid="hpa-max" />
          </Form.Item>
          <Form.Item name="cpu" label={t('hpa.cpuTarget')}>
            <InputNumber min={1} max={1000} precision={0} addonAfter="%" style={{ width: 130 }} data-testid="hpa-cpu" />
          </Form.Item>
          <Form.Item name="memory" label={t('hpa.memoryTarget')} extra={apiVersion === 'autoscaling/v1' ? t('hpa.v1NoMemory') : undefined}>
            <InputNumber min={1} max={1000} precision={0} addonAfter="%" style={{ width: 130 }} disabled={apiVersion === 'autoscaling/v1'} data-testid="hpa-memory" />
          </Form.Item>
        </Space>
      </Form>
      {write.error instanceof ApiError ? (
        <Alert type="error" showIcon message={errorText(t, write.error)} data-testid="hpa-error" />
      ) : null}
      {dryRun && (
        <Alert
          type="success"
          showIcon
          data-testid="hpa-dry-run-ok"
          message={t('hpa.dryRunOk')}
          description={<pre className="kd-yaml kd-mono" style={{ maxHeight: 220, overflow: 'auto', margin: 0 }}>{dryRun}</pre>}
        />
      )}
    </Modal>
  );
}
