// A cluster's Events page (issue 16): the event archive searched by involved object kind and name, namespace,
// reason, type, message text and time (filters and page in the URL), newest first, with the warnings timeline and
// a "Sync now" that relists the cluster's events into the archive. Events stay here after the cluster's
// --event-ttl expires them.
import { App, Button, DatePicker, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { ReloadOutlined, SyncOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { useParams, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { ErrorAlert, PageHeader, TimeAgo } from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { intParam, patchParams, type ParamPatch } from '../../lib/urlstate';
import { searchEvents, searchFromParams, syncEvents, type ArchivedEvent } from './api';
import { WarningsTimeline } from './WarningsTimeline';

export default function EventsPage() {
  const { clusterId = '' } = useParams();
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const page = intParam(params.get('page'), 1);
  const pageSize = intParam(params.get('page_size'), 50, 500);
  const filters = searchFromParams(params);
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  const range: [Dayjs | null, Dayjs | null] | null = filters.from || filters.to ? [filters.from ? dayjs(filters.from) : null, filters.to ? dayjs(filters.to) : null] : null;

  const q = useQuery({
    queryKey: ['events', clusterId, filters, page, pageSize],
    queryFn: () => searchEvents(clusterId, { ...filters, page, page_size: pageSize }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const sync = useMutation({
    mutationFn: () => syncEvents(clusterId),
    onSuccess: (r) => {
      message.success(t('eventsPage.synced', { count: r.listed }));
      qc.invalidateQueries({ queryKey: ['events', clusterId] });
      qc.invalidateQueries({ queryKey: ['events-timeline', clusterId] });
    },
  });

  const text = (key: 'kind' | 'name' | 'namespace' | 'reason' | 'q', width: number) => (
    <Input.Search
      key={`${key}-${filters[key] ?? ''}`}
      allowClear
      defaultValue={filters[key]}
      placeholder={t(`eventsPage.filter.${key}`)}
      style={{ width }}
      onSearch={(v) => set({ [key]: v.trim() })}
      data-testid={`events-filter-${key}`}
    />
  );

  return (
    <>
      <PageHeader
        title={t('nav.events')}
        sub={q.data ? t(q.data.total_capped ? 'eventsPage.countCapped' : 'eventsPage.count', { count: q.data.total }) : undefined}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
              {t('common.refresh')}
            </Button>
            <Button icon={<SyncOutlined />} onClick={() => sync.mutate()} loading={sync.isPending} data-testid="events-sync">
              {t('eventsPage.sync')}
            </Button>
          </Space>
        }
      />
      <Typography.Paragraph type="secondary">{t('eventsPage.help')}</Typography.Paragraph>
      <ErrorAlert error={sync.error} />
      <div style={{ marginBottom: 16 }}>
        <WarningsTimeline clusterId={clusterId} />
      </div>
      <Space wrap style={{ marginBottom: 16 }}>
        {text('kind', 170)}
        {text('name', 180)}
        {text('namespace', 160)}
        {text('reason', 160)}
        <Select
          allowClear
          placeholder={t('events.type')}
          style={{ width: 130 }}
          value={filters.type}
          onChange={(v) => set({ type: v })}
          options={['Normal', 'Warning'].map((v) => ({ value: v, label: v }))}
          data-testid="events-filter-type"
        />
        {text('q', 220)}
        <DatePicker.RangePicker showTime value={range} onChange={(v) => set({ from: v?.[0]?.toISOString(), to: v?.[1]?.toISOString() })} />
      </Space>
      <ErrorAlert error={q.error} />
      <Table<ArchivedEvent>
        rowKey={(e) => e.uid ?? `${e.reason}-${e.last_seen}`}
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items}
        scroll={{ x: 1100 }}
        data-testid="events-table"
        locale={{ emptyText: t('eventsPage.none') }}
        pagination={{
          current: page,
          pageSize,
          total: q.data?.total,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100, 200],
          onChange: (p, ps) => set({ page: p, page_size: ps }),
        }}
        columns={[
          { title: t('events.type'), dataIndex: 'type', width: 90, render: (v: string) => <Tag color={v === 'Warning' ? 'orange' : 'default'}>{v}</Tag> },
          { title: t('events.reason'), dataIndex: 'reason', width: 150 },
          {
            title: t('events.object'),
            key: 'object',
            width: 220,
            render: (_: unknown, e) => (
              <span className="kd-mono">
                {e.involved_namespace ? `${e.involved_namespace}/` : ''}
                {e.involved_object ?? ''}
              </span>
            ),
          },
          { title: t('events.message'), dataIndex: 'message' },
          { title: t('events.source'), dataIndex: 'source', width: 150 },
          { title: t('events.count'), dataIndex: 'count', width: 70 },
          { title: t('eventsPage.firstSeen'), dataIndex: 'first_seen', width: 160, render: (v: string) => (v ? formatDateTime(v, lang) : '-') },
          { title: t('events.lastSeen'), dataIndex: 'last_seen', width: 120, render: (v: string) => <TimeAgo at={v} /> },
        ]}
      />
    </>
  );
}
