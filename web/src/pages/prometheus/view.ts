// Pure helpers of the application metrics charts: ranges, series to chart lines, and values in the operator's units.
import type { PromSeries } from './api';

/** The ranges of every chart page, as the server names them (`range=`). */
export const APP_RANGES = ['1h', '6h', '24h', '7d'] as const;
export type AppRange = (typeof APP_RANGES)[number];

/** The workload kinds with application metrics (URL names). */
export const APP_METRIC_KINDS = ['deployments', 'statefulsets', 'daemonsets'];

/** A series' name on a chart: the labels that tell it apart from the others (all of them when alone). */
export function seriesName(s: PromSeries, all: PromSeries[]): string {
  const keys = Object.keys(s.labels).filter((k) => k !== '__name__' && all.some((o) => o.labels[k] !== s.labels[k]));
  const names = keys.length ? keys : Object.keys(s.labels).filter((k) => k !== '__name__');
  const shown = names.map((k) => (names.length === 1 ? s.labels[k] : `${k}=${s.labels[k]}`));
  return shown.join(', ') || s.labels.__name__ || 'value';
}

/** Chart points in milliseconds (ECharts' time axis), nulls kept so gaps stay gaps. */
export function toChartPoints(s: PromSeries): [number, number | null][] {
  return s.values.map(([t, v]) => [Math.round(t * 1000), v]);
}

/** A value in a saved query's or chart's unit: seconds as ms/s, ratios as %, rates per second, bytes binary. */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const round = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
  switch (unit) {
    case 's':
      return Math.abs(v) < 1 ? `${round(v * 1000)} ms` : `${round(v)} s`;
    case 'ratio':
      return `${round(v * 100)}%`;
    case '%':
      return `${round(v)}%`;
    case 'bytes': {
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let x = v;
      let i = 0;
      while (Math.abs(x) >= 1024 && i < units.length - 1) {
        x /= 1024;
        i++;
      }
      return `${round(x)} ${units[i]}`;
    }
    case '':
      return round(v);
    default:
      return `${round(v)} ${unit}`;
  }
}
