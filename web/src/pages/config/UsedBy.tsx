// Which workloads and pods use a ConfigMap or Secret, and how (env, envFrom, volume, imagePullSecrets) (issue 15):
// what a change touches.
import { Card, Space, Table, Tag } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { objectHref } from '../../lib/resources';
import type { Usage } from '../network/api';
import { podHref } from '../network/ServicePanel';

export function UsedBy({ clusterId, ns, usedBy }: { clusterId: string; ns: string; usedBy: Usage[] }) {
  const { t } = useI18n();
  return (
    <Card size="small" title={t('usedBy.title', { n: usedBy.length })}>
      <Table
        size="small"
        rowKey={(u) => `${u.kind}/${u.name}`}
        dataSource={usedBy}
        pagination={usedBy.length > 10 ? { pageSize: 10 } : false}
        locale={{ emptyText: t('usedBy.none') }}
        data-testid="used-by"
        columns={[
          { title: t('resource.kind'), dataIndex: 'kind', width: 130 },
          {
            title: t('resource.name'),
            key: 'name',
            render: (_: unknown, u) => <Link to={u.kind === 'Pod' ? podHref(clusterId, ns, u.name) : objectHref(clusterId, u.resource, ns, u.name)}>{u.name}</Link>,
          },
          {
            title: t('usedBy.how'),
            dataIndex: 'uses',
            render: (uses: string[]) => (
              <Space size={[4, 4]} wrap>
                {uses.map((x) => (
                  <Tag key={x}>{t(`usedBy.use.${x}`)}</Tag>
                ))}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
