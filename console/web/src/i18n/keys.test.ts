import { describe, expect, it } from 'vitest';
import { en, zh } from './dict';

// The console's sources as text: a static look at every key the code asks
// the catalogue for, so a key missing from either language fails CI even
// where the type checker cannot see it (keys passed to tx as plain strings).
const sources = import.meta.glob(['../**/*.ts', '../**/*.tsx', '!../**/*.test.ts', '!../**/*.test.tsx'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The literal keys of t('…'), tx('…', …) and translate(lang, '…') calls in src. */
function literalKeys(src: string): string[] {
  const keys: string[] = [];
  for (const m of src.matchAll(/\b(?:t|tx)\(\s*'([^'\n]+)'\s*[,)]/g)) keys.push(m[1] ?? '');
  for (const m of src.matchAll(/\btranslate\(\s*\w+\s*,\s*'([^'\n]+)'\s*[,)]/g)) keys.push(m[1] ?? '');
  return keys;
}

/** The prefixes of keys built from data: tx('prefix.' + value, …). */
function keyPrefixes(src: string): string[] {
  return [...src.matchAll(/\btx\(\s*'([^'\n]+\.)'\s*\+/g)].map((m) => m[1] ?? '');
}

describe('the keys used in the code', () => {
  it('reads the sources', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
  });
  it('are in both languages', () => {
    const missing: string[] = [];
    for (const [file, src] of Object.entries(sources)) {
      for (const k of literalKeys(src)) {
        if (!(k in zh)) missing.push(`${file}: ${k} (zh)`);
        if (!(k in en)) missing.push(`${file}: ${k} (en)`);
      }
    }
    expect(missing).toEqual([]);
  });
  it('built from data have words under their prefix in both languages', () => {
    const missing: string[] = [];
    for (const [file, src] of Object.entries(sources)) {
      for (const p of keyPrefixes(src)) {
        if (!Object.keys(zh).some((k) => k.startsWith(p))) missing.push(`${file}: ${p}* (zh)`);
        if (!Object.keys(en).some((k) => k.startsWith(p))) missing.push(`${file}: ${p}* (en)`);
      }
    }
    expect(missing).toEqual([]);
  });
  it('finds keys in a call', () => {
    expect(literalKeys(`t('a.b') tx('c.d', x) translate(lang, 'e.f', v)`)).toEqual(['a.b', 'c.d', 'e.f']);
    expect(keyPrefixes(`tx('state.' + s, s)`)).toEqual(['state.']);
  });
});
