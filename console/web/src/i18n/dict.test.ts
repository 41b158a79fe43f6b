import { describe, expect, it } from 'vitest';
import { en, zh } from './dict';
import { translate } from './i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });
  it('have the same placeholders in both languages', () => {
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(placeholders(en[k]), k).toEqual(placeholders(zh[k]));
    }
  });
  it('fills placeholders', () => {
    expect(translate('en', 'queue.count', { n: 3 })).toBe('3 claims');
    expect(translate('zh', 'queue.count', { n: 3 })).toBe('共 3 件');
  });
});
