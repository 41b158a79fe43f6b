// What each role sees in the console. It mirrors the services' permission
// tables (ports.Permissions() of each service, trackinghttp.Permissions(),
// revealhttp.Permissions()), which decide in the end: a page or button
// hidden here is refused there too (403).

import type { Role, User } from '../api/types';

export type Page = 'queue' | 'new-report' | 'claim' | 'payouts' | 'compliance' | 'catastrophe' | 'reveals' | 'complaints' | 'indicators' | 'users' | 'visits' | 'auto';

const readers: Role[] = ['handler', 'senior_handler', 'catastrophe_coordinator', 'auditor', 'admin'];

const pageRoles: Record<Page, readonly Role[]> = {
  // GET /v1/queue (adjudication)
  queue: readers,
  // POST /v1/reports (intake)
  'new-report': ['handler', 'senior_handler', 'catastrophe_coordinator', 'admin'],
  // GET /v1/cases/{claimId}, GET /v1/reports/{id}
  claim: readers,
  // GET /v1/reconciliation (payout); senior handlers for the payees waiting
  // for their confirmation; handlers see a claim's payments on the claim only.
  payouts: ['finance', 'senior_handler', 'auditor', 'admin'],
  // GET /v1/compliance-report (every service)
  compliance: ['senior_handler', 'auditor', 'admin'],
  // POST /v1/catastrophes (adjudication)
  catastrophe: ['catastrophe_coordinator', 'admin'],
  // GET /v1/personal-data-reveals (payout)
  reveals: ['auditor', 'admin'],
  // GET /v1/complaints (adjudication)
  complaints: ['handler', 'senior_handler', 'auditor', 'admin'],
  // GET /v1/indicators, GET /v1/catastrophes/{code}/daily-report (adjudication)
  indicators: ['senior_handler', 'auditor', 'admin'],
  // POST /api/auth/users/{user}/unlock (the console's sign-in)
  users: ['admin'],
  // GET /v1/visits (adjudication)
  visits: readers,
  // GET /v1/auto/reviews (adjudication): straight-through oversight
  auto: ['senior_handler', 'auditor', 'admin'],
};

/** Reports whether user holds any of roles. */
export function hasAny(user: User | null, roles: readonly Role[]): boolean {
  return !!user && user.roles.some((r) => roles.includes(r));
}

export function canSee(user: User | null, page: Page): boolean {
  return hasAny(user, pageRoles[page]);
}

/** Adjudication's case work: review, decision, document requests, agreement, letter, close. */
export function canDecide(user: User | null): boolean {
  return hasAny(user, ['handler', 'senior_handler']);
}

/** Marking complex and the second pair of eyes on a decision above a handler's authority. */
export function isSenior(user: User | null): boolean {
  return hasAny(user, ['senior_handler']);
}

/** Intake's judgements: marking an item satisfied, correcting a document, the notice of missing documents. */
export function canJudgeDocuments(user: User | null): boolean {
  return hasAny(user, ['handler', 'senior_handler', 'admin']);
}

/** Intake's uploads and claim requests. */
export function canTakeReports(user: User | null): boolean {
  return hasAny(user, pageRoles['new-report']);
}

/** POST /v1/obligations/{id}/payee/confirmation (payout): a senior, who must not have had a hand in the payment (payout checks). */
export function canConfirmPayees(user: User | null): boolean {
  return hasAny(user, ['senior_handler']);
}

/** GET /v1/reconciliation and /v1/reconciliation/three-way (payout). */
export function canReconcile(user: User | null): boolean {
  return hasAny(user, ['finance', 'auditor', 'admin']);
}

/** GET /v1/obligations (payout): a claim's payments on its page. */
export function canReadPayouts(user: User | null): boolean {
  return hasAny(user, ['finance', 'handler', 'senior_handler', 'auditor', 'admin']);
}

/** Who may reveal a payee in clear (R11): finance and senior handlers; every reveal is recorded. */
export function canReveal(user: User | null): boolean {
  return hasAny(user, ['finance', 'senior_handler']);
}

/** Declaring a catastrophe and switching its fast-track mode (R8). */
export function canRunCatastrophes(user: User | null): boolean {
  return hasAny(user, ['catastrophe_coordinator']);
}

/** The first page a user lands on after sign-in. */
export function homePath(user: User | null): string {
  if (canRunCatastrophes(user) && !hasAny(user, ['handler', 'senior_handler', 'admin'])) return '/catastrophe';
  if (canSee(user, 'queue')) return '/queue';
  if (canSee(user, 'payouts')) return '/payouts';
  if (canSee(user, 'compliance')) return '/compliance';
  return '/not-allowed';
}

/** POST /v1/complaints and progress notices (adjudication, R12). */
export function canTakeComplaints(user: User | null): boolean {
  return hasAny(user, ['handler', 'senior_handler']);
}

/** POST /v1/complaints/{id}/reply: the written answer, by a senior handler. */
export function canAnswerComplaints(user: User | null): boolean {
  return hasAny(user, ['senior_handler']);
}
