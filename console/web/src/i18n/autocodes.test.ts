import { describe, expect, it } from 'vitest';
import type { AutoReason } from '../api/auto';
import { reasonText } from '../lib/auto';
import { en, zh } from './dict';
import { isKey, translate, type Lang } from './i18n';

// The reasons a claim was not decided automatically and the ways a field
// read with low confidence is corroborated, read from adjudication's Go
// domain (issue 19): each reason, with the parameters its call site sends,
// must read in both languages with every placeholder filled, and each
// corroboration must have its words, so that a new code fails here before
// a handler sees it as a raw code.
const goSources = import.meta.glob(
  [
    '../../../../services/adjudication/internal/domain/straight.go',
    '../../../../services/adjudication/internal/domain/advance.go',
    '../../../../services/adjudication/internal/domain/provenance.go',
    '../../../../services/adjudication/internal/domain/compute.go',
    '../../../../services/adjudication/internal/domain/corroborate.go',
    '../../../../services/adjudication/internal/domain/decision.go',
  ],
  { query: '?raw', import: 'default', eager: true },
) as Record<string, string>;

const source = (end: string) => Object.entries(goSources).find(([path]) => path.endsWith(end))?.[1] ?? '';

/** goArgs splits the arguments of the Go call whose '(' is at open, at its top-level commas. */
function goArgs(src: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      const close = ch;
      for (i++; i < src.length && src[i] !== close; i++) if (src[i] === '\\' && close !== '`') i++;
      continue;
    }
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        args.push(src.slice(start, i).trim());
        return args;
      }
    } else if (ch === ',' && depth === 1) {
      args.push(src.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error(`unclosed call at ${open}`);
}

/** The literal of a Go string argument, or undefined for another expression. */
const literal = (arg: string | undefined) => /^"([^"\\]*)"$/.exec(arg ?? '')?.[1];

/** A reason's call site: its code and parameters (the literal values it sends, else a sample). */
interface Site {
  code: string;
  params: Record<string, string>;
  at: string;
}

/** reasonSites are the reasons the domain writes, one per call site. */
function reasonSites(): Site[] {
  const out: Site[] = [];
  for (const file of ['straight.go', 'advance.go', 'provenance.go']) {
    const src = source(file);
    for (const m of src.matchAll(/\breason\("/g)) {
      const args = goArgs(src, (m.index ?? 0) + 'reason'.length);
      const params: Record<string, string> = {};
      for (let i = 1; i < args.length; i += 2) {
        const k = literal(args[i]);
        if (k !== undefined) params[k] = literal(args[i + 1]) ?? sample(k);
      }
      out.push({ code: literal(args[0]) ?? '', params, at: `${file}: ${args.join(', ')}` });
    }
  }
  for (const m of source('compute.go').matchAll(/Reason\{Code: "([a-z_]+)", Params: map\[string\]string\{([^}]*)\}/g)) {
    const keys = [...(m[2] ?? '').matchAll(/"(\w+)":/g)].map((k) => k[1] ?? '');
    out.push({ code: m[1] ?? '', params: Object.fromEntries(keys.map((k) => [k, sample(k)])), at: `compute.go: ${m[1]}` });
  }
  return out;
}

/** corroborationKinds are the values c.By takes in corroborate.go, its constants resolved. */
function corroborationKinds(): string[] {
  const src = source('corroborate.go');
  const consts = new Map([...src.matchAll(/^\s*(\w+)\s*=\s*"([a-z_]+)"/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  return [...src.matchAll(/c\.By(?:, c\.Other)? = (\w+|"[a-z_]+")/g)].map((m) => {
    const v = m[1] ?? '';
    return literal(v) ?? consts.get(v) ?? `unresolved ${v}`;
  });
}

/** A value for a parameter as adjudication sends it. */
function sample(key: string): string {
  if (key.endsWith('confidence') || key === 'threshold') return '0.85';
  if (key.endsWith('_fen')) return '12345';
  if (key === 'date' || key === 'from' || key === 'to' || key === 'waiting_until') return '2026-03-01';
  return `v-${key}`;
}

const txIn = (lang: Lang) => (key: string, fallback: string, vars?: Record<string, string | number>) =>
  isKey(key) ? translate(lang, key, vars) : fallback;

describe('the reasons adjudication gives for not deciding a claim automatically', () => {
  it('reads the Go domain', () => {
    expect(Object.keys(goSources)).toHaveLength(6);
    expect(reasonSites().length).toBeGreaterThan(30);
    expect(corroborationKinds().length).toBeGreaterThan(7);
  });
  it('reads a call whose arguments hold calls and runes', () => {
    const src = `x := reason("low_confidence", "confidence", strconv.FormatFloat(c, 'f', 2, 64), "field", f)`;
    expect(goArgs(src, src.indexOf('('))).toEqual(['"low_confidence"', '"confidence"', "strconv.FormatFloat(c, 'f', 2, 64)", '"field"', 'f']);
  });
  it('have words for every code in both languages', () => {
    const missing: string[] = [];
    for (const { code } of reasonSites()) {
      if (!(`auto.reason.${code}` in zh)) missing.push(`auto.reason.${code} (zh)`);
      if (!(`auto.reason.${code}` in en)) missing.push(`auto.reason.${code} (en)`);
    }
    expect([...new Set(missing)]).toEqual([]);
  });
  it('read with every placeholder filled, as each call site sends them', () => {
    const wrong: string[] = [];
    for (const site of reasonSites()) {
      const r: AutoReason = { code: site.code, params: site.params };
      for (const lang of ['zh', 'en'] as const) {
        const text = reasonText(r, txIn(lang), lang);
        if (text.startsWith(site.code + ' ') || /\{\w+\}/.test(text)) wrong.push(`${lang} ${site.at}: ${text}`);
      }
    }
    expect(wrong).toEqual([]);
  });
  it('have words for every way a field read with low confidence is corroborated', () => {
    const missing: string[] = [];
    for (const by of corroborationKinds()) {
      if (!(`auto.by.${by}` in zh)) missing.push(`auto.by.${by} (zh)`);
      if (!(`auto.by.${by}` in en)) missing.push(`auto.by.${by} (en)`);
    }
    expect(missing).toEqual([]);
  });
  it('have words for every reason a decision is reviewed after the fact and every outcome of the review', () => {
    const reasons = [...source('decision.go').matchAll(/^\s*Review\w+\s*=\s*"([a-z_]+)"/gm)].map((m) => `auto.reviewReason.${m[1]}`);
    const outcomes = [...source('straight.go').matchAll(/^\s*Review(?:Confirmed|Wrong)\s*=\s*"([a-z_]+)"/gm)].map((m) => `auto.outcome.${m[1]}`);
    expect(reasons.length).toBeGreaterThan(1);
    expect(outcomes).toHaveLength(2);
    expect([...reasons, ...outcomes].filter((k) => !(k in zh) || !(k in en))).toEqual([]);
  });
});
