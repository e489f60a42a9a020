// A cluster's silences (issue 16): their matchers and window, who made them and why; expire one now, or make one.
import { Button, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { ErrorAlert, TimeAgo } from '../../components/common';
import { can } from '../../lib/permissions';
import { formatDateTime } from '../../lib/format';
import { expireSilence, listSilences, type Silence } from './api';
import { SilenceDialog } from './AlertsPage';
import { opOf } from './view';

const STATUS_COLOR: Record<string, string> = { active: 'purple', pending: 'blue', expired: 'default' };

export function SilencesTab({ clusterId }: { clusterId: string }) {
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const qc = useQueryClient();
  const write = can(me, 'alert.write');
  const [adding, setAdding] = useState(false);
  const q = useQuery({ queryKey: ['silences', clusterId], queryFn: () => listSilences(clusterId), refetchInterval: 30_000 });
  const done = () => {
    qc.invalidateQueries({ queryKey: ['silences', clusterId] });
    qc.invalidateQueries({ queryKey: ['alerts'] });
  };
  const expire = useMutation({ mutationFn: (s: Silence) => expireSilence(clusterId, s.id), onSuccess: done });
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Typography.Text type="secondary">{t('alerts.silencesHelp')}</Typography.Text>
        {write && (
          <Button icon={<PlusOutlined />} onClick={() => setAdding(true)}>
            {t('alerts.addSilence')}
          </Button>
        )}
      </Space>
      <ErrorAlert error={q.error ?? expire.error} />
      <Table<Silence>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data}
        data-testid="silences-table"
        locale={{ emptyText: t('alerts.noSilences') }}
        columns={[
          { title: t('alerts.silenceStatus'), dataIndex: 'status', width: 100, render: (s: string) => <Tag color={STATUS_COLOR[s]}>{t(`alerts.silence.${s}`)}</Tag> },
          {
            title: t('alerts.matchers'),
            dataIndex: 'matchers',
            render: (ms: Silence['matchers']) =>
              ms.map((m) => (
                <Tag key={`${m.name}${m.value}`} className="kd-mono">
                  {m.name}
                  {opOf(m)}
                  {m.value}
                </Tag>
              )),
          },
          { title: t('alerts.starts'), dataIndex: 'starts_at', width: 170, render: (v: string) => formatDateTime(v, lang) },
          { title: t('alerts.ends'), dataIndex: 'ends_at', width: 170, render: (v: string) => formatDateTime(v, lang) },
          { title: t('alerts.createdBy'), dataIndex: 'created_by', width: 120 },
          { title: t('alerts.comment'), dataIndex: 'comment' },
          { title: t('common.created'), dataIndex: 'created_at', width: 110, render: (v: string) => <TimeAgo at={v} /> },
          {
            title: t('common.actions'),
            key: 'actions',
            width: 100,
            render: (_: unknown, s) =>
              write && s.status !== 'expired' ? (
                <Popconfirm title={t('alerts.expireConfirm')} onConfirm={() => expire.mutate(s)}>
                  <Button size="small">{t('alerts.expire')}</Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
      {adding && <SilenceDialog clusterId={clusterId} matchers={[{ name: 'alertname', value: '', is_equal: true }]} onClose={() => setAdding(false)} onDone={done} />}
    </>
  );
}
