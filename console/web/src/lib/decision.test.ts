import { describe, expect, it } from 'vitest';
import { buildDecision, citesDocument, defaultBenefit, lineFor, linesInFen, totalApprovedFen, type LineDraft, type ReasonDraft } from './decision';

const line = (benefit: string, claimed: string, approved = ''): LineDraft => ({ benefit, claimed, approved });
const reason: ReasonDraft = { code: 'WAITING_PERIOD', text: '出险时间在等待期内', clause: '《示例住院医疗保险条款》第四条' };
const keys = (r: ReturnType<typeof buildDecision>) => r.problems.map((p) => `${p.field}:${p.key}`);

describe('benefit lines in yuan, sent in fen', () => {
  it('pays every line in full on an approval, whatever is typed as approved', () => {
    expect(linesInFen('approve', [line('medical_expense', '1,234.50', '1')])).toEqual([{ benefit: 'medical_expense', claimed_fen: 123450, approved_fen: 123450 }]);
  });
  it('pays nothing on a rejection', () => {
    expect(linesInFen('reject', [line('medical_expense', '100', '100')])[0]?.approved_fen).toBe(0);
  });
  it('takes the typed amounts of a partial approval, null where one does not parse', () => {
    expect(linesInFen('partly_approve', [line('a', '100', '40.5'), line('b', '1.234', '')])).toEqual([
      { benefit: 'a', claimed_fen: 10000, approved_fen: 4050 },
      { benefit: 'b', claimed_fen: null, approved_fen: null },
    ]);
  });
  it('totals what the lines pay without floating point', () => {
    expect(totalApprovedFen('approve', [line('a', '0.1'), line('b', '0.2')])).toBe(30);
    expect(totalApprovedFen('partly_approve', [line('a', '9876.54', '9876.53'), line('b', 'x', 'y')])).toBe(987653);
  });
  it('starts a line from the amount claimed', () => {
    expect(lineFor('medical_expense', 123450)).toEqual({ benefit: 'medical_expense', claimed: '1234.50', approved: '1234.50' });
    expect(lineFor('death_benefit', undefined)).toEqual({ benefit: 'death_benefit', claimed: '', approved: '' });
    expect(defaultBenefit('critical_illness')).toBe('critical_illness');
    expect(defaultBenefit('medical')).toBe('medical_expense');
  });
});

describe('the decision request', () => {
  it('approves 9,876.54 yuan as 987654 fen with the case version', () => {
    expect(buildDecision('approve', [line('medical_expense', '9876.54')], [], ' ', 3)).toEqual({
      request: { outcome: 'approve', lines: [{ benefit: 'medical_expense', claimed_fen: 987654, approved_fen: 987654 }], version: 3 },
      problems: [],
    });
  });
  it('leaves out empty lines and reasons', () => {
    const r = buildDecision('approve', [line('medical_expense', '10'), line('', '')], [{ code: '', text: '', clause: '' }], '');
    expect(r.request?.lines).toHaveLength(1);
    expect(r.request?.reasons).toBeUndefined();
  });
  it('refuses an approval without lines, a bad code, a duplicate and an amount of three decimals', () => {
    expect(keys(buildDecision('approve', [], [], ''))).toEqual(['lines:lines.none']);
    expect(keys(buildDecision('approve', [line('医疗', '1'), line('a', '1.234'), line('a', '1')], [], ''))).toEqual([
      'lines[0].benefit:lines.benefit',
      'lines[1].claimed:lines.claimed',
      'lines[2].benefit:lines.duplicate',
    ]);
  });
  it('wants a partial approval to pay something, not everything, and to say why', () => {
    expect(keys(buildDecision('partly_approve', [line('a', '100', '0')], [reason], ''))).toEqual(['lines:lines.nothingPaid']);
    expect(keys(buildDecision('partly_approve', [line('a', '100', '100')], [reason], ''))).toEqual(['lines:lines.allPaid']);
    expect(keys(buildDecision('partly_approve', [line('a', '100', '100.01')], [reason], ''))).toEqual(['lines[0].approved:lines.aboveClaimed']);
    expect(keys(buildDecision('partly_approve', [line('a', '100', '60')], [], ''))).toEqual(['reasons:reasons.none']);
    expect(buildDecision('partly_approve', [line('a', '100', '60')], [reason], 'n').request).toEqual({
      outcome: 'partly_approve',
      lines: [{ benefit: 'a', claimed_fen: 10000, approved_fen: 6000 }],
      reasons: [reason],
      note: 'n',
    });
  });
  it('rejects with reasons each citing the clause in 《》, lines optional', () => {
    expect(buildDecision('reject', [], [reason], '').request).toEqual({ outcome: 'reject', lines: [], reasons: [reason] });
    expect(buildDecision('reject', [line('medical_expense', '')], [reason], '').request?.lines).toEqual([]);
    expect(buildDecision('reject', [line('medical_expense', '10')], [reason], '').request?.lines).toEqual([{ benefit: 'medical_expense', claimed_fen: 1000, approved_fen: 0 }]);
    expect(keys(buildDecision('reject', [], [{ code: 'x y', text: '', clause: '第四条' }], ''))).toEqual([
      'reasons[0].code:reasons.code',
      'reasons[0].text:reasons.text',
      'reasons[0].clause:reasons.clause',
    ]);
    expect(citesDocument('《条款》第四条')).toBe(true);
    expect(citesDocument('》条款《')).toBe(false);
  });
});
