// A certificate's expiry as the console colours it, by the server's rule (issue 15): an error once expired, a
// warning under 30 days. React-free.

const DAY = 86_400_000;

/** Whole days until `notAfter` (negative once past). */
export function daysLeft(notAfter: string, now = Date.now()): number {
  return Math.floor((Date.parse(notAfter) - now) / DAY);
}

export function expiryTone(notAfter: string, now = Date.now()): 'error' | 'warning' | 'success' {
  const d = Date.parse(notAfter) - now;
  return d <= 0 ? 'error' : d < 30 * DAY ? 'warning' : 'success';
}
