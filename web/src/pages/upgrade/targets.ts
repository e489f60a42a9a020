// Which target versions the readiness page offers: every minor version after the cluster's, up to the newest the
// report's table of removed APIs knows (kubedeck-kube upgrade.rs covers removals up to 1.32; 1.33 is the newest
// Kubernetes release whose API Kubedeck is built against).
export const NEWEST_MINOR = 33;

/** The minor of a Kubernetes version string (`v1.20.2`, `1.20`, `v1.21.3-eks-1`), or null. */
export function minorOf(version: string | null | undefined): number | null {
  const m = /^v?1\.(\d+)/.exec((version ?? '').trim());
  return m ? Number(m[1]) : null;
}

/** The targets to choose from, nearest first: `1.21`, `1.22`, ...; none when the version cannot be read. */
export function targetChoices(version: string | null | undefined): string[] {
  const current = minorOf(version);
  if (current === null) return [];
  const out: string[] = [];
  for (let m = current + 1; m <= NEWEST_MINOR; m++) out.push(`1.${m}`);
  return out;
}

/** The target shown first: the next minor version (an upgrade goes one minor version at a time). */
export function defaultTarget(version: string | null | undefined): string | undefined {
  return targetChoices(version)[0];
}
