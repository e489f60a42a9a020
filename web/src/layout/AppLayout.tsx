import { useEffect, useMemo, useState } from 'react';
import { Button, Dropdown, Input, Layout, Menu, Select, Space, Spin, Typography, theme } from 'antd';
import {
  AlertOutlined,
  BellOutlined,
  BarChartOutlined,
  CloudUploadOutlined,
  AuditOutlined,
  NotificationOutlined,
  ClusterOutlined,
  DashboardOutlined,
  DesktopOutlined,
  FileTextOutlined,
  AppstoreOutlined,
  LogoutOutlined,
  KeyOutlined,
  TeamOutlined,
  UserOutlined,
  ReadOutlined,
  RocketOutlined,
  ScheduleOutlined,
  BlockOutlined,
  ApiOutlined,
  SettingOutlined,
  DatabaseOutlined,
  HddOutlined,
  SafetyOutlined,
  SafetyCertificateOutlined,
  PartitionOutlined,
  ExperimentOutlined,
  ToolOutlined,
} from '@ant-design/icons';
import { Outlet, useLocation, useMatch, useNavigate } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useI18n } from '../i18n';
import { useAuth } from '../auth';
import { logout } from '../api/auth';
import { getCluster, listClusters } from '../api/clusters';
import { ApiError } from '../api/client';
import { selectedMenuKey, validClusterId } from '../lib/urlstate';
import { ClusterNotFound } from '../components/NotFound';
import { can } from '../lib/permissions';
import { LanguageSwitch, ThemeSwitch } from './Switches';
import { AlertBadge } from '../pages/alerts/AlertBadge';
import { MaintenanceBanner } from '../pages/maintenance/MaintenanceBanner';
import { prefetchResourceList, useKinds } from '../lib/useKinds';
import { groupKinds, kindHref, kindPlural } from '../lib/resources';
import type { KindCategory } from '../api/resources';

/** The icon of each group of kinds in the sidebar. */
const CATEGORY_ICONS: Record<KindCategory, React.ReactNode> = {
  workloads: <BlockOutlined />,
  network: <ApiOutlined />,
  configuration: <SettingOutlined />,
  storage: <DatabaseOutlined />,
  access_control: <SafetyOutlined />,
  cluster: <PartitionOutlined />,
  custom_resources: <ExperimentOutlined />,
};

const { Header, Sider, Content } = Layout;

export function AppLayout() {
  const { t } = useI18n();
  const { me } = useAuth();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const location = useLocation();
  const { token } = theme.useToken();
  const [collapsed, setCollapsed] = useState(false);
  const clusterMatch = useMatch('/clusters/:clusterId/*');
  const rawId = clusterMatch?.params.clusterId;
  const urlClusterId = rawId && rawId !== 'import' ? rawId : undefined;

  const clusters = useQuery({
    queryKey: ['clusters', 'switcher'],
    queryFn: () => listClusters({ page: 1, page_size: 200 }),
    staleTime: 30_000,
  });
  // A cluster URL is checked once here before its page renders, so an unknown or malformed ID gives one clear
  // page (and one call), not a page whose every request fails.
  const validId = validClusterId(urlClusterId);
  const listed = !!urlClusterId && !!clusters.data?.items.some((c) => String(c.id) === urlClusterId);
  const cluster = useQuery({
    queryKey: ['cluster', urlClusterId],
    queryFn: () => getCluster(urlClusterId!),
    enabled: validId,
    staleTime: 30_000,
  });
  const missing = cluster.error instanceof ApiError && (cluster.error.status === 404 || cluster.error.status === 403);
  // the cluster the sidebar and the picker show: only one that exists
  const clusterId = urlClusterId && validId && !missing ? urlClusterId : undefined;
  // the kinds this cluster serves, grouped as operators look for them (an older server without the route: none);
  // asked only once the cluster is known to exist, so a wrong cluster id costs no failing call
  const registry = useKinds(clusterId && (listed || cluster.data) ? clusterId : undefined);
  const kindGroups = useMemo(() => groupKinds(registry.kinds), [registry.kinds]);

  const items = useMemo(() => {
    const list: NonNullable<React.ComponentProps<typeof Menu>['items']> = [
      { key: '/clusters', icon: <ClusterOutlined />, label: t('nav.clusters') },
    ];
    if (clusterId) {
      const base = `/clusters/${clusterId}`;
      list.push({
        key: 'cluster-group',
        type: 'group',
        label: clusters.data?.items.find((c) => String(c.id) === clusterId)?.name ?? t('nav.cluster'),
        children: [
          { key: base, icon: <DashboardOutlined />, label: t('nav.overview') },
          { key: `${base}/nodes`, icon: <DesktopOutlined />, label: t('nav.nodes') },
          { key: `${base}/pods`, icon: <AppstoreOutlined />, label: t('nav.pods') },
          { key: `${base}/logs`, icon: <FileTextOutlined />, label: t('nav.logs') },
          // the event archive (issue 16): events kept beyond the cluster's --event-ttl
          { key: `${base}/events`, icon: <AlertOutlined />, label: t('nav.events') },
          // the alert engine (issue 16): the cluster's alerts, rules and silences
          ...(can(me, 'alert.read') ? [{ key: `${base}/alerts`, icon: <BellOutlined />, label: t('nav.alerts') }] : []),
          { key: `${base}/top`, icon: <BarChartOutlined />, label: t('nav.top') },
          // etcd backups (issue 18), for those who may read every Secret through them
          ...(can(me, 'etcd.admin') ? [{ key: `${base}/etcd`, icon: <DatabaseOutlined />, label: t('nav.etcd') }] : []),
          // application backups (issue 18): a backup holds its namespaces' Secrets
          ...(can(me, 'backup.admin') ? [{ key: `${base}/backups`, icon: <HddOutlined />, label: t('nav.appBackups') }] : []),
          // maintenance mode (issue 18): everyone who sees the cluster sees its windows
          { key: `${base}/maintenance`, icon: <ToolOutlined />, label: t('nav.maintenance') },
          // upgrade readiness (issue 18): what blocks an upgrade to a target version
          ...(can(me, 'resource.read') ? [{ key: `${base}/upgrade`, icon: <CloudUploadOutlined />, label: t('nav.upgrade') }] : []),
          // the certificate dashboard (issue 18), this cluster's certificates
          ...(can(me, 'resource.read') ? [{ key: `${base}/certificates`, icon: <SafetyCertificateOutlined />, label: t('nav.certificates') }] : []),
          // the deploy wizard (issue 14), for those who may create workloads
          ...(can(me, 'resource.write') ? [{ key: `${base}/deploy`, icon: <RocketOutlined />, label: t('nav.deploy') }] : []),
          ...kindGroups.map((g) => ({
            key: `kinds-${g.category}`,
            icon: CATEGORY_ICONS[g.category],
            label: t(`nav.category.${g.category}`),
            children: g.kinds.map((k) => ({
              key: kindHref(clusterId, k.name),
              // a kind this cluster does not serve is greyed, and says why
              disabled: !k.version,
              title: k.version ? `${k.group ? `${k.group}/` : ''}${k.version} ${k.kind}` : t('nav.kindNotServed', { kind: k.kind }),
              label: kindPlural(k.kind),
            })),
            // cluster DNS (issue 15): CoreDNS' settings by form, beside the network kinds
            ...(g.category === 'network' ? [{ key: `${base}/dns`, label: t('nav.dns') }] : []),
          })),
        ],
      });
    }
    if (can(me, 'alert.read')) list.push({ key: '/alerts', icon: <BellOutlined />, label: t('nav.alertsAll') });
    // the certificate dashboard (issue 18): every readable cluster's certificates
    if (can(me, 'resource.read')) list.push({ key: '/certificates', icon: <SafetyCertificateOutlined />, label: t('nav.certificates') });
    if (can(me, 'task.read')) list.push({ key: '/tasks', icon: <ScheduleOutlined />, label: t('nav.tasks') });
    const admin = [];
    if (can(me, 'user.admin')) admin.push({ key: '/admin/users', icon: <TeamOutlined />, label: t('nav.users') });
    if (can(me, 'audit.read')) admin.push({ key: '/admin/audit', icon: <AuditOutlined />, label: t('nav.audit') });
    if (can(me, 'channel.admin')) admin.push({ key: '/admin/channels', icon: <NotificationOutlined />, label: t('nav.channels') });
    if (admin.length) list.push({ key: 'admin-group', type: 'group', label: t('nav.admin'), children: admin });
    list.push({ key: '/getting-started', icon: <ReadOutlined />, label: t('nav.gettingStarted') });
    return list;
  }, [t, me, clusterId, clusters.data, kindGroups]);

  // highlight the longest menu key that prefixes the path
  const selected = useMemo(() => {
    const keys: string[] = [];
    const walk = (xs: unknown[]) =>
      xs.forEach((x) => {
        const it = x as { key: string; children?: unknown[] };
        if (it.children) walk(it.children);
        else keys.push(it.key);
      });
    walk(items as unknown[]);
    const hit = selectedMenuKey(location.pathname, keys, clusterId);
    return hit ? [hit] : [];
  }, [items, location.pathname, clusterId]);

  // the group of the page's kind opens by itself; the others open and close as the user clicks them
  const [openKeys, setOpenKeys] = useState<string[]>([]);
  const selectedGroup = useMemo(() => {
    const g = kindGroups.find((x) => x.kinds.some((k) => clusterId && kindHref(clusterId, k.name) === selected[0]));
    return g ? `kinds-${g.category}` : undefined;
  }, [kindGroups, selected, clusterId]);
  useEffect(() => {
    if (selectedGroup) setOpenKeys((ks) => (ks.includes(selectedGroup) ? ks : [...ks, selectedGroup]));
  }, [selectedGroup]);

  const onSwitchCluster = (id: string) => {
    // keep the same section (nodes, pods, ...) when switching clusters
    const rest = clusterId ? location.pathname.replace(`/clusters/${clusterId}`, '').split('/')[1] : '';
    const parts = clusterId ? location.pathname.replace(`/clusters/${clusterId}`, '').split('/') : [];
    // a kind's list stays that kind's list (the other cluster may not serve it: its page says so)
    const section = rest === 'nodes' || rest === 'pods' || rest === 'logs' || rest === 'deploy' ? `/${rest}` : rest === 'resources' && parts[2] ? `/resources/${parts[2]}` : '';
    navigate(`/clusters/${id}${section}`);
  };

  const userMenu = {
    items: [
      { key: 'password', icon: <KeyOutlined />, label: t('layout.changePassword') },
      { type: 'divider' as const },
      { key: 'logout', icon: <LogoutOutlined />, label: t('layout.logout'), danger: true },
    ],
    onClick: async ({ key }: { key: string }) => {
      if (key === 'password') navigate('/change-password');
      if (key === 'logout') {
        await logout().catch(() => undefined);
        navigate('/login');
      }
    },
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} width={216} theme="dark">
        <div
          style={{ height: 56, display: 'flex', alignItems: 'center', gap: 8, padding: '0 20px', color: '#fff', cursor: 'pointer' }}
          onClick={() => navigate('/clusters')}
        >
          <svg width="24" height="24" viewBox="0 0 32 32" aria-hidden>
            <rect width="32" height="32" rx="6" fill="#1677ff" />
            <path d="M8 9h4v6l6-6h5l-7 7 7 7h-5l-6-6v6H8z" fill="#fff" />
          </svg>
          {!collapsed && <span style={{ fontWeight: 600, fontSize: 17 }}>Kubedeck</span>}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          items={items}
          selectedKeys={selected}
          {...(collapsed ? {} : { openKeys, onOpenChange: setOpenKeys })}
          onClick={({ key }) => {
            // a kind's list: its first page is asked for now, while the page renders
            const kind = clusterId ? registry.kinds.find((k) => k.name !== 'pods' && k.name !== 'nodes' && kindHref(clusterId, k.name) === key) : undefined;
            if (clusterId && kind) prefetchResourceList(qc, clusterId, kind.name);
            navigate(key);
          }}
        />
      </Sider>
      <Layout>
        <Header
          style={{
            background: token.colorBgContainer,
            padding: '0 16px',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            lineHeight: 'normal',
          }}
        >
          <Space align="center">
            {(clusters.data?.items.length ?? 0) > 0 && (
              <Select
                data-testid="cluster-switcher"
                style={{ minWidth: 220 }}
                placeholder={t('layout.pickCluster')}
                value={listed && clusterId ? clusterId : cluster.data && clusterId ? String(cluster.data.id) : undefined}
                onChange={onSwitchCluster}
                showSearch
                optionFilterProp="label"
                options={clusters.data?.items.map((c) => ({ value: String(c.id), label: c.name }))}
              />
            )}
            <Input.Search
              allowClear
              placeholder={t('search.placeholder')}
              style={{ width: 280 }}
              onSearch={(v) => v.trim() && navigate(`/search?q=${encodeURIComponent(v.trim())}`)}
              data-testid="global-pod-search"
            />
          </Space>
          <Space size={4}>
            {can(me, 'alert.read') && <AlertBadge />}
            <LanguageSwitch />
            <ThemeSwitch />
            <Dropdown menu={userMenu} placement="bottomRight">
              <Button type="text" icon={<UserOutlined />} data-testid="user-menu">
                <Typography.Text>{me?.display_name || me?.username || ''}</Typography.Text>
              </Button>
            </Dropdown>
          </Space>
        </Header>
        <Content style={{ padding: 24, minWidth: 0 }}>
          {urlClusterId && !validId ? (
            <ClusterNotFound id={urlClusterId} invalid />
          ) : missing ? (
            <ClusterNotFound id={urlClusterId!} />
          ) : urlClusterId && !listed && cluster.isPending ? (
            <div style={{ padding: 48, textAlign: 'center' }}>
              <Spin />
            </div>
          ) : (
            <>
              {/* every page of a cluster in maintenance says so (issue 18) */}
              {clusterId && <MaintenanceBanner clusterId={clusterId} />}
              <Outlet />
            </>
          )}
        </Content>
      </Layout>
    </Layout>
  );
}
