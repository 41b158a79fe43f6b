// A small i18n: Chinese by default, English selectable, remembered in the
// browser. Keys are typed, so a missing word fails the build.

import { createContext, Fragment, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, zh, type Key } from './dict';

export type Lang = 'zh' | 'en';

const storageKey = 'claims-console.lang';

export type Vars = Record<string, string | number>;

/** Fills {name} placeholders of the word of key in lang. */
export function translate(lang: Lang, key: Key, vars?: Vars): string {
  const text = (lang === 'en' ? en : zh)[key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Looks up a key made at run time (e.g. 'state.' + state), with a fallback. */
export function isKey(k: string): k is Key {
  return k in zh;
}

export interface I18n {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: (key: Key, vars?: Vars) => string;
  /** The word of a key built from data (placeholders filled from vars), or fallback when there is none. */
  tx: (key: string, fallback: string, vars?: Vars) => string;
  /** The word of key with names (of people, as they are) filled in marked not to be translated. */
  tn: (key: Key, vars: Vars, names: Record<string, string>) => ReactNode;
}

/** withNames fills the {name} placeholders left in text with names, each in a span marked translate="no". */
function withNames(text: string, names: Record<string, string>): ReactNode {
  const parts = text.split(/\{(\w+)\}/);
  return parts.map((p, i) =>
    i % 2 === 0 ? <Fragment key={i}>{p}</Fragment> : p in names ? <span key={i} translate="no">{names[p]}</span> : <Fragment key={i}>{`{${p}}`}</Fragment>,
  );
}

const Ctx = createContext<I18n | null>(null);

function initialLang(): Lang {
  try {
    return localStorage.getItem(storageKey) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

/** I18nProvider gives the words in the language remembered, or in initial (a test rendering in English). */
export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Lang }) {
  const [lang, setLangState] = useState<Lang>(() => initial ?? initialLang());
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(storageKey, l);
    } catch {
      // private mode: the choice lasts for the page only
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.title = translate(lang, 'app.title');
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      tx: (key, fallback, vars) => (isKey(key) ? translate(lang, key, vars) : fallback),
      tn: (key, vars, names) => withNames(translate(lang, key, vars), names),
    }),
    [lang, setLang],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
