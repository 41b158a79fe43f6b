// What each role sees in the console. It mirrors the services' permission
// tables (ports.Permissions() of each service, trackinghttp.Permissions()),
// which decide in the end: a page hidden here is refused there too (403).

import type { Role, User } from '../api/types';

export type Page = 'queue' | 'new-report' | 'claim' | 'payouts' | 'compliance' | 'catastrophe';

const readers: Role[] = ['handler', 'senior_handler', 'catastrophe_coordinator', 'auditor', 'admin'];

const pageRoles: Record<Page, readonly Role[]> = {
  // GET /v1/cases (adjudication)
  queue: readers,
  // POST /v1/reports (intake)
  'new-report': ['handler', 'senior_handler', 'catastrophe_coordinator', 'admin'],
  // GET /v1/cases/{claimId}
  claim: readers,
  // The finance page; handlers see a claim's payments on the claim only.
  payouts: ['finance', 'auditor', 'admin'],
  // GET /v1/compliance-report
  compliance: ['senior_handler', 'auditor', 'admin'],
  // the catastrophe switch (to come)
  catastrophe: ['catastrophe_coordinator', 'admin'],
};

/** Reports whether user holds any of roles. */
export function hasAny(user: User | null, roles: readonly Role[]): boolean {
  return !!user && user.roles.some((r) => roles.includes(r));
}

export function canSee(user: User | null, page: Page): boolean {
  return hasAny(user, pageRoles[page]);
}

/** POST /v1/cases/{claimId}/decision and rejection-letter. */
export function canDecide(user: User | null): boolean {
  return hasAny(user, ['handler', 'senior_handler']);
}

/** GET /v1/obligations (payout): a claim's payments on its page. */
export function canReadPayouts(user: User | null): boolean {
  return hasAny(user, ['finance', 'handler', 'senior_handler', 'auditor', 'admin']);
}

/** Who may reveal a masked personal datum (R11); every reveal is recorded. */
export function canReveal(user: User | null): boolean {
  return hasAny(user, ['senior_handler', 'admin']);
}

/** The first page a user lands on after sign-in. */
export function homePath(user: User | null): string {
  if (canSee(user, 'queue')) return '/queue';
  if (canSee(user, 'payouts')) return '/payouts';
  if (canSee(user, 'compliance')) return '/compliance';
  return '/not-allowed';
}
