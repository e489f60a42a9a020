import { useState } from 'react';
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Select, Space, Switch, Table, Tag, Tooltip } from 'antd';
import { DeleteOutlined, EditOutlined, MinusCircleOutlined, PlusOutlined, SafetyOutlined, UserAddOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createUser, deleteUser, listUsers, setUserBindings, updateUser } from '../../api/admin';
import { listClusters } from '../../api/clusters';
import type { Role, RoleBinding, User } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { errorText } from '../../lib/errors';
import { ErrorAlert, PageHeader, TimeAgo } from '../../components/common';

export const ROLES = ['platform-admin', 'cluster-admin', 'operator', 'viewer'] as const;

export function bindingLabel(b: RoleBinding, clusterName: (id: string) => string, t: (k: string) => string): string {
  const scope = b.cluster_id === null || b.cluster_id === undefined ? t('users.allClusters') : clusterName(String(b.cluster_id));
  return `${t(`role.${b.role}`)} · ${scope}${b.namespace ? `/${b.namespace}` : ''}`;
}

export default function UsersPage() {
  const { t } = useI18n();
  const { me } = useAuth();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [binding, setBinding] = useState<User | null>(null);

  const users = useQuery({
    queryKey: ['users', { page, pageSize, search }],
    queryFn: () => listUsers({ page, page_size: pageSize, q: search || undefined }),
    placeholderData: keepPreviousData,
  });
  const clusters = useQuery({ queryKey: ['clusters', 'switcher'], queryFn: () => listClusters({ page: 1, page_size: 200 }) });
  const clusterName = (id: string) => clusters.data?.items.find((c) => String(c.id) === id)?.name ?? `#${id}`;

  const del = useMutation({
    mutationFn: (u: User) => deleteUser(u.id),
    onSuccess: (_, u) => {
      message.success(t('users.deleted', { name: u.username }));
      qc.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (e) => message.error(errorText(t, e)),
  });

  const admin = can(me, 'user.admin');

  return (
    <>
      <PageHeader
        title={t('nav.users')}
        extra={
          admin && (
            <Button type="primary" icon={<UserAddOutlined />} onClick={() => setCreating(true)} data-testid="create-user">
              {t('users.create')}
            </Button>
          )
        }
      />
      <Input.Search
        allowClear
        placeholder={t('users.search')}
        style={{ width: 280, marginBottom: 16 }}
        onSearch={(v) => {
          setSearch(v.trim());
          setPage(1);
        }}
      />
      <ErrorAlert error={users.error} />
      <Table<User>
        rowKey="id"
        loading={users.isLoading}
        dataSource={users.data?.items}
        pagination={{
          current: page,
          pageSize,
          total: users.data?.total,
          showSizeChanger: true,
          onChange: (p, ps) => {
            setPage(p);
            setPageSize(ps);
          },
        }}
        columns={[
          { title: t('users.username'), dataIndex: 'username' },
          { title: t('users.displayName'), dataIndex: 'display_name' },
          {
            title: t('users.roles'),
            dataIndex: 'bindings',
            render: (bs: RoleBinding[]) => (
              <Space size={[4, 4]} wrap>
                {(bs ?? []).map((b, i) => (
                  <Tag key={i} color={b.role === 'platform-admin' ? 'magenta' : b.role === 'cluster-admin' ? 'volcano' : b.role === 'operator' ? 'blue' : 'default'}>
                    {bindingLabel(b, clusterName, t)}
                  </Tag>
                ))}
                {!bs?.length && <Tag>{t('users.noRoles')}</Tag>}
              </Space>
            ),
          },
          {
            title: t('users.state'),
            render: (_: unknown, u) => (
              <Space size={4}>
                {u.disabled ? <Tag color="red">{t('users.disabled')}</Tag> : <Tag color="green">{t('users.active')}</Tag>}
                {u.must_change_password && <Tag color="gold">{t('users.mustChange')}</Tag>}
              </Space>
            ),
          },
          { title: t('common.created'), dataIndex: 'created_at', render: (v: string) => <TimeAgo at={v} /> },
          {
            title: t('common.actions'),
            render: (_: unknown, u) => (
              <Space size={0}>
                <Tooltip title={t('common.edit')}>
                  <Button type="text" icon={<EditOutlined />} onClick={() => setEditing(u)} />
                </Tooltip>
                <Tooltip title={t('users.editRoles')}>
                  <Button type="text" icon={<SafetyOutlined />} onClick={() => setBinding(u)} data-testid={`roles-${u.username}`} />
                </Tooltip>
                <Popconfirm
                  title={t('users.deleteConfirm', { name: u.username })}
                  okText={t('common.delete')}
                  okButtonProps={{ danger: true }}
                  cancelText={t('common.cancel')}
                  onConfirm={() => del.mutate(u)}
                  disabled={String(u.id) === String(me?.id)}
                >
                  <Button type="text" danger icon={<DeleteOutlined />} disabled={String(u.id) === String(me?.id)} />
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <CreateUserDialog open={creating} onClose={() => setCreating(false)} />
      <EditUserDialog user={editing} onClose={() => setEditing(null)} />
      <BindingsDialog user={binding} onClose={() => setBinding(null)} clusterOptions={(clusters.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }))} />
    </>
  );
}

function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: createUser,
    onSuccess: (u) => {
      message.success(t('users.created', { name: u?.username ?? '' }));
      qc.invalidateQueries({ queryKey: ['users'] });
      onClose();
    },
  });
  return (
    <Modal open={open} title={t('users.create')} onOk={() => form.submit()} confirmLoading={m.isPending} onCancel={() => { m.reset(); onClose(); }} destroyOnHidden okText={t('common.create')}>
      <Form form={form} layout="vertical" preserve={false} onFinish={(v) => m.mutate(v)}>
        <Form.Item name="username" label={t('users.username')} rules={[{ required: true, message: t('login.usernameRequired') }]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="display_name" label={t('users.displayName')}>
          <Input />
        </Form.Item>
        <Form.Item name="password" label={t('users.initialPassword')} extra={t('users.initialPasswordHint')} rules={[{ required: true, message: t('login.passwordRequired') }, { min: 8, message: t('password.tooShort', { min: 8 }) }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
      {m.error && <Alert type="error" showIcon message={errorText(t, m.error)} />}
    </Modal>
  );
}

function EditUserDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: (v: { display_name: string; disabled: boolean; password?: string }) =>
      updateUser(user!.id, { display_name: v.display_name, disabled: v.disabled, ...(v.password ? { password: v.password } : {}) }),
    onSuccess: () => {
      message.success(t('common.saved'));
      qc.invalidateQueries({ queryKey: ['users'] });
      onClose();
    },
  });
  return (
    <Modal open={!!user} title={t('users.editTitle', { name: user?.username })} onOk={() => form.submit()} confirmLoading={m.isPending} onCancel={() => { m.reset(); onClose(); }} destroyOnHidden okText={t('common.save')}>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ display_name: user?.display_name, disabled: user?.disabled }} onFinish={(v) => m.mutate(v)}>
        <Form.Item name="display_name" label={t('users.displayName')}>
          <Input />
        </Form.Item>
        <Form.Item name="disabled" label={t('users.disabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="password" label={t('users.resetPassword')} extra={t('users.resetPasswordHint')} rules={[{ min: 8, message: t('password.tooShort', { min: 8 }) }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
      {m.error && <Alert type="error" showIcon message={errorText(t, m.error)} />}
    </Modal>
  );
}

function BindingsDialog({ user, onClose, clusterOptions }: { user: User | null; onClose: () => void; clusterOptions: { value: string; label: string }[] }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: (v: { bindings: { role: string; cluster_id?: string; namespace?: string }[] }) =>
      setUserBindings(
        user!.id,
        (v.bindings ?? []).map((b) => ({
          role: b.role as Role,
          cluster_id: b.cluster_id ? Number(b.cluster_id) : null,
          namespace: b.namespace?.trim() || null,
        })),
      ),
    onSuccess: () => {
      message.success(t('common.saved'));
      qc.invalidateQueries({ queryKey: ['users'] });
      onClose();
    },
  });
  return (
    <Modal open={!!user} width={720} title={t('users.rolesTitle', { name: user?.username })} onOk={() => form.submit()} confirmLoading={m.isPending} onCancel={() => { m.reset(); onClose(); }} destroyOnHidden okText={t('common.save')}>
      <Form
        form={form}
        preserve={false}
        initialValues={{
          bindings: (user?.bindings ?? []).map((b) => ({ role: b.role, cluster_id: b.cluster_id === null || b.cluster_id === undefined ? undefined : String(b.cluster_id), namespace: b.namespace ?? '' })),
        }}
        onFinish={(v) => m.mutate(v)}
      >
        <Form.List name="bindings">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" style={{ display: 'flex' }}>
                  <Form.Item name={[f.name, 'role']} rules={[{ required: true, message: t('users.roleRequired') }]}>
                    <Select style={{ width: 170 }} placeholder={t('users.role')} options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'cluster_id']}>
                    <Select style={{ width: 200 }} allowClear placeholder={t('users.allClusters')} options={clusterOptions} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'namespace']}>
                    <Input style={{ width: 170 }} placeholder={t('users.allNamespaces')} />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button type="dashed" onClick={() => add({ role: 'viewer' })} icon={<PlusOutlined />} block data-testid="add-binding">
                {t('users.addBinding')}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
      <Alert type="info" showIcon style={{ marginTop: 12 }} message={t('users.rolesHelp')} />
      {m.error && <Alert type="error" showIcon message={errorText(t, m.error)} style={{ marginTop: 12 }} />}
    </Modal>
  );
}
