import { Button, Result } from 'antd';
import { useLocation, useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n';

/** A URL the console has no page for: say so (never a silent redirect). */
export function NotFoundPage() {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  return (
    <div data-testid="not-found">
    <Result
      status="404"
      title={t('notFound.title')}
      subTitle={<span style={{ overflowWrap: 'anywhere' }}>{t('notFound.body', { path: pathname })}</span>}
      extra={<Button type="primary" onClick={() => navigate('/clusters')}>{t('notFound.home')}</Button>}
    />
    </div>
  );
}

/** A cluster URL whose ID is not a number, or names no cluster the user can see: one clear page instead of a page of errors. */
export function ClusterNotFound({ id, invalid }: { id: string; invalid?: boolean }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <div data-testid="cluster-not-found">
    <Result
      status={invalid ? 'warning' : '404'}
      title={<span style={{ overflowWrap: 'anywhere' }}>{invalid ? t('notFound.invalidCluster', { id }) : t('notFound.cluster')}</span>}
      subTitle={<span style={{ overflowWrap: 'anywhere' }}>{invalid ? t('notFound.invalidClusterBody') : t('notFound.clusterBody', { id })}</span>}
      extra={<Button type="primary" onClick={() => navigate('/clusters')}>{t('notFound.home')}</Button>}
    />
    </div>
  );
}
