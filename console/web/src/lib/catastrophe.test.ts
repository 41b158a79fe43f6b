import { describe, expect, it } from 'vitest';
import type { Case, Obligation } from '../api/types';
import { bpsToPercent, catastropheCodePattern, liveCounts, parseRegions, percentToBps } from './catastrophe';
import { catastropheFirst } from './queue';

describe('the declaration form', () => {
  it('reads a share in percent as basis points', () => {
    expect(percentToBps('50')).toBe(5000);
    expect(percentToBps('12.5%')).toBe(1250);
    expect(percentToBps('0.01')).toBe(1);
    expect(percentToBps('100')).toBe(10000);
    for (const bad of ['0', '100.01', '1.234', 'x', '-5']) expect(percentToBps(bad)).toBeNull();
    expect(bpsToPercent(1250)).toBe('12.5%');
  });
  it('reads division codes and refuses anything else', () => {
    expect(parseRegions('4401, 440305、4401')).toEqual(['4401', '440305']);
    expect(parseRegions('4')).toBeNull();
    expect(parseRegions('广州')).toBeNull();
    expect(parseRegions(' ')).toBeNull();
  });
  it('takes codes such as TY-2026-09', () => {
    expect(catastropheCodePattern.test('TY-2026-09')).toBe(true);
    expect(catastropheCodePattern.test('ty-2026')).toBe(false);
    expect(catastropheCodePattern.test('9TY')).toBe(false);
  });
});

const tag = (code: string, target_state: string) => ({ code, target_working_days: 3, target_due_date: '', target_due_at: '', target_state });
const kase = (claim: string, state: string, cat: ReturnType<typeof tag> | null, advances: Case['advances'] = []): Case =>
  ({ claim_id: claim, state, catastrophe: cat, advances }) as unknown as Case;
const advance = (state: string, amount: number) => ({ id: 'a', ground: 'catastrophe', catastrophe_code: 'TY', amount_fen: amount, expected_benefit_fen: 0, state, offered_at: '', payee: null });
const pay = (claim: string, type: string, state: string, amount: number): Obligation => ({ claim_id: claim, payout_type: type, state, amount_fen: amount }) as unknown as Obligation;

describe('live counts of a catastrophe', () => {
  const cases = [
    kase('c1', 'received', tag('TY', 'on-track'), [advance('offered', 500)]),
    kase('c2', 'approved', tag('TY', 'met'), [advance('approved', 1000)]),
    kase('c3', 'under_review', tag('FL', 'at-risk')),
    kase('c4', 'received', null),
  ];
  it('counts the tagged claims, their targets and advances', () => {
    const n = liveCounts('TY', cases, null);
    expect(n).toMatchObject({ tagged: 2, open: 1, decided: 1, targets: { 'on-track': 1, met: 1 }, advancesOffered: 1, advancesApproved: 1, advancedFen: 1000, payouts: null });
  });
  it('counts the advance payments of the tagged claims only', () => {
    const n = liveCounts('TY', cases, [pay('c2', 'advance', 'completed', 1000), pay('c2', 'final', 'completed', 9), pay('c3', 'advance', 'completed', 7), pay('c1', 'advance', 'sent', 5)]);
    expect(n.payouts).toEqual({ scheduled: 1, completed: 1, failed: 0, paidFen: 1000 });
  });
});

describe('the work queue', () => {
  it('puts catastrophe claims first and keeps the service’s order otherwise', () => {
    const item = (id: string, cat: boolean) => ({ claim_id: id, catastrophe: cat ? tag('TY', 'on-track') : null }) as unknown as Parameters<typeof catastropheFirst>[0][number];
    expect(catastropheFirst([item('a', false), item('b', true), item('c', false), item('d', true)]).map((i) => i.claim_id)).toEqual(['b', 'd', 'a', 'c']);
  });
});
