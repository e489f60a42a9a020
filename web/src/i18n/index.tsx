// A small i18n module: flat keys, {{name}} interpolation, zh-CN when the browser prefers Chinese,
// the user's choice remembered in localStorage.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type Lang = 'zh-CN' | 'en';
export const resources: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };
const STORAGE_KEY = 'kubedeck.lang';

export function detectLang(stored: string | null | undefined, preferred: readonly string[]): Lang {
  if (stored === 'en' || stored === 'zh-CN') return stored;
  for (const l of preferred) {
    const low = l.toLowerCase();
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

/** Variables that are names or codes, not quantities: never grouped ("cluster 1234", "HTTP 404"). */
const NOT_QUANTITIES = new Set(['id', 'status', 'code', 'port', 'name']);

/**
 * A message with its variables filled in. Numbers get thousands separators ("Pods: 29,306"); `{{n|one|other}}`
 * picks the singular or plural word by `n` ("1 master", "2 masters").
 */
export function translate(lang: Lang, key: string, vars?: Record<string, string | number | null | undefined>): string {
  const msg = (resources[lang] as Record<string, string>)[key] ?? (resources.en as Record<string, string>)[key] ?? key;
  if (!vars) return msg;
  const grouping = new Intl.NumberFormat(lang === 'zh-CN' ? 'zh-CN' : 'en-US');
  return msg
    .replace(/\{\{(\w+)\|([^|}]*)\|([^}]*)\}\}/g, (_, k: string, one: string, other: string) => (Number(vars[k]) === 1 ? one : other))
    .replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
      const v = vars[k];
      if (v === undefined || v === null) return '';
      return typeof v === 'number' && Number.isFinite(v) && !NOT_QUANTITIES.has(k) ? grouping.format(v) : String(v);
    });
}

export type TFunc = (key: MessageKey | (string & {}), vars?: Record<string, string | number | null | undefined>) => string;

interface I18nValue {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: TFunc;
}

const Ctx = createContext<I18nValue | null>(null);

function initialLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  return detectLang(stored, typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : []);
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* not remembered in private mode */
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18nValue>(() => ({ lang, setLang, t: (k, v) => translate(lang, k, v) }), [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18nValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export function useT(): TFunc {
  return useI18n().t;
}
