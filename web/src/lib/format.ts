// Formatting of the figures operators read: ages, byte sizes, Kubernetes quantities, percentages.

export function formatBytes(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(Math.round(v)) : v.toFixed(digits).replace(/\.0+$/, '');
  return `${n < 0 ? '-' : ''}${s} ${units[i]}`;
}

/** kubectl-style age: 45s, 12m, 5h, 3d4h, 120d */
export function formatAge(from: string | number | Date | null | undefined, now: number = Date.now()): string {
  if (from === null || from === undefined || from === '') return '-';
  const t = typeof from === 'number' ? from : new Date(from).getTime();
  if (!Number.isFinite(t)) return '-';
  let s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 && h < 10 ? `${h}h${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  s = h % 24;
  if (d < 10 && s) return `${d}d${s}h`;
  if (d < 365) return `${d}d`;
  return `${Math.floor(d / 365)}y${d % 365 ? `${d % 365}d` : ''}`;
}

export function formatRelative(from: string | null | undefined, lang: string, now: number = Date.now()): string {
  if (!from) return '-';
  const t = new Date(from).getTime();
  if (!Number.isFinite(t)) return '-';
  const diff = Math.round((t - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(diff, 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

export function formatDateTime(v: string | null | undefined, lang = 'en'): string {
  if (!v) return '-';
  const d = new Date(v);
  if (!Number.isFinite(d.getTime())) return '-';
  return d.toLocaleString(lang, { hour12: false });
}

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Parses a Kubernetes quantity ("250m", "16Gi", "1.5", "2e3") to a number; null when unparseable. */
export function parseQuantity(q: string | number | null | undefined): number | null {
  if (q === null || q === undefined || q === '') return null;
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return null;
  const suffix = m[2];
  if (suffix in binary) return n * binary[suffix];
  if (suffix in decimal) return n * decimal[suffix];
  return null;
}

/** CPU cores as operators write them: 0.25 → "250m", 4 → "4" */
export function formatCpu(cores: number | null | undefined): string {
  if (cores === null || cores === undefined || !Number.isFinite(cores)) return '-';
  if (cores < 1) return `${Math.round(cores * 1000)}m`;
  return Number.isInteger(cores) ? String(cores) : cores.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

export function percent(part: number | null | undefined, whole: number | null | undefined): number | null {
  if (part === null || part === undefined || !whole) return null;
  return Math.max(0, Math.min(100, (part / whole) * 100));
}

export function formatPercent(p: number | null | undefined, digits = 0): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '-';
  return `${p.toFixed(digits)}%`;
}

export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function formatRate(bps: number | null | undefined): string {
  if (bps === null || bps === undefined || !Number.isFinite(bps)) return '-';
  return `${formatBytes(bps)}/s`;
}

/** At most `max` characters of `s`, with an ellipsis when it was longer (user input echoed in a message). */
export function shortened(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
