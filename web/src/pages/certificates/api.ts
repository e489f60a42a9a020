// The certificate dashboard (issue 18): GET /certificates (every cluster the user may read) and
// GET /k8s/cluster/{id}/certificates (one), typed by hand from crates/kubedeck-api/src/certificates.rs until the
// routes are in openapi.json. Readings are kept five minutes by the server; `refresh` reads the clusters now.
import { api } from '../../api/client';

/** Where a certificate was found. */
export type CertSource = 'apiserver' | 'ca' | 'client' | 'tls_secret';
/** How close it is to its end, for the `warn_days` horizon asked for. */
export type CertState = 'valid' | 'expiring' | 'expired' | 'not_yet_valid';

export interface CertificateView {
  source: CertSource;
  /** TLS Secrets: the Secret's namespace and name */
  namespace: string | null;
  secret: string | null;
  /** Ingresses whose TLS names this Secret, as `namespace/name` */
  ingresses: string[];
  subject: string;
  issuer: string;
  sans: string[];
  not_before: string;
  not_after: string;
  /** negative once expired, one decimal */
  days_left: number;
  state: CertState;
  /** API server only: whether the kubeconfig's CA (the system's roots when it names none) trusts it */
  trusted: boolean | null;
}

/** Something that could not be read, or an Ingress naming a Secret that does not exist. */
export interface CertProblem {
  source: CertSource;
  namespace: string | null;
  name: string | null;
  message: string;
}

export interface ClusterCertificates {
  cluster_id: number;
  cluster_name: string;
  checked_at: string;
  /** soonest end first */
  certificates: CertificateView[];
  problems: CertProblem[];
}

export const listAllCertificates = (warnDays: number, refresh = false) =>
  api<ClusterCertificates[]>('/certificates', { query: { warn_days: warnDays, refresh: refresh || undefined } });

export const clusterCertificates = (clusterId: string | number, warnDays: number, refresh = false) =>
  api<ClusterCertificates>(`/k8s/cluster/${clusterId}/certificates`, { query: { warn_days: warnDays, refresh: refresh || undefined } });
