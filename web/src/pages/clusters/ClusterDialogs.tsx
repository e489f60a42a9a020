import { useState } from 'react';
import { Alert, Form, Input, Modal, Typography, App } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteCluster, updateCluster } from '../../api/clusters';
import type { Cluster } from '../../api/types';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';

/** Delete needs the cluster's name typed back, so the wrong row is never deleted by a slip. */
export function DeleteClusterDialog({ cluster, onClose, onDeleted }: { cluster: Cluster | null; onClose: () => void; onDeleted?: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [typed, setTyped] = useState('');
  const del = useMutation({
    mutationFn: () => deleteCluster(cluster!.id),
    onSuccess: () => {
      message.success(t('cluster.deleted', { name: cluster?.name }));
      qc.invalidateQueries({ queryKey: ['clusters'] });
      setTyped('');
      onClose();
      onDeleted?.();
    },
  });
  return (
    <Modal
      open={!!cluster}
      title={t('cluster.deleteTitle', { name: cluster?.name })}
      okText={t('common.delete')}
      okButtonProps={{ danger: true, disabled: typed !== cluster?.name, loading: del.isPending, 'data-testid': 'confirm-delete' } as never}
      onOk={() => del.mutate()}
      onCancel={() => {
        setTyped('');
        del.reset();
        onClose();
      }}
      destroyOnHidden
    >
      <Typography.Paragraph>{t('cluster.deleteBody', { name: cluster?.name })}</Typography.Paragraph>
      <Typography.Paragraph>
        {t('cluster.deleteTypeName')} <Typography.Text code>{cluster?.name}</Typography.Text>
      </Typography.Paragraph>
      <Input value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={cluster?.name} data-testid="delete-name-input" />
      {del.error && <Alert type="error" showIcon message={errorText(t, del.error)} style={{ marginTop: 12 }} />}
    </Modal>
  );
}

export function EditClusterDialog({ cluster, onClose }: { cluster: Cluster | null; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const save = useMutation({
    mutationFn: (v: { name: string; description: string; credential?: string; context?: string }) =>
      updateCluster(cluster!.id, {
        name: v.name,
        description: v.description ?? '',
        ...(v.credential?.trim() ? { credential: v.credential, context: v.context || undefined } : {}),
      }),
    onSuccess: () => {
      message.success(t('common.saved'));
      qc.invalidateQueries({ queryKey: ['clusters'] });
      qc.invalidateQueries({ queryKey: ['cluster', String(cluster?.id)] });
      onClose();
    },
  });
  return (
    <Modal
      open={!!cluster}
      title={t('cluster.editTitle', { name: cluster?.name })}
      okText={t('common.save')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      onCancel={() => {
        save.reset();
        onClose();
      }}
      destroyOnHidden
      width={640}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ name: cluster?.name, description: cluster?.description ?? '' }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="name" label={t('cluster.name')} rules={[{ required: true, message: t('cluster.nameRequired') }]}>
          <Input maxLength={63} />
        </Form.Item>
        <Form.Item name="description" label={t('cluster.description')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Form.Item name="credential" label={t('cluster.replaceKubeconfig')} extra={t('cluster.replaceKubeconfigHint')}>
          <Input.TextArea rows={5} className="kd-mono" placeholder="apiVersion: v1&#10;kind: Config&#10;..." />
        </Form.Item>
        <Form.Item name="context" label={t('cluster.context')}>
          <Input placeholder={t('cluster.contextDefault')} />
        </Form.Item>
      </Form>
      {save.error && <Alert type="error" showIcon message={errorText(t, save.error)} />}
    </Modal>
  );
}
