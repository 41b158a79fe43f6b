import { describe, expect, it } from 'vitest';
import type { ComplianceRule } from '../api/types';
import { mergeRules } from './compliance';
import { toCsv } from './csv';
import { maskBankAccount, maskContact, maskIdNumber, maskPhone } from './mask';
import { fenToPlainYuan, formatFen, parseYuan } from './money';
import { formatDate, formatDateTime, localInputToRFC3339, shanghaiDate } from './time';

describe('masking (R11)', () => {
  it('shows only the last 4 characters of an ID number', () => {
    expect(maskIdNumber('11010119900307123X')).toBe('**************123X');
    expect(maskIdNumber('1101 0119 9003 0712 34')).toBe('**************1234');
  });
  it('hides the length of a bank account', () => {
    expect(maskBankAccount('6222020200112233445')).toBe('**** **** 3445');
    expect(maskBankAccount('6222 0202 0011 2233')).toBe('**** **** 2233');
  });
  it('masks a telephone number with or without +86', () => {
    expect(maskPhone('13812345678')).toBe('*******5678');
    expect(maskPhone('+86 138-1234-5678')).toBe('*******5678');
  });
  it('masks a short value whole', () => {
    expect(maskPhone('123')).toBe('***');
    expect(maskIdNumber('')).toBe('*');
  });
});

describe('money in fen', () => {
  it.each([
    ['1234.56', 123456],
    ['1,234.5', 123450],
    ['¥ 100', 10000],
    ['0.01', 1],
    ['0.1', 10],
    ['19.99', 1999],
    ['1.', 100],
    ['90071992547409', 9007199254740900],
  ])('parses %s yuan as %d fen', (s, fen) => {
    expect(parseYuan(s)).toBe(fen);
  });
  it.each(['', '-1', '1.234', 'abc', '1e3', '12 34', '900719925474099'])('refuses %j', (s) => {
    expect(parseYuan(s)).toBeNull();
  });
  it('formats fen as yuan with grouping and two decimals', () => {
    expect(formatFen(987654)).toBe('¥9,876.54');
    expect(formatFen(5)).toBe('¥0.05');
    expect(formatFen(123456789012)).toBe('¥1,234,567,890.12');
    expect(fenToPlainYuan(987654)).toBe('9876.54');
  });
});

describe('times in Asia/Shanghai', () => {
  it('turns a datetime-local value into RFC 3339 at +08:00', () => {
    expect(localInputToRFC3339('2026-09-28T10:00')).toBe('2026-09-28T10:00:00+08:00');
    expect(localInputToRFC3339('2026-09-28')).toBeNull();
  });
  it('takes the Shanghai calendar date of an instant', () => {
    expect(shanghaiDate(new Date('2026-09-30T17:00:00Z'))).toBe('2026-10-01');
  });
  it('writes dates as each language does, never month first in figures (issue 20)', () => {
    expect(formatDate('2026-12-02', 'zh')).toBe('2026年12月2日');
    expect(formatDate('2026-12-02', 'en')).toBe('2 Dec 2026');
    expect(formatDate('2026-12-01T16:30:00Z', 'zh')).toBe('2026年12月2日');
  });
  it('writes times in Shanghai to the minute, without seconds', () => {
    expect(formatDateTime('2026-12-02T06:03:09.123456Z', 'zh')).toBe('2026年12月2日 14:03');
    expect(formatDateTime('2026-12-02T06:03:09.123456Z', 'en')).toBe('2 Dec 2026, 14:03');
    expect(formatDateTime(null, 'en')).toBe('—');
  });
});

describe('CSV', () => {
  it('quotes, marks the encoding and defuses formulas', () => {
    expect(toCsv([['a', 'b,c'], ['=1+1', 'say "hi"']])).toBe('\uFEFFa,"b,c"\r\n\'=1+1,"say ""hi"""\r\n');
  });
});

describe('compliance rows', () => {
  const rule = (name: string, met: number, missed: number, open: number): ComplianceRule => ({
    rule: name, r_number: 'R', total: met + missed + open, met, missed, open, open_breached: 0, on_time_rate: 0, worst: [],
  });
  const report = (service: string, rules: ReturnType<typeof rule>[]) => ({ service, from: '', to: '', generated_at: '', rules });
  it('sums a rule over the services and names those with deadlines due', () => {
    const rows = mergeRules([
      ['adjudication', report('adjudication', [rule('decision', 3, 1, 2), rule('payment', 0, 0, 0)])],
      ['payout', report('payout', [rule('decision', 0, 0, 0), rule('payment', 4, 0, 1)])],
    ]);
    expect(rows).toHaveLength(2);
    const decision = rows.find((r) => r.rule === 'decision');
    expect(decision).toMatchObject({ total: 6, met: 3, missed: 1, open: 2, services: ['adjudication'], on_time_rate: 0.75 });
    expect(rows.find((r) => r.rule === 'payment')).toMatchObject({ total: 5, services: ['payout'], on_time_rate: 1 });
  });
  it('splits a decision rule by mode, automatic and manual apart (issue 19), and leaves other rules whole', () => {
    const mode = (m: string, met: number, missed: number, open: number) => ({ mode: m, total: met + missed + open, met, missed, open, open_breached: 0, on_time_rate: 0 });
    const rows = mergeRules([
      ['adjudication', report('adjudication', [
        { ...rule('decision', 3, 1, 2), modes: [mode('', 0, 0, 2), mode('automatic', 2, 0, 0), mode('manual', 1, 1, 0)] },
        { ...rule('rejection-notice', 1, 0, 0), modes: [mode('', 1, 0, 0)] },
      ])],
      ['payout', report('payout', [{ ...rule('decision', 0, 0, 0), modes: [] }])],
    ]);
    const decision = rows.find((r) => r.rule === 'decision');
    expect(decision?.modes.map((m) => [m.mode, m.total, m.met, m.missed, m.on_time_rate])).toEqual([
      ['', 2, 0, 0, 1],
      ['automatic', 2, 2, 0, 1],
      ['manual', 2, 1, 1, 0.5],
    ]);
    expect(rows.find((r) => r.rule === 'rejection-notice')?.modes).toEqual([]);
  });
});

describe('contacts', () => {
  it('masks an e-mail address to its first character and domain, a telephone to its last 4 digits', () => {
    expect(maskContact('zhang.wei@example.com')).toBe('z***@example.com');
    expect(maskContact('13812345678')).toBe('*******5678');
  });
});

describe('regions by name (issue 20)', () => {
  it('names a division code in each language', async () => {
    const { regionName } = await import('./regions');
    expect(regionName('310115', 'zh')).toBe('上海市浦东新区');
    expect(regionName('310115', 'en')).toBe('Pudong, Shanghai');
    expect(regionName('3101', 'zh')).toBe('上海市');
    expect(regionName('44', 'zh')).toBe('广东省');
    expect(regionName('440106', 'zh')).toBe('广东省广州市（440106）');
    expect(regionName('上海浦东', 'zh')).toBe('上海浦东');
    expect(regionName('990101', 'zh')).toBe('990101');
    expect(regionName('3101', 'zh', true)).toBe('上海市（3101）');
    expect(regionName('4403', 'en', true)).toBe('Shenzhen, Guangdong (4403)');
  });
});
