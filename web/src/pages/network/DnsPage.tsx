// Cluster DNS (issue 15, spec 5.1 DNS 配置管理): CoreDNS' upstream resolvers, stub domains and host entries edited
// by form (GET/PUT .../dns, checked by the server before anything is saved, a dry run first), with the Corefile
// replaced kept for a one-click rollback (POST .../dns/rollback). A cluster without `kube-system/coredns` is said
// to run no CoreDNS Kubedeck can edit.
import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Popconfirm, Select, Space, Spin, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { api } from '../../api/client';
import type { components } from '../../api/schema';
import { ErrorAlert } from '../../components/common';

type ClusterDns = components['schemas']['ClusterDns'];
type DnsSettings = components['schemas']['DnsSettings'];

const dnsPath = (id: string) => `/k8s/cluster/${id}/dns`;
const getDns = (id: string) => api<ClusterDns>(dnsPath(id));
const putDns = (id: string, body: DnsSettings, dryRun: boolean) => api<ClusterDns>(dnsPath(id), { method: 'PUT', body, query: { dry_run: dryRun || undefined } });
const rollbackDns = (id: string) => api<ClusterDns>(`${dnsPath(id)}/rollback`, { method: 'POST', body: {} });

const tags = (testId: string, placeholder: string, width = 360) => <Select mode="tags" tokenSeparators={[',', ' ']} style={{ width }} placeholder={placeholder} data-testid={testId} />;

export function DnsPage() {
  const { clusterId = '' } = useParams();
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<DnsSettings>();
  const [checked, setChecked] = useState<string | null>(null);
  const q = useQuery({ queryKey: ['dns', clusterId], queryFn: () => getDns(clusterId) });
  const settings = q.data?.settings;
  useEffect(() => {
    if (settings) form.setFieldsValue(settings);
  }, [settings, form]);

  const save = useMutation({
    mutationFn: async (dry: boolean) => putDns(clusterId, await form.validateFields(), dry),
    onSuccess: (d) => {
      if (d.dry_run) return setChecked(d.corefile ?? '');
      setChecked(null);
      message.success(t('dnsForm.saved'));
      qc.setQueryData(['dns', clusterId], d);
    },
  });
  const rollback = useMutation({
    mutationFn: () => rollbackDns(clusterId),
    onSuccess: (d) => {
      message.success(t('dnsForm.rolledBack'));
      qc.setQueryData(['dns', clusterId], d);
    },
  });

  if (q.isLoading) return <Spin />;
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data?.found)
    return (
      <Card title={t('dnsForm.title')}>
        <Alert type="info" showIcon message={t('dnsForm.notFound')} data-testid="dns-not-found" />
      </Card>
    );
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card
        title={t('dnsForm.title')}
        extra={
          q.data.previous ? (
            <Popconfirm title={t('dnsForm.rollbackConfirm')} onConfirm={() => rollback.mutate()}>
              <Button loading={rollback.isPending} data-testid="dns-rollback">
                {t('dnsForm.rollback')}
              </Button>
            </Popconfirm>
          ) : null
        }
      >
        <Typography.Paragraph type="secondary">{t('dnsForm.help')}</Typography.Paragraph>
        <Form form={form} layout="vertical" data-testid="dns-form" onValuesChange={() => setChecked(null)}>
          <Form.Item name="upstreams" label={t('dnsForm.upstreams')} extra={t('dnsForm.upstreamsHelp')}>
            {tags('dns-upstreams', '8.8.8.8, /etc/resolv.conf', 480)}
          </Form.Item>
          <Typography.Text strong>{t('dnsForm.stubDomains')}</Typography.Text>
          <Form.List name="stub_domains">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="baseline" wrap>
                    <Form.Item name={[f.name, 'domain']} label={t('dnsForm.domain')} rules={[{ required: true }]}>
                      <Input style={{ width: 220 }} placeholder="corp.example" data-testid={`dns-stub-domain-${f.name}`} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'resolvers']} label={t('dnsForm.resolvers')} rules={[{ required: true }]}>
                      {tags(`dns-stub-resolvers-${f.name}`, '10.150.0.1')}
                    </Form.Item>
                    <MinusCircleOutlined onClick={() => remove(f.name)} />
                  </Space>
                ))}
                <div>
                  <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ domain: '', resolvers: [] })} data-testid="dns-add-stub">
                    {t('dnsForm.addStub')}
                  </Button>
                </div>
              </>
            )}
          </Form.List>
          <Typography.Text strong style={{ display: 'block', marginTop: 16 }}>
            {t('dnsForm.hosts')}
          </Typography.Text>
          <Form.List name="hosts">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="baseline" wrap>
                    <Form.Item name={[f.name, 'ip']} label={t('dnsForm.ip')} rules={[{ required: true }]}>
                      <Input style={{ width: 180 }} placeholder="10.0.0.5" data-testid={`dns-host-ip-${f.name}`} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'names']} label={t('dnsForm.names')} rules={[{ required: true }]}>
                      {tags(`dns-host-names-${f.name}`, 'registry.corp')}
                    </Form.Item>
                    <MinusCircleOutlined onClick={() => remove(f.name)} />
                  </Space>
                ))}
                <div>
                  <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ ip: '', names: [] })} data-testid="dns-add-host">
                    {t('dnsForm.addHost')}
                  </Button>
                </div>
              </>
            )}
          </Form.List>
        </Form>
        <Space style={{ marginTop: 16 }}>
          <Button onClick={() => save.mutate(true)} loading={save.isPending && save.variables} data-testid="dns-check">
            {t('dnsForm.check')}
          </Button>
          <Button type="primary" onClick={() => save.mutate(false)} loading={save.isPending && !save.variables} data-testid="dns-save">
            {t('common.save')}
          </Button>
        </Space>
        <ErrorAlert error={save.error ?? rollback.error} style={{ marginTop: 12 }} />
        {checked !== null && (
          <Alert style={{ marginTop: 12 }} type="success" showIcon data-testid="dns-check-ok" message={t('dnsForm.checkOk')} description={<pre className="kd-yaml kd-mono" style={{ maxHeight: 320, overflow: 'auto', margin: 0 }}>{checked}</pre>} />
        )}
      </Card>
      <Card title={t('dnsForm.corefile')} size="small">
        <pre className="kd-yaml kd-mono" style={{ margin: 0 }} data-testid="dns-corefile">
          {q.data.corefile}
        </pre>
      </Card>
    </Space>
  );
}

export default DnsPage;
