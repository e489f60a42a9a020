import { useAuth } from '../../auth';
import { can } from '../../lib/permissions';
import { GettingStarted } from './GettingStarted';

export default function GettingStartedPage() {
  const { me } = useAuth();
  return <GettingStarted canImport={can(me, 'cluster.write')} />;
}
