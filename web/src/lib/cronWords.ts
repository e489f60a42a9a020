// A CronJob's schedule in words, in English and Chinese (issue 14). React-free. Common forms only: anything else
// answers null and the page shows the expression as it is (never a wrong sentence).
export type CronLang = 'en' | 'zh-CN';

const DAYS_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAYS_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A field's single number in [min, max] (names allowed for months and days), else null. */
function num(s: string, min: number, max: number, names?: Record<string, number>): number | null {
  const low = s.toLowerCase();
  if (names && low in names) return names[low];
  if (!/^\d{1,2}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

/** `*∕N` → N (N ≥ 2 within the field's range), else null. */
function step(s: string, max: number): number | null {
  const m = /^\*\/(\d{1,2})$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 2 && n <= max ? n : null;
}

/** A list of single numbers and ranges (`1,3,5`, `1-5`), expanded and sorted; null when anything else. */
function list(s: string, min: number, max: number, names?: Record<string, number>): number[] | null {
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const r = part.split('-');
    if (r.length === 1) {
      const n = num(r[0], min, max, names);
      if (n === null) return null;
      out.add(n);
    } else if (r.length === 2) {
      const a = num(r[0], min, max, names);
      const b = num(r[1], min, max, names);
      if (a === null || b === null || b < a) return null;
      for (let i = a; i <= b; i++) out.add(i);
    } else return null;
  }
  return [...out].sort((a, b) => a - b);
}

const pad = (n: number) => String(n).padStart(2, '0');
const time = (h: number, m: number) => `${pad(h)}:${pad(m)}`;

function joinEn(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Days of the week: "weekdays" for 1-5, "weekends" for 0,6, the names otherwise (7 is Sunday too). */
function weekdays(days: number[], lang: CronLang): string {
  const d = [...new Set(days.map((x) => x % 7))].sort((a, b) => a - b);
  const key = d.join(',');
  if (key === '1,2,3,4,5') return lang === 'en' ? 'every weekday (Monday to Friday)' : '每个工作日（周一至周五）';
  if (key === '0,6') return lang === 'en' ? 'every Saturday and Sunday' : '每周六和周日';
  return lang === 'en' ? `every ${joinEn(d.map((x) => DAYS_EN[x]))}` : `每${d.map((x) => DAYS_ZH[x]).join('、')}`;
}

/**
 * The schedule in words, or null when it is not one of the common forms: every minute / N minutes / hour / N hours
 * (at a minute), every day / weekday / given days of the week / day of the month / day of a year, at one or a few
 * times; the `@daily`-style macros.
 */
export function cronInWords(expr: string | null | undefined, lang: CronLang): string | null {
  if (!expr) return null;
  let e = expr.trim().replace(/\s+/g, ' ');
  if (e.startsWith('@')) {
    const m = MACROS[e.toLowerCase()];
    if (!m) return null;
    e = m;
  }
  const f = e.split(' ');
  if (f.length !== 5) return null;
  const [mi, ho, dom, mon, dow] = f;
  const en = lang === 'en';
  const anyDay = dom === '*' && mon === '*' && (dow === '*' || dow === '?');
  const allStar = (...xs: string[]) => xs.every((x) => x === '*' || x === '?');

  // minutes and hours without a fixed time
  if (anyDay && ho === '*') {
    if (mi === '*') return en ? 'every minute' : '每分钟';
    const sm = step(mi, 59);
    if (sm !== null) return en ? `every ${sm} minutes` : `每 ${sm} 分钟`;
    const m = num(mi, 0, 59);
    if (m !== null) return en ? (m === 0 ? 'every hour, on the hour' : `every hour at minute ${m}`) : m === 0 ? '每小时整点' : `每小时第 ${m} 分钟`;
    return null;
  }
  const minute = num(mi, 0, 59);
  if (minute === null) return null;
  const sh = step(ho, 23);
  if (anyDay && sh !== null) return en ? `every ${sh} hours at minute ${minute}` : `每 ${sh} 小时的第 ${minute} 分钟`;
  const hours = list(ho, 0, 23);
  if (!hours || hours.length > 4) return null;
  const times = hours.map((h) => time(h, minute));
  const at = en ? `at ${joinEn(times)}` : times.join('、');

  if (anyDay) return en ? `every day ${at}` : `每天 ${at}`;
  if (dom === '*' && mon === '*') {
    const days = list(dow, 0, 7, DAY_NAMES);
    return days ? `${weekdays(days, lang)} ${at}` : null;
  }
  if (allStar(dow)) {
    const d = num(dom, 1, 31);
    if (d === null) return null;
    if (mon === '*') return en ? `on day ${d} of every month ${at}` : `每月 ${d} 日 ${at}`;
    const mo = num(mon, 1, 12, MONTH_NAMES);
    if (mo === null) return null;
    return en ? `every year on ${MONTHS_EN[mo - 1]} ${d} ${at}` : `每年 ${mo} 月 ${d} 日 ${at}`;
  }
  return null;
}
