import { describe, expect, it } from 'vitest';
import type { Role, User } from '../api/types';
import { canConfirmPayees, canDecide, canJudgeDocuments, canReconcile, canReveal, canSee, homePath } from './permissions';

const as = (...roles: Role[]): User => ({ subject: 'u', name: 'u', roles });

describe('pages by role', () => {
  it('keeps the finance page from a handler', () => {
    expect(canSee(as('handler'), 'payouts')).toBe(false);
    expect(canSee(as('finance'), 'payouts')).toBe(true);
  });
  it('shows senior handlers the payees waiting for them, and the reconciliations to finance, auditors and admins only (issue 14)', () => {
    expect(canSee(as('senior_handler'), 'payouts')).toBe(true);
    expect(canConfirmPayees(as('senior_handler'))).toBe(true);
    expect(canConfirmPayees(as('handler'))).toBe(false);
    expect(canConfirmPayees(as('finance'))).toBe(false);
    expect(canReconcile(as('senior_handler'))).toBe(false);
    expect(canReconcile(as('finance'))).toBe(true);
    expect(canReconcile(as('auditor'))).toBe(true);
  });
  it('lets handlers decide and finance not', () => {
    expect(canDecide(as('handler'))).toBe(true);
    expect(canDecide(as('finance'))).toBe(false);
    expect(canDecide(as('auditor'))).toBe(false);
  });
  it('gives compliance to those the tracking API allows', () => {
    expect(canSee(as('senior_handler'), 'compliance')).toBe(true);
    expect(canSee(as('handler'), 'compliance')).toBe(false);
    expect(canSee(as('finance'), 'compliance')).toBe(false);
  });
  it('lands each role on a page it may see', () => {
    expect(homePath(as('handler'))).toBe('/queue');
    expect(homePath(as('finance'))).toBe('/payouts');
    expect(homePath(as('auditor'))).toBe('/queue');
    expect(homePath(as('catastrophe_coordinator'))).toBe('/catastrophe');
  });
  it('offers the reveal of a payee to finance and senior handlers only, as payout allows (R11)', () => {
    expect(canReveal(as('finance'))).toBe(true);
    expect(canReveal(as('senior_handler'))).toBe(true);
    expect(canReveal(as('handler'))).toBe(false);
    expect(canReveal(as('admin'))).toBe(false);
    expect(canSee(as('auditor'), 'reveals')).toBe(true);
    expect(canSee(as('finance'), 'reveals')).toBe(false);
  });
  it('lets handlers, not the catastrophe team, mark checklist items satisfied', () => {
    expect(canJudgeDocuments(as('handler'))).toBe(true);
    expect(canJudgeDocuments(as('catastrophe_coordinator'))).toBe(false);
  });
});
