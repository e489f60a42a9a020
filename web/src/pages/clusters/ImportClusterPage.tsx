import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Result, Select, Space, Steps, Upload } from 'antd';
import { useAuth } from '../../auth';
import { canImportClusters } from '../../lib/permissions';
import { InboxOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { importCluster, preflightCluster } from '../../api/clusters';
import { ApiError } from '../../api/client';
import type { Cluster, ClusterImportRequest, Preflight } from '../../api/types';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { PageHeader } from '../../components/common';
import { PreflightReport } from './PreflightReport';
import { suggestName } from '../../lib/view';

interface Draft {
  name: string;
  description: string;
  credential: string;
}

/** The wizard, or for a user who may not import clusters a page that says so (the entry points are hidden too). */
export default function ImportClusterPage() {
  const { me, meLoading } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  if (meLoading && !me) return <Card loading />;
  if (!canImportClusters(me))
    return (
      <div data-testid="import-forbidden">
        <Result
          status="403"
          title={t('cluster.importForbidden')}
          subTitle={t('cluster.importForbiddenBody')}
          extra={<Button type="primary" onClick={() => navigate('/clusters')}>{t('notFound.home')}</Button>}
        />
      </div>
    );
  return <ImportWizard />;
}

function ImportWizard() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<Draft>();
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [context, setContext] = useState<string | undefined>();
  const [preflight, setPreflight] = useState<Preflight | null>(null);
  const [created, setCreated] = useState<Cluster | null>(null);

  const check = useMutation({
    mutationFn: (req: ClusterImportRequest) => preflightCluster(req),
    onSuccess: (r) => {
      setPreflight(r.preflight);
      if (!context && r.preflight.context) setContext(r.preflight.context);
      setStep(1);
    },
    onError: (e) => {
      // a refused kubeconfig may still carry a partial report
      if (e instanceof ApiError && e.body?.preflight) setPreflight(e.body.preflight);
      else setPreflight(null);
    },
  });

  const create = useMutation({
    mutationFn: () => importCluster({ ...draft!, context }),
    onSuccess: (r) => {
      setCreated(r.cluster);
      setPreflight(r.preflight ?? preflight);
      qc.invalidateQueries({ queryKey: ['clusters'] });
      setStep(2);
    },
  });

  const runPreflight = (d: Draft, ctx?: string) => {
    setDraft(d);
    check.mutate({ ...d, context: ctx });
  };

  const onUpload = async (file: File) => {
    const text = await file.text();
    form.setFieldValue('credential', text);
    if (!form.getFieldValue('name')) form.setFieldValue('name', suggestName(text));
    return false;
  };

  const fieldErr = check.error instanceof ApiError ? check.error.field : undefined;

  return (
    <>
      <PageHeader title={t('import.title')} sub={t('import.subtitle')} />
      <Card>
        <Steps
          current={step}
          style={{ marginBottom: 24 }}
          items={[{ title: t('import.step.kubeconfig') }, { title: t('import.step.preflight') }, { title: t('import.step.done') }]}
        />
        {step === 0 && (
          <Form<Draft>
            form={form}
            layout="vertical"
            initialValues={draft ?? { name: '', description: '', credential: '' }}
            onFinish={(v) => {
              setContext(undefined);
              runPreflight(v);
            }}
            onValuesChange={(ch) => {
              if (ch.credential && !form.getFieldValue('name')) form.setFieldValue('name', suggestName(ch.credential));
            }}
          >
            <Form.Item
              name="name"
              label={t('cluster.name')}
              rules={[{ required: true, message: t('cluster.nameRequired') }]}
              validateStatus={fieldErr === 'name' ? 'error' : undefined}
            >
              <Input maxLength={63} placeholder="prod-shanghai" id="cluster-name" />
            </Form.Item>
            <Form.Item name="description" label={t('cluster.description')}>
              <Input maxLength={500} id="cluster-description" />
            </Form.Item>
            <Form.Item
              name="credential"
              label={t('import.kubeconfig')}
              extra={t('import.kubeconfigHint')}
              rules={[{ required: true, message: t('import.kubeconfigRequired') }]}
              validateStatus={fieldErr === 'credential' ? 'error' : undefined}
            >
              <Input.TextArea rows={12} className="kd-mono" spellCheck={false} placeholder={'apiVersion: v1\nkind: Config\nclusters: ...'} id="kubeconfig" />
            </Form.Item>
            <Upload.Dragger accept=".kubeconfig,.yaml,.yml,.conf,text/*" maxCount={1} showUploadList={false} beforeUpload={onUpload} style={{ marginBottom: 16 }}>
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p>{t('import.upload')}</p>
            </Upload.Dragger>
            {check.error && (
              <Alert type="error" showIcon message={errorText(t, check.error)} style={{ marginBottom: 16 }} data-testid="import-error" />
            )}
            {check.error && preflight && <PreflightReport preflight={preflight} />}
            <Space style={{ marginTop: 16 }}>
              <Button onClick={() => navigate('/clusters')}>{t('common.cancel')}</Button>
              <Button type="primary" htmlType="submit" loading={check.isPending} data-testid="run-preflight">
                {t('import.check')}
              </Button>
            </Space>
          </Form>
        )}
        {step === 1 && preflight && (
          <Space direction="vertical" style={{ width: '100%' }} size="middle">
            {preflight.contexts.length > 1 && (
              <Space>
                <span>{t('cluster.context')}</span>
                <Select
                  style={{ minWidth: 280 }}
                  value={context ?? preflight.context ?? undefined}
                  data-testid="context-select"
                  onChange={(c) => {
                    setContext(c);
                    runPreflight(draft!, c);
                  }}
                  options={preflight.contexts.map((c) => ({ value: c, label: c }))}
                  loading={check.isPending}
                />
              </Space>
            )}
            {check.error && <Alert type="error" showIcon message={errorText(t, check.error)} />}
            <PreflightReport preflight={preflight} />
            {create.error && <Alert type="error" showIcon message={errorText(t, create.error)} data-testid="import-error" />}
            <Space>
              <Button onClick={() => setStep(0)}>{t('common.back')}</Button>
              <Button onClick={() => runPreflight(draft!, context)} loading={check.isPending}>
                {t('import.recheck')}
              </Button>
              <Button type="primary" disabled={!preflight.ok || (preflight.duplicate_of !== null && preflight.duplicate_of !== undefined)} loading={create.isPending} onClick={() => create.mutate()} data-testid="confirm-import">
                {t('import.confirm', { name: draft?.name })}
              </Button>
            </Space>
          </Space>
        )}
        {step === 2 && created && (
          <Result
            status="success"
            title={t('import.done', { name: created.name })}
            subTitle={t('import.doneHint')}
            extra={[
              <Button type="primary" key="open" onClick={() => navigate(`/clusters/${created.id}`)} data-testid="open-cluster">
                {t('import.open')}
              </Button>,
              <Button key="list" onClick={() => navigate('/clusters')}>
                {t('import.backToList')}
              </Button>,
            ]}
          />
        )}
      </Card>
    </>
  );
}
