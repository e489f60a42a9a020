// A small JSON → YAML writer for showing a Kubernetes object the way kubectl get -o yaml does.

const PLAIN = /^[A-Za-z0-9_./:@-][A-Za-z0-9_ ./:@-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s === '') return "''";
  // strings that YAML would read as something else are quoted
  if (!PLAIN.test(s) || RESERVED.test(s) || /^[-+]?(\d|\.\d)/.test(s) || s.endsWith(' ') || s.includes(': ') || s.includes(' #')) {
    return JSON.stringify(s);
  }
  return s;
}

function isEmptyContainer(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

function write(v: unknown, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (item !== null && typeof item === 'object' && !isEmptyContainer(item)) {
        const lines: string[] = [];
        write(item, indent + '  ', lines);
        out.push(`${indent}- ${lines[0].trimStart()}`, ...lines.slice(1));
      } else {
        out.push(`${indent}- ${isEmptyContainer(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
      }
    }
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const key = scalar(k);
    if (val !== null && typeof val === 'object' && !isEmptyContainer(val)) {
      out.push(`${indent}${key}:`);
      write(val, Array.isArray(val) ? indent : indent + '  ', out);
    } else if (typeof val === 'string' && val.includes('\n')) {
      out.push(`${indent}${key}: |`);
      for (const line of val.replace(/\n$/, '').split('\n')) out.push(`${indent}  ${line}`);
    } else {
      out.push(`${indent}${key}: ${isEmptyContainer(val) ? (Array.isArray(val) ? '[]' : '{}') : scalar(val)}`);
    }
  }
}

export function toYaml(v: unknown): string {
  if (v === null || typeof v !== 'object') return scalar(v) + '\n';
  const out: string[] = [];
  write(v, '', out);
  return out.join('\n') + '\n';
}
