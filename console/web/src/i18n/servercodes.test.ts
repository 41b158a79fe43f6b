import { describe, expect, it } from 'vitest';
import { en, zh } from './dict';

// The codes the services send beside their English prose (issue 20), read
// from the Go sources: each must have its words in both languages, so that
// a new code on the server fails here before it reaches a user in English.
const goSources = import.meta.glob(
  [
    '../../../../services/adjudication/internal/domain/checks.go',
    '../../../../services/adjudication/internal/ports/json.go',
    '../../../../services/payout/internal/domain/threeway.go',
    '../../../../services/adjudication/internal/domain/signals.go',
    '../../../../pkg/deadline/rules.go',
    '../../../../pkg/document/document.go',
    '../../../../pkg/apperr/apperr.go',
  ],
  { query: '?raw', import: 'default', eager: true },
) as Record<string, string>;

const source = (end: string) => Object.entries(goSources).find(([path]) => path.endsWith(end))?.[1] ?? '';

function wantWords(prefix: string, codes: string[]): string[] {
  const missing: string[] = [];
  for (const c of codes) {
    if (!(prefix + c in zh)) missing.push(`${prefix}${c} (zh)`);
    if (!(prefix + c in en)) missing.push(`${prefix}${c} (en)`);
  }
  return missing;
}

describe('the codes the services send', () => {
  it('reads the Go sources', () => {
    expect(Object.keys(goSources)).toHaveLength(7);
  });
  it('have words for every check reason', () => {
    const codes = [...source('checks.go').matchAll(/\.explain\("([a-z_]+)"/g)].map((m) => m[1] ?? '');
    expect(codes.length).toBeGreaterThan(20);
    expect(wantWords('checkreason.', codes)).toEqual([]);
  });
  it('have words for every reason the system writes on a timeline', () => {
    const codes = [...source('ports/json.go').matchAll(/return "([a-z_.]+)"/g)].map((m) => m[1] ?? '');
    expect(codes.length).toBeGreaterThan(5);
    expect(wantWords('auditreason.', codes)).toEqual([]);
  });
  it('have words for every kind of fraud signal', () => {
    const kinds = [...source('signals.go').matchAll(/SignalKind = "([a-z_]+)"/g)].map((m) => m[1] ?? '');
    expect(kinds.length).toBeGreaterThan(3);
    expect(wantWords('signalwhy.', kinds)).toEqual([]);
    expect(wantWords('signal.', kinds)).toEqual([]);
  });
  it('have words for every deadline rule, document type and problem code', () => {
    const rules = [...source('deadline/rules.go').matchAll(/RuleID = "([a-z-]+)"/g)].map((m) => m[1] ?? '');
    const types = [...source('document/document.go').matchAll(/\bType = "([a-z_]+)"/g)].map((m) => m[1] ?? '');
    const codes = [...source('apperr/apperr.go').matchAll(/\bCode = "([a-z_]+)"/g)].map((m) => m[1] ?? '');
    expect(rules.length).toBeGreaterThan(5);
    expect(types.length).toBeGreaterThan(5);
    expect(codes.length).toBeGreaterThan(5);
    expect([...wantWords('rule.', rules), ...wantWords('doctype.', types), ...wantWords('error.code.', codes)]).toEqual([]);
  });
  it('have words for every three-way issue', () => {
    const codes = [...source('threeway.go').matchAll(/\.issue\("([a-z_]+)"/g)].map((m) => m[1] ?? '');
    expect(codes.length).toBeGreaterThan(5);
    expect(wantWords('threeway.issue.', codes)).toEqual([]);
  });
});
