import type { LocalText } from '../api/types';

/** The text in lang of a plain or bilingual text, the other language standing in for a missing one. */
export function localText(v: LocalText | undefined, lang: string): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return (lang === 'en' ? (v.en ?? v.zh) : (v.zh ?? v.en)) ?? '';
}
