import { useAuth } from '../../auth';
import { canImportClusters } from '../../lib/permissions';
import { GettingStarted } from './GettingStarted';

export default function GettingStartedPage() {
  const { me } = useAuth();
  return <GettingStarted canImport={canImportClusters(me)} />;
}
