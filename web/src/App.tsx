import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { App as AntApp, ConfigProvider, Spin, theme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCNLocale from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { I18nProvider, useI18n } from './i18n';
import { ThemeModeProvider, useThemeMode } from './theme';
import { AuthProvider, useAuth } from './auth';
import { ApiError } from './api/client';

// Start loading the chunks the first screen needs together with the entry, instead of one after another.
const prefetch: Record<string, () => Promise<unknown>> = {
  layout: () => import('./layout/AppLayout'),
  pods: () => import('./pages/pods/PodListPage'),
  clusters: () => import('./pages/clusters/ClusterListPage'),
  nodes: () => import('./pages/nodes/NodeListPage'),
  login: () => import('./pages/auth/LoginPage'),
  resources: () => import('./pages/resources/ResourceListPage'),
};
if (typeof location !== 'undefined') {
  const p = location.pathname;
  if (p.startsWith('/login')) prefetch.login();
  else {
    prefetch.layout();
    if (/^\/clusters\/[^/]+\/pods/.test(p)) prefetch.pods();
    else if (/^\/clusters\/[^/]+\/nodes$/.test(p)) prefetch.nodes();
    else if (/^\/clusters\/[^/]+\/resources\/[^/]+$/.test(p)) prefetch.resources();
    else if (p === '/' || p === '/clusters') prefetch.clusters();
  }
}

const AppLayout = lazy(() => import('./layout/AppLayout').then((m) => ({ default: m.AppLayout })));
const LoginPage = lazy(() => import('./pages/auth/LoginPage').then((m) => ({ default: m.LoginPage })));
const ChangePasswordPage = lazy(() => import('./pages/auth/ChangePasswordPage'));
const ClusterListPage = lazy(() => import('./pages/clusters/ClusterListPage'));
const ImportClusterPage = lazy(() => import('./pages/clusters/ImportClusterPage'));
const GettingStartedPage = lazy(() => import('./pages/clusters/GettingStartedPage'));
const ClusterOverviewPage = lazy(() => import('./pages/clusters/ClusterOverviewPage'));
const NodeListPage = lazy(() => import('./pages/nodes/NodeListPage'));
const NodeDetailPage = lazy(() => import('./pages/nodes/NodeDetailPage'));
const PodListPage = lazy(() => import('./pages/pods/PodListPage'));
const PodDetailPage = lazy(() => import('./pages/pods/PodDetailPage'));
const LogViewerPage = lazy(() => import('./pages/logs/LogViewerPage'));
const PodSearchPage = lazy(() => import('./pages/pods/PodSearchPage'));
const UsersPage = lazy(() => import('./pages/admin/UsersPage'));
const AuditPage = lazy(() => import('./pages/admin/AuditPage'));
const ChannelsPage = lazy(() => import('./pages/channels/ChannelsPage'));
const TaskListPage = lazy(() => import('./pages/tasks/TaskListPage'));
const TaskDetailPage = lazy(() => import('./pages/tasks/TaskDetailPage'));
const ResourceListPage = lazy(() => import('./pages/resources/ResourceListPage'));
const ResourceDetailPage = lazy(() => import('./pages/resources/ResourceDetailPage'));
const DeployWizard = lazy(() => import('./pages/workloads/DeployWizard'));
const DnsPage = lazy(() => import('./pages/network/DnsPage'));
const EtcdBackupsPage = lazy(() => import('./pages/etcd/EtcdBackupsPage'));
const AppBackupsPage = lazy(() => import('./pages/backups/AppBackupsPage'));
const MaintenancePage = lazy(() => import('./pages/maintenance/MaintenancePage'));
const EventsPage = lazy(() => import('./pages/events/EventsPage'));
const AlertsPage = lazy(() => import('./pages/alerts/AlertsPage'));
const TopPage = lazy(() => import('./pages/metrics/TopPage'));
const UpgradeReadinessPage = lazy(() => import('./pages/upgrade/UpgradeReadinessPage'));
const CertificatesPage = lazy(() => import('./pages/certificates/CertificatesPage'));
// xterm.js comes with this chunk only
const TerminalPage = lazy(() => import('./pages/workloads/TerminalPage'));
const NotFoundPage = lazy(() => import('./components/NotFound').then((m) => ({ default: m.NotFoundPage })));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // user errors (4xx) are answers, not glitches: do not retry them
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

function ThemedAntd({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  const { mode } = useThemeMode();
  dayjs.locale(lang === 'zh-CN' ? 'zh-cn' : 'en');
  const themeConfig = useMemo(
    () => ({ algorithm: mode === 'dark' ? theme.darkAlgorithm : theme.defaultAlgorithm, token: { colorPrimary: '#1677ff' } }),
    [mode],
  );
  return (
    <ConfigProvider locale={lang === 'zh-CN' ? zhCNLocale : enUS} theme={themeConfig}>
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { session } = useAuth();
  const location = useLocation();
  if (!session) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (session.mustChangePassword) return <Navigate to="/change-password" replace />;
  return <>{children}</>;
}

const fallback = (
  <div style={{ padding: 48, textAlign: 'center' }}>
    <Spin />
  </div>
);

export function App() {
  return (
    <ThemeModeProvider>
      <I18nProvider>
        <ThemedAntd>
          <QueryClientProvider client={queryClient}>
            <BrowserRouter>
              <AuthProvider>
                <Suspense fallback={fallback}>
                  <Routes>
                    <Route path="/login" element={<LoginPage />} />
                    <Route path="/change-password" element={<ChangePasswordPage />} />
                    <Route
                      element={
                        <RequireAuth>
                          <AppLayout />
                        </RequireAuth>
                      }
                    >
                      <Route index element={<Navigate to="/clusters" replace />} />
                      <Route path="/clusters" element={<ClusterListPage />} />
                      <Route path="/clusters/import" element={<ImportClusterPage />} />
                      <Route path="/getting-started" element={<GettingStartedPage />} />
                      <Route path="/clusters/:clusterId" element={<ClusterOverviewPage />} />
                      <Route path="/clusters/:clusterId/nodes" element={<NodeListPage />} />
                      <Route path="/clusters/:clusterId/nodes/:nodeName" element={<NodeDetailPage />} />
                      <Route path="/clusters/:clusterId/pods" element={<PodListPage />} />
                      <Route path="/clusters/:clusterId/namespaces/:namespace/pods/:podName" element={<PodDetailPage />} />
                      <Route path="/clusters/:clusterId/namespaces/:namespace/pods/:podName/logs" element={<LogViewerPage />} />
                      <Route path="/clusters/:clusterId/namespaces/:namespace/pods/:podName/terminal" element={<TerminalPage />} />
                      <Route path="/clusters/:clusterId/logs" element={<LogViewerPage />} />
                      <Route path="/clusters/:clusterId/resources/:name" element={<ResourceListPage />} />
                      <Route path="/clusters/:clusterId/resources/:name/:ns/:objname" element={<ResourceDetailPage />} />
                      <Route path="/clusters/:clusterId/deploy" element={<DeployWizard />} />
                      <Route path="/clusters/:clusterId/dns" element={<DnsPage />} />
                      <Route path="/clusters/:clusterId/etcd" element={<EtcdBackupsPage />} />
                      <Route path="/clusters/:clusterId/backups" element={<AppBackupsPage />} />
                      <Route path="/clusters/:clusterId/maintenance" element={<MaintenancePage />} />
                      <Route path="/clusters/:clusterId/events" element={<EventsPage />} />
                      <Route path="/clusters/:clusterId/alerts" element={<AlertsPage />} />
                      <Route path="/alerts" element={<AlertsPage />} />
                      <Route path="/certificates" element={<CertificatesPage />} />
                      <Route path="/clusters/:clusterId/top" element={<TopPage />} />
                      <Route path="/clusters/:clusterId/upgrade" element={<UpgradeReadinessPage />} />
                      <Route path="/clusters/:clusterId/certificates" element={<CertificatesPage />} />
                      <Route path="/search" element={<PodSearchPage />} />
                      <Route path="/admin/users" element={<UsersPage />} />
                      <Route path="/admin/audit" element={<AuditPage />} />
                      <Route path="/admin/channels" element={<ChannelsPage />} />
                      <Route path="/tasks" element={<TaskListPage />} />
                      <Route path="/tasks/:taskId" element={<TaskDetailPage />} />
                      <Route path="*" element={<NotFoundPage />} />
                    </Route>
                  </Routes>
                </Suspense>
              </AuthProvider>
            </BrowserRouter>
          </QueryClientProvider>
        </ThemedAntd>
      </I18nProvider>
    </ThemeModeProvider>
  );
}
