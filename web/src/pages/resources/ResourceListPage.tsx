// One list page for every kind (issue 13): the kind's kubectl columns (wide ones behind a toggle), status colours,
// server-side paging, filters in the URL, bulk delete, create in the YAML editor, live or stale.
import { useEffect, useMemo, useState } from 'react';
import { Alert, App, AutoComplete, Button, Input, Select, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import type { ColumnsType } from 'antd/es/table';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { deleteResource, listResources, type KindInfo, type ResourceRow } from '../../api/resources';
import { ErrorAlert, PageHeader } from '../../components/common';
import { formatAge, formatDateTime } from '../../lib/format';
import { patchParams, sortOrderOf, tableChangePatch, type ParamPatch } from '../../lib/urlstate';
import {
  canDeleteKind,
  canWriteKind,
  columnFiltersOf,
  createTemplate,
  formatCell,
  kindPlural,
  listQueryOf,
  namespaceParam,
  NONE,
  objectHref,
  visibleColumns,
} from '../../lib/resources';
import { useKinds, useResourceList } from '../../lib/useKinds';
import { DeleteDialog, HealthTag, LiveTag, StaleAlert, YamlEditor, type DeleteOptions } from './common';
// the deploy wizard and the HPA form for the kinds that have one (issue 14)
import { CreateByForm } from '../workloads/CreateByForm';

const rowKey = (r: Pick<ResourceRow, 'namespace' | 'name'>) => (r.namespace ? `${r.namespace}/${r.name}` : r.name);

/** Deletes in small parallel batches; what failed is reported, the rest is done. */
async function deleteAll(run: (r: ResourceRow) => Promise<unknown>, rows: ResourceRow[], width = 4): Promise<{ name: string; error: unknown }[]> {
  const failures: { name: string; error: unknown }[] = [];
  for (let i = 0; i < rows.length; i += width) {
    await Promise.all(
      rows.slice(i, i + width).map((r) =>
        run(r).catch((error) => {
          failures.push({ name: rowKey(r), error });
        }),
      ),
    );
  }
  return failures;
}

export default function ResourceListPage() {
  const { clusterId = '', name = '' } = useParams();
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const set = (patch: ParamPatch) => setParams((prev) => patchParams(prev, patch), { replace: true });
  const registry = useKinds(clusterId);
  const known = registry.byName(name);
  // the list waits for the registry (its column keys are the URL's column filters), unless the registry failed
  const registrySettled = registry.query.isFetched || registry.query.isError;
  const query = listQueryOf(params, known?.columns ?? [], known?.namespaced ?? true);
  const q = useResourceList(clusterId, name, query, registrySettled);
  const columns = q.data?.columns ?? known?.columns ?? [];
  const namespaced = q.data?.namespaced ?? known?.namespaced ?? true;
  const kind: KindInfo = known ?? {
    name,
    kind: q.data?.kind ?? name,
    group: q.data?.api_version.includes('/') ? q.data.api_version.split('/')[0] : '',
    version: q.data?.api_version.split('/').pop() ?? null,
    namespaced,
    category: 'custom_resources',
    tier: 'platform',
    columns,
  };
  const wide = params.get('wide') === '1';
  const shown = visibleColumns(columns, wide);
  const hasWide = columns.some((c) => c.wide);
  const label = kindPlural(kind.kind);
  const mayWrite = canWriteKind(me, kind) && kind.version !== null;
  const mayDelete = canDeleteKind(me, kind);

  const [selected, setSelected] = useState<ResourceRow[]>([]);
  const [deleting, setDeleting] = useState(false);
  const [deletePending, setDeletePending] = useState(false);
  const [failures, setFailures] = useState<{ name: string; error: unknown }[]>([]);
  const [creating, setCreating] = useState(false);

  // namespaces to pick from (a user bound to one namespace may not list them: then the box takes typed names)
  const namespaces = useQuery({
    queryKey: ['resources', clusterId, 'namespaces', 'options'],
    queryFn: () => listResources(clusterId, 'namespaces', { page_size: 500, sort: 'name' }),
    enabled: namespaced && registrySettled,
    staleTime: 60_000,
    retry: false,
  });
  const nsValue = query.namespace ? query.namespace.split(',') : [];
  const statuses = useMemo(() => [...new Set((q.data?.items ?? []).map((r) => r.status).filter((s): s is string => !!s))].sort(), [q.data]);
  const anyStatus = statuses.length > 0 || !!query.status;
  // what is typed in the status box (the URL's status once chosen or entered)
  const [statusText, setStatusText] = useState(query.status ?? '');
  useEffect(() => setStatusText(query.status ?? ''), [query.status]);
  const sort = query.sort;
  const sorted = (key: string) => ({ sorter: true, sortOrder: sortOrderOf(sort, key) });

  const tableColumns: ColumnsType<ResourceRow> = [
    {
      title: t('resource.name'),
      key: 'name',
      ...sorted('name'),
      render: (_: unknown, r) => <Link to={objectHref(clusterId, name, r.namespace, r.name)}>{r.name}</Link>,
    },
    ...(namespaced ? [{ title: t('resource.namespace'), key: 'namespace', ...sorted('namespace'), render: (_: unknown, r: ResourceRow) => r.namespace ?? '' }] : []),
    ...(anyStatus ? [{ title: t('resource.status'), key: 'status', ...sorted('status'), render: (_: unknown, r: ResourceRow) => <HealthTag status={r.status} health={r.health} /> }] : []),
    ...shown.map((c) => {
      const i = columns.indexOf(c);
      return {
        title: <Tooltip title={c.wide ? t('resource.wideColumn') : undefined}>{c.header}</Tooltip>,
        key: c.key,
        ...sorted(c.key),
        render: (_: unknown, r: ResourceRow) => {
          const v = r.cells[i] ?? null;
          const text = formatCell(c, v);
          if (text === NONE) return <Typography.Text type="secondary">{NONE}</Typography.Text>;
          if (c.type === 'date') return <Tooltip title={formatDateTime(v, lang)}>{text}</Tooltip>;
          return <span className={c.type === 'text' && text.length > 24 ? 'kd-mono' : undefined}>{text}</span>;
        },
      };
    }),
    {
      title: t('common.age'),
      key: 'age',
      ...sorted('age'),
      render: (_: unknown, r) => <Tooltip title={formatDateTime(r.created_at, lang)}>{formatAge(r.created_at)}</Tooltip>,
    },
  ];

  const runDelete = async (o: DeleteOptions) => {
    setDeletePending(true);
    const rows = selected;
    const failed = await deleteAll(
      (r) => deleteResource(clusterId, kind, { name: r.name, namespace: r.namespace }, { propagation: o.propagation, grace_period_seconds: o.grace ?? undefined }),
      rows,
    );
    setDeletePending(false);
    qc.invalidateQueries({ queryKey: ['resources', clusterId, name] });
    if (rows.length > failed.length) message.success(t('resource.deletedMany', { count: rows.length - failed.length }));
    setFailures(failed);
    setSelected(rows.filter((r) => failed.some((f) => f.name === rowKey(r))));
    if (!failed.length) setDeleting(false);
  };

  const columnFilters = columnFiltersOf(params, columns);

  return (
    <>
      <PageHeader
        title={
          <Space>
            {label}
            <LiveTag list={q.data} pushed={q.pushed} />
          </Space>
        }
        sub={
          q.data ? (
            <span>
              {t('resource.count', { count: q.data.total })} · <span className="kd-mono">{q.data.api_version}</span>
            </span>
          ) : undefined
        }
        extra={
          <>
            <Button icon={<ReloadOutlined />} onClick={() => q.refetch()} loading={q.isFetching}>
              {t('common.refresh')}
            </Button>
            {mayDelete && (
              <Button danger icon={<DeleteOutlined />} disabled={!selected.length} onClick={() => setDeleting(true)} data-testid="bulk-delete">
                {selected.length ? t('resource.deleteSelected', { count: selected.length }) : t('common.delete')}
              </Button>
            )}
            {mayWrite && <CreateByForm clusterId={clusterId} kind={kind} namespace={nsValue.length === 1 ? nsValue[0] : null} />}
            {mayWrite && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="resource-create">
                {t('common.create')}
              </Button>
            )}
          </>
        }
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          key={`name-${query.name ?? ''}`}
          allowClear
          defaultValue={query.name}
          placeholder={t('resource.searchName')}
          style={{ width: 220 }}
          onSearch={(v) => set({ name: v.trim() })}
          data-testid="resource-name-filter"
        />
        {namespaced && (
          <Select
            mode="tags"
            allowClear
            placeholder={t('resource.allNamespaces')}
            style={{ minWidth: 220 }}
            value={nsValue}
            onChange={(v: string[]) => set({ namespace: namespaceParam(v) })}
            options={(namespaces.data?.items ?? []).map((n) => ({ value: n.name, label: n.name }))}
            tokenSeparators={[',']}
            maxTagCount="responsive"
            data-testid="resource-namespace-filter"
          />
        )}
        <Input.Search
          key={`sel-${query.label_selector ?? ''}`}
          allowClear
          defaultValue={query.label_selector}
          className="kd-mono"
          placeholder={t('pod.labelSelector')}
          style={{ width: 260 }}
          onSearch={(v) => set({ label_selector: v.trim() })}
          data-testid="resource-selector-filter"
        />
        {anyStatus && (
          <AutoComplete
            allowClear
            style={{ width: 180 }}
            placeholder={t('resource.statusFilter')}
            value={statusText}
            options={statuses.filter((s) => !statusText || s.toLowerCase().includes(statusText.toLowerCase())).map((s) => ({ value: s }))}
            onSelect={(v?: string) => set({ status: v })}
            onChange={(v?: string) => {
              setStatusText(v ?? '');
              if (!v) set({ status: undefined });
            }}
            onInputKeyDown={(e) => e.key === 'Enter' && set({ status: statusText.trim() })}
            data-testid="resource-status-filter"
          />
        )}
        {hasWide && (
          <Space size={4}>
            <Switch size="small" checked={wide} onChange={(v) => set({ wide: v ? 1 : undefined, page: params.get('page') })} data-testid="resource-wide" />
            <Typography.Text>{t('resource.wide')}</Typography.Text>
          </Space>
        )}
        {query.owner && (
          <Tag closable onClose={() => set({ owner: undefined })}>
            {t('resource.ownerFilter', { owner: query.owner })}
          </Tag>
        )}
        {columnFilters.map((f) => (
          <Tag key={f.column.key} closable onClose={() => set({ [f.column.key]: undefined })}>
            {f.column.header}={f.value}
          </Tag>
        ))}
      </Space>
      <StaleAlert list={q.data} />
      {known && known.version === null && <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('resource.notServed', { kind: label })} />}
      <ErrorAlert error={q.error} />
      <Table<ResourceRow>
        size="small"
        rowKey={rowKey}
        dataSource={q.data?.items ?? []}
        loading={q.isLoading || !registrySettled}
        columns={tableColumns}
        scroll={{ x: 'max-content' }}
        data-testid="resource-table"
        rowSelection={
          mayDelete
            ? {
                selectedRowKeys: selected.map(rowKey),
                // keeps rows picked on other pages
                preserveSelectedRowKeys: true,
                onChange: (_, rows) => setSelected(rows.filter(Boolean)),
              }
            : undefined
        }
        onChange={(pagination, _, sorter, extra) => set(tableChangePatch(pagination, sorter, extra.action))}
        pagination={{
          current: query.page,
          pageSize: query.page_size,
          total: q.data?.total,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100, 200, 500],
          showTotal: (n) => <Typography.Text type="secondary">{t('resource.count', { count: n })}</Typography.Text>,
        }}
      />
      {deleting && (
        <DeleteDialog
          names={selected.map(rowKey)}
          kindLabel={kind.kind}
          pending={deletePending}
          failures={failures}
          onConfirm={runDelete}
          onCancel={() => {
            setDeleting(false);
            setFailures([]);
          }}
        />
      )}
      {creating && (
        <YamlEditor
          clusterId={clusterId}
          kind={kind}
          mode="create"
          template={createTemplate(kind, nsValue.length === 1 ? nsValue[0] : null)}
          defaultNamespace={nsValue.length === 1 ? nsValue[0] : null}
          onClose={() => setCreating(false)}
          onApplied={(r) => {
            setCreating(false);
            qc.invalidateQueries({ queryKey: ['resources', clusterId] });
            const only = r.results.length === 1 ? r.results[0] : null;
            // one object of this kind: open it
            if (only?.name && (!only.kind || only.kind === kind.kind)) navigate(objectHref(clusterId, name, namespaced ? only.namespace : null, only.name));
          }}
        />
      )}
    </>
  );
}
