// The deploy wizard (issue 14, the spec's 表单化部署向导) at /clusters/:id/deploy: a Deployment (and optionally a
// Service for its ports) by form, built by lib/workloadManifest's pure builder, the YAML it will apply shown beside
// it, the server-side dry run before anything is created, and every field error from the cluster (the causes'
// field paths) on its form field. Templates (?template=web|worker|cronjob) prefill it; the cron job template opens
// the YAML editor, so the form is never the only way.
import { useEffect, useMemo, useState } from 'react';
import {
  Alert,
  App,
  AutoComplete,
  Button,
  Card,
  Col,
  Form,
  Input,
  InputNumber,
  Radio,
  Row,
  Select,
  Space,
  Steps,
  Switch,
  Typography,
} from 'antd';
import { CloudUploadOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import type { FormInstance } from 'antd/es/form';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { ApiError } from '../../api/client';
import { createResources, listResources, type KindInfo } from '../../api/resources';
import { ErrorAlert, PageHeader } from '../../components/common';
import { errorText } from '../../lib/errors';
import { apiVersionOf, canWriteKind, objectHref } from '../../lib/resources';
import { useKinds } from '../../lib/useKinds';
import { toYaml } from '../../lib/yaml';
import { tagSuggestions } from '../../lib/workloads';
import {
  buildDeployment,
  buildService,
  cronJobTemplate,
  fieldErrorsOf,
  WORKLOAD_TEMPLATES,
  type FieldErrorCause,
  type FormPath,
  type TemplateId,
  type WizardValues,
} from '../../lib/workloadManifest';
import { YamlEditor } from '../resources/common';
import * as wl from './api';

const STEP_OF: Record<string, number> = {
  name: 0, namespace: 0, image: 0, tag: 0, replicas: 0, strategy: 0, maxSurge: 0, maxUnavailable: 0,
  ports: 1, service: 1, serviceType: 1, command: 1, env: 1, cpuRequest: 1, memoryRequest: 1, cpuLimit: 1, memoryLimit: 1, liveness: 1, readiness: 1,
  volumes: 2, nodeSelector: 2, tolerations: 2,
};
const NAME_RULE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const empty = (ns: string): WizardValues => ({ name: '', namespace: ns, image: '', tag: '', replicas: 1, strategy: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%', ports: [], env: [], volumes: [], nodeSelector: [], tolerations: [], service: false, serviceType: 'ClusterIP', liveness: { type: 'none' }, readiness: { type: 'none' } });

interface WizardResult {
  dry: boolean;
  objects: { kind: string; name: string; namespace: string }[];
}

export default function DeployWizard() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const registry = useKinds(clusterId);
  const deployments = registry.byName('deployments');
  const services = registry.byName('services');
  const cronjobs = registry.byName('cronjobs');
  const [form] = Form.useForm<WizardValues>();
  const [step, setStep] = useState(0);
  const [problems, setProblems] = useState<string[]>([]);
  const [result, setResult] = useState<WizardResult | null>(null);
  const [cronEditor, setCronEditor] = useState(false);
  const template = params.get('template') as TemplateId | null;
  const defaultNs = params.get('namespace') || 'default';

  // a template prefills the form (web, worker) or opens the YAML editor (cron job)
  useEffect(() => {
    if (!template || !WORKLOAD_TEMPLATES[template]) return;
    if (!WORKLOAD_TEMPLATES[template].wizard) {
      setCronEditor(true);
      return;
    }
    const v = WORKLOAD_TEMPLATES[template].values(template === 'web' ? 'web' : 'worker', form.getFieldValue('namespace') || defaultNs);
    form.setFieldsValue({ ...empty(v.namespace), ...v });
    setResult(null);
    setProblems([]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [template]);

  const values = Form.useWatch([], form) as WizardValues | undefined;
  const ns = values?.namespace || defaultNs;
  const manifest = useMemo(() => {
    if (!values?.name) return '';
    try {
      const svc = buildService(values);
      return toYaml(buildDeployment(values)) + (svc ? `---\n${toYaml(svc)}` : '');
    } catch {
      return '';
    }
  }, [values]);

  const list = (kind: string) =>
    // eslint-disable-next-line react-hooks/rules-of-hooks
    useQuery({
      queryKey: ['resources', clusterId, kind, { namespace: ns, page_size: 500, wizard: true }],
      queryFn: () => listResources(clusterId, kind, { namespace: ns, page_size: 500, sort: 'name' }),
      enabled: !!clusterId && !!ns,
      staleTime: 30_000,
      retry: false,
    });
  const namespaces = useQuery({
    queryKey: ['resources', clusterId, 'namespaces', 'options'],
    queryFn: () => listResources(clusterId, 'namespaces', { page_size: 500, sort: 'name' }),
    enabled: !!clusterId,
    staleTime: 60_000,
    retry: false,
  });
  const configMaps = list('configmaps');
  const secrets = list('secrets');
  const pvcs = list('persistentvolumeclaims');
  const images = useQuery({ queryKey: ['cluster-images', clusterId], queryFn: () => wl.listImages(clusterId), staleTime: 30_000, retry: false });
  const names = (q: typeof configMaps) => (q.data?.items ?? []).map((r) => ({ value: r.name, label: r.name }));

  /** The cluster's refusal on the form: each cause on its field, the rest above the form; the first field's step shown. */
  const showRefusal = (e: unknown, kind: 'Deployment' | 'Service', v: WizardValues) => {
    if (!(e instanceof ApiError)) throw e;
    const causes = (Array.isArray(e.params.causes) ? e.params.causes : []) as FieldErrorCause[];
    if (e.code === 'object_invalid' && causes.length) {
      const { fields, rest } = fieldErrorsOf(causes, kind, v);
      form.setFields(fields.map((f) => ({ name: f.name as never, errors: f.errors })));
      setProblems([...(fields.length ? [t('wizard.fieldErrors', { count: fields.length })] : []), ...rest]);
      const first = fields[0]?.name[0];
      if (first !== undefined && STEP_OF[String(first)] !== undefined) setStep(STEP_OF[String(first)]);
      return;
    }
    if (e.code === 'already_exists') {
      form.setFields([{ name: 'name', errors: [errorText(t, e)] }]);
      setStep(0);
    }
    setProblems([errorText(t, e)]);
  };

  const run = useMutation({
    mutationFn: async (dry: boolean): Promise<WizardResult | null> => {
      setProblems([]);
      setResult(null);
      let v: WizardValues;
      try {
        v = { ...form.getFieldsValue(true), ...(await form.validateFields()) } as WizardValues;
      } catch (e) {
        const first = (e as { errorFields?: { name: FormPath }[] }).errorFields?.[0]?.name[0];
        if (first !== undefined && STEP_OF[String(first)] !== undefined) setStep(STEP_OF[String(first)]);
        return null;
      }
      const dk: Pick<KindInfo, 'name' | 'namespaced'> = deployments ?? { name: 'deployments', namespaced: true };
      const sk: Pick<KindInfo, 'name' | 'namespaced'> = services ?? { name: 'services', namespaced: true };
      const deployment = toYaml(buildDeployment(v));
      const svc = buildService(v);
      const service = svc ? toYaml(svc) : null;
      const objects = [{ kind: 'Deployment', name: v.name.trim(), namespace: v.namespace.trim() }, ...(svc ? [{ kind: 'Service', name: v.name.trim(), namespace: v.namespace.trim() }] : [])];
      // the server-side dry run of everything first, always: nothing is created unless all of it would be
      for (const [kind, k, text] of [['Deployment', dk, deployment], ['Service', sk, service]] as const) {
        if (!text) continue;
        try {
          await createResources(clusterId, k, v.namespace.trim(), text, true);
        } catch (e) {
          showRefusal(e, kind, v);
          return null;
        }
      }
      if (!dry) {
        for (const [kind, k, text] of [['Deployment', dk, deployment], ['Service', sk, service]] as const) {
          if (!text) continue;
          try {
            await createResources(clusterId, k, v.namespace.trim(), text, false);
          } catch (e) {
            showRefusal(e, kind, v);
            return null;
          }
        }
      }
      return { dry, objects };
    },
    onSuccess: (r) => {
      if (!r) return;
      setResult(r);
      if (!r.dry) {
        message.success(t('wizard.created', { name: r.objects[0].name }));
        navigate(objectHref(clusterId, 'deployments', r.objects[0].namespace, r.objects[0].name));
      }
    },
    onError: (e) => setProblems([errorText(t, e)]),
  });

  if (!canWriteKind(me, deployments ?? { tier: 'app' })) return <Alert type="warning" showIcon message={t('error.forbidden')} data-testid="wizard-forbidden" />;
  if (registry.query.error) return <ErrorAlert error={registry.query.error} />;

  const pickTemplate = (id: TemplateId) => setParams((p) => {
    const n = new URLSearchParams(p);
    n.set('template', id);
    return n;
  }, { replace: true });
  const repo = values?.image?.trim() ?? '';
  const repoOptions = (images.data?.images ?? []).map((i) => i.repository).filter((r) => !repo || r.includes(repo)).slice(0, 20).map((r) => ({ value: r }));
  const tagOptions = tagSuggestions(images.data?.images, repo).map((x) => ({ value: x }));
  const stepTitles = [t('wizard.step.basics'), t('wizard.step.container'), t('wizard.step.storage'), t('wizard.step.review')];

  return (
    <>
      <PageHeader title={t('wizard.title')} sub={t('wizard.sub')} />
      <Card size="small" title={t('wizard.templates')} style={{ marginBottom: 16 }} data-testid="wizard-templates">
        <Space wrap>
          {(['web', 'worker', 'cronjob'] as TemplateId[]).map((id) => (
            <Button key={id} type={template === id ? 'primary' : 'default'} onClick={() => (id === template && id === 'cronjob' ? setCronEditor(true) : pickTemplate(id))} data-testid={`template-${id}`}>
              {t(`wizard.template.${id}`)}
            </Button>
          ))}
          <Typography.Text type="secondary">{t('wizard.templatesHint')}</Typography.Text>
        </Space>
      </Card>
      <Steps current={step} onChange={setStep} items={stepTitles.map((title) => ({ title }))} style={{ marginBottom: 16 }} data-testid="wizard-steps" />
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Form form={form} layout="vertical" initialValues={empty(defaultNs)} data-testid="wizard-form" scrollToFirstError>
            <div style={{ display: step === 0 ? undefined : 'none' }}>
              <Basics t={t} namespaces={(namespaces.data?.items ?? []).map((r) => ({ value: r.name }))} repoOptions={repoOptions} tagOptions={tagOptions} />
            </div>
            <div style={{ display: step === 1 ? undefined : 'none' }}>
              <ContainerStep t={t} form={form} configMaps={names(configMaps)} secrets={names(secrets)} />
            </div>
            <div style={{ display: step === 2 ? undefined : 'none' }}>
              <StorageStep t={t} configMaps={names(configMaps)} secrets={names(secrets)} pvcs={names(pvcs)} />
            </div>
            {step === 3 && <Typography.Paragraph type="secondary">{t('wizard.reviewHint')}</Typography.Paragraph>}
          </Form>
          {problems.length > 0 && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="wizard-problems"
              message={problems[0]}
              description={problems.length > 1 ? <ul style={{ margin: 0, paddingLeft: 18 }}>{problems.slice(1).map((p, i) => <li key={i}>{p}</li>)}</ul> : undefined}
            />
          )}
          {result?.dry && (
            <Alert
              type="success"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="wizard-dry-run-ok"
              message={t('wizard.dryRunOk')}
              description={result.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`).join(t('apiError.listSeparator'))}
            />
          )}
          <Space wrap>
            <Button disabled={step === 0} onClick={() => setStep((s) => s - 1)}>
              {t('wizard.previous')}
            </Button>
            {step < 3 && (
              <Button onClick={() => setStep((s) => s + 1)} data-testid="wizard-next">
                {t('wizard.next')}
              </Button>
            )}
            <Button onClick={() => run.mutate(true)} loading={run.isPending && run.variables} data-testid="wizard-dry-run">
              {t('resource.editor.dryRun')}
            </Button>
            <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => run.mutate(false)} loading={run.isPending && !run.variables} data-testid="wizard-create">
              {t('wizard.create')}
            </Button>
          </Space>
        </Col>
        <Col xs={24} xl={10}>
          <Card size="small" title={t('wizard.yaml')} extra={<Typography.Text copyable={{ text: manifest }} />} style={{ position: 'sticky', top: 16 }}>
            <pre className="kd-yaml kd-mono" style={{ maxHeight: '70vh', overflow: 'auto', margin: 0 }} data-testid="wizard-yaml">
              {manifest || t('wizard.yamlEmpty')}
            </pre>
          </Card>
        </Col>
      </Row>
      {cronEditor && cronjobs && (
        <YamlEditor
          clusterId={clusterId}
          kind={cronjobs}
          mode="create"
          template={toYaml(cronJobTemplate('my-cronjob', ns, apiVersionOf(cronjobs)))}
          defaultNamespace={ns}
          onClose={() => setCronEditor(false)}
          onApplied={(r) => {
            setCronEditor(false);
            const o = r.results[0];
            if (o?.name) navigate(objectHref(clusterId, 'cronjobs', o.namespace ?? ns, o.name));
          }}
        />
      )}
    </>
  );
}

type T = ReturnType<typeof useI18n>['t'];
type Opt = { value: string; label?: string };

function Basics({ t, namespaces, repoOptions, tagOptions }: { t: T; namespaces: Opt[]; repoOptions: Opt[]; tagOptions: Opt[] }) {
  const form = Form.useFormInstance<WizardValues>();
  const strategy = Form.useWatch('strategy', form);
  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item name="name" label={t('resource.name')} rules={[{ required: true, message: t('wizard.nameRequired') }, { pattern: NAME_RULE, message: t('wizard.nameRule') }, { max: 63 }]}>
            <Input placeholder="web" data-testid="wizard-name" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="namespace" label={t('resource.namespace')} rules={[{ required: true }]}>
            <AutoComplete options={namespaces} filterOption data-testid="wizard-namespace" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="image" label={t('wizard.image')} rules={[{ required: true, message: t('wizard.imageRequired') }]}>
            <AutoComplete options={repoOptions} placeholder="nginx" data-testid="wizard-image" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item name="tag" label={t('wizard.tag')} tooltip={t('wizard.tagTip')}>
            <AutoComplete options={tagOptions} placeholder="latest" data-testid="wizard-tag" />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item name="replicas" label={t('workload.replicas')} rules={[{ required: true }]}>
            <InputNumber min={0} max={1000} precision={0} style={{ width: '100%' }} data-testid="wizard-replicas" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="strategy" label={t('wizard.strategy')}>
            <Radio.Group optionType="button" options={[{ value: 'RollingUpdate', label: t('wizard.rollingUpdate') }, { value: 'Recreate', label: t('wizard.recreate') }]} />
          </Form.Item>
        </Col>
        {strategy !== 'Recreate' && (
          <>
            <Col xs={12} md={6}>
              <Form.Item name="maxSurge" label="maxSurge" tooltip={t('wizard.maxSurgeTip')}>
                <Input placeholder="25%" />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="maxUnavailable" label="maxUnavailable" tooltip={t('wizard.maxUnavailableTip')}>
                <Input placeholder="25%" />
              </Form.Item>
            </Col>
          </>
        )}
      </Row>
    </Card>
  );
}

function ProbeFields({ t, name, title }: { t: T; name: 'liveness' | 'readiness'; title: string }) {
  const form = Form.useFormInstance<WizardValues>();
  const type = Form.useWatch([name, 'type'], form) ?? 'none';
  return (
    <Card size="small" type="inner" title={title} style={{ marginBottom: 12 }}>
      <Space wrap align="start">
        <Form.Item name={[name, 'type']} label={t('wizard.probeType')}>
          <Select style={{ width: 140 }} options={(['none', 'http', 'tcp', 'exec'] as const).map((x) => ({ value: x, label: t(`wizard.probe.${x}`) }))} data-testid={`wizard-${name}-type`} />
        </Form.Item>
        {type === 'http' && (
          <Form.Item name={[name, 'path']} label={t('wizard.probePath')}>
            <Input placeholder="/healthz" style={{ width: 160 }} />
          </Form.Item>
        )}
        {(type === 'http' || type === 'tcp') && (
          <Form.Item name={[name, 'port']} label={t('wizard.port')} rules={[{ required: true }]}>
            <InputNumber min={1} max={65535} precision={0} />
          </Form.Item>
        )}
        {type === 'exec' && (
          <Form.Item name={[name, 'command']} label={t('wizard.command')} rules={[{ required: true }]}>
            <Input placeholder="cat /tmp/healthy" style={{ width: 220 }} />
          </Form.Item>
        )}
        {type !== 'none' && (
          <>
            <Form.Item name={[name, 'initialDelaySeconds']} label={t('wizard.initialDelay')}>
              <InputNumber min={0} precision={0} addonAfter="s" style={{ width: 110 }} />
            </Form.Item>
            <Form.Item name={[name, 'periodSeconds']} label={t('wizard.period')}>
              <InputNumber min={1} precision={0} addonAfter="s" style={{ width: 110 }} />
            </Form.Item>
          </>
        )}
      </Space>
    </Card>
  );
}

function ContainerStep({ t, form, configMaps, secrets }: { t: T; form: FormInstance<WizardValues>; configMaps: Opt[]; secrets: Opt[] }) {
  const ports = Form.useWatch('ports', form) ?? [];
  const env = Form.useWatch('env', form) ?? [];
  const quantity = { pattern: QUANTITY, message: t('wizard.quantityRule') };
  return (
    <>
      <Card size="small" title={t('wizard.ports')} style={{ marginBottom: 16 }}>
        <Form.List name="ports">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="start" wrap>
                  <Form.Item name={[f.name, 'name']} label={t('resource.name')}>
                    <Input placeholder="http" style={{ width: 140 }} data-testid={`wizard-port-name-${f.name}`} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'containerPort']} label={t('wizard.containerPort')} rules={[{ required: true }]}>
                    <InputNumber min={1} max={65535} precision={0} data-testid={`wizard-port-${f.name}`} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'protocol']} label={t('wizard.protocol')} initialValue="TCP">
                    <Select style={{ width: 90 }} options={[{ value: 'TCP' }, { value: 'UDP' }]} />
                  </Form.Item>
                  <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} style={{ marginTop: 30 }} aria-label={t('common.delete')} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ protocol: 'TCP' })} data-testid="wizard-add-port">
                {t('wizard.addPort')}
              </Button>
            </>
          )}
        </Form.List>
        {ports.length > 0 && (
          <Space style={{ marginTop: 12 }} wrap>
            <Form.Item name="service" valuePropName="checked" label={t('wizard.service')} style={{ marginBottom: 0 }}>
              <Switch data-testid="wizard-service" />
            </Form.Item>
            <Form.Item name="serviceType" label={t('wizard.serviceType')} style={{ marginBottom: 0 }}>
              <Select style={{ width: 150 }} options={[{ value: 'ClusterIP' }, { value: 'NodePort' }, { value: 'LoadBalancer' }]} />
            </Form.Item>
          </Space>
        )}
      </Card>
      <Card size="small" title={t('wizard.env')} style={{ marginBottom: 16 }}>
        <Form.List name="env">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => {
                const src = env[f.name]?.source ?? 'value';
                return (
                  <Space key={f.key} align="start" wrap>
                    <Form.Item name={[f.name, 'source']} label={t('wizard.envSource')} initialValue="value">
                      <Select style={{ width: 130 }} options={(['value', 'configMap', 'secret'] as const).map((x) => ({ value: x, label: t(`wizard.envFrom.${x}`) }))} data-testid={`wizard-env-source-${f.name}`} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'name']} label={t('wizard.envName')} rules={[{ required: src === 'value', message: t('wizard.envNameRequired') }]}>
                      <Input placeholder={src === 'value' ? 'MODE' : t('wizard.envNameOptional')} style={{ width: 160 }} data-testid={`wizard-env-name-${f.name}`} />
                    </Form.Item>
                    {src === 'value' ? (
                      <Form.Item name={[f.name, 'value']} label={t('wizard.envValue')}>
                        <Input style={{ width: 200 }} data-testid={`wizard-env-value-${f.name}`} />
                      </Form.Item>
                    ) : (
                      <>
                        <Form.Item name={[f.name, 'ref']} label={src === 'configMap' ? 'ConfigMap' : 'Secret'} rules={[{ required: true }]}>
                          <AutoComplete style={{ width: 180 }} options={src === 'configMap' ? configMaps : secrets} filterOption />
                        </Form.Item>
                        <Form.Item name={[f.name, 'key']} label={t('wizard.envKey')} tooltip={t('wizard.envKeyTip')}>
                          <Input style={{ width: 140 }} />
                        </Form.Item>
                      </>
                    )}
                    <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} style={{ marginTop: 30 }} aria-label={t('common.delete')} />
                  </Space>
                );
              })}
              <Button icon={<PlusOutlined />} onClick={() => add({ source: 'value' })} data-testid="wizard-add-env">
                {t('wizard.addEnv')}
              </Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card size="small" title={t('wizard.resources')} style={{ marginBottom: 16 }}>
        <Space wrap align="start">
          <Form.Item name="cpuRequest" label={t('wizard.cpuRequest')} rules={[quantity]}>
            <Input placeholder="100m" style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="cpuLimit" label={t('wizard.cpuLimit')} rules={[quantity]}>
            <Input placeholder="500m" style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="memoryRequest" label={t('wizard.memoryRequest')} rules={[quantity]}>
            <Input placeholder="128Mi" style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="memoryLimit" label={t('wizard.memoryLimit')} rules={[quantity]}>
            <Input placeholder="256Mi" style={{ width: 120 }} />
          </Form.Item>
        </Space>
        <Form.Item name="command" label={t('wizard.command')} tooltip={t('wizard.commandTip')} style={{ marginBottom: 0 }}>
          <Input placeholder='sh -c "echo hello"' className="kd-mono" />
        </Form.Item>
      </Card>
      <ProbeFields t={t} name="liveness" title={t('wizard.liveness')} />
      <ProbeFields t={t} name="readiness" title={t('wizard.readiness')} />
    </>
  );
}

function StorageStep({ t, configMaps, secrets, pvcs }: { t: T; configMaps: Opt[]; secrets: Opt[]; pvcs: Opt[] }) {
  const form = Form.useFormInstance<WizardValues>();
  const volumes = Form.useWatch('volumes', form) ?? [];
  const tolerations = Form.useWatch('tolerations', form) ?? [];
  return (
    <>
      <Card size="small" title={t('wizard.volumes')} style={{ marginBottom: 16 }}>
        <Form.List name="volumes">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => {
                const src = volumes[f.name]?.source ?? 'configMap';
                return (
                  <Space key={f.key} align="start" wrap>
                    <Form.Item name={[f.name, 'source']} label={t('wizard.volumeSource')} initialValue="configMap">
                      <Select style={{ width: 130 }} options={[{ value: 'configMap', label: 'ConfigMap' }, { value: 'secret', label: 'Secret' }, { value: 'pvc', label: 'PVC' }]} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'ref']} label={t('resource.name')} rules={[{ required: true }]}>
                      <AutoComplete style={{ width: 180 }} options={src === 'configMap' ? configMaps : src === 'secret' ? secrets : pvcs} filterOption />
                    </Form.Item>
                    <Form.Item name={[f.name, 'mountPath']} label={t('wizard.mountPath')} rules={[{ required: true }]}>
                      <Input placeholder="/etc/config" style={{ width: 180 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'name']} label={t('wizard.volumeName')} tooltip={t('wizard.volumeNameTip')}>
                      <Input style={{ width: 140 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'readOnly']} label={t('wizard.readOnly')} valuePropName="checked">
                      <Switch size="small" />
                    </Form.Item>
                    <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} style={{ marginTop: 30 }} aria-label={t('common.delete')} />
                  </Space>
                );
              })}
              <Button icon={<PlusOutlined />} onClick={() => add({ source: 'configMap' })} data-testid="wizard-add-volume">
                {t('wizard.addVolume')}
              </Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card size="small" title={t('wizard.nodeSelector')} style={{ marginBottom: 16 }}>
        <Form.List name="nodeSelector">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="start">
                  <Form.Item name={[f.name, 'key']} rules={[{ required: true }]}>
                    <Input placeholder="disktype" style={{ width: 200 }} />
                  </Form.Item>
                  =
                  <Form.Item name={[f.name, 'value']}>
                    <Input placeholder="ssd" style={{ width: 160 }} />
                  </Form.Item>
                  <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('common.delete')} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({})}>
                {t('wizard.addSelector')}
              </Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card size="small" title={t('wizard.tolerations')} style={{ marginBottom: 16 }}>
        <Form.List name="tolerations">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="start" wrap>
                  <Form.Item name={[f.name, 'key']} label={t('wizard.tolerationKey')}>
                    <Input placeholder="dedicated" style={{ width: 180 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'operator']} label={t('wizard.operator')} initialValue="Equal">
                    <Select style={{ width: 100 }} options={[{ value: 'Equal' }, { value: 'Exists' }]} />
                  </Form.Item>
                  {tolerations[f.name]?.operator !== 'Exists' && (
                    <Form.Item name={[f.name, 'value']} label={t('wizard.envValue')}>
                      <Input style={{ width: 140 }} />
                    </Form.Item>
                  )}
                  <Form.Item name={[f.name, 'effect']} label={t('wizard.effect')} initialValue="">
                    <Select style={{ width: 170 }} options={[{ value: '', label: t('wizard.anyEffect') }, { value: 'NoSchedule' }, { value: 'PreferNoSchedule' }, { value: 'NoExecute' }]} />
                  </Form.Item>
                  <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} style={{ marginTop: 30 }} aria-label={t('common.delete')} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ operator: 'Equal', effect: '' })}>
                {t('wizard.addToleration')}
              </Button>
            </>
          )}
        </Form.List>
      </Card>
    </>
  );
}
