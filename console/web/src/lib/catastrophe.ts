// The catastrophe console's arithmetic (R8): the declaration form's
// inputs, and the live counts of tagged claims and advance payments.

import type { Case, Obligation } from '../api/types';

/** Upper-case letters, digits and dashes, starting with a letter: TY-2026-09. */
export const catastropheCodePattern = /^[A-Z][A-Z0-9-]{1,39}$/;

/** "50" or "12.5" percent as basis points (5000, 1250), 1 to 10000; null otherwise. */
export function percentToBps(input: string): number | null {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(input.trim().replace(/%$/, ''));
  if (!m) return null;
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return bps >= 1 && bps <= 10000 ? bps : null;
}

/** Basis points as a percentage for people: 5000 → "50%", 1250 → "12.5%". */
export function bpsToPercent(bps: number): string {
  return `${(bps / 100).toString()}%`;
}

/** Division codes separated by commas, spaces or 、; null when one is not 2 to 12 digits. */
export function parseRegions(input: string): string[] | null {
  const list = input.split(/[\s,，、;；]+/).filter(Boolean);
  if (list.length === 0 || list.some((r) => !/^\d{2,12}$/.test(r))) return null;
  return [...new Set(list)];
}

export interface LiveCounts {
  tagged: number;
  open: number;
  decided: number;
  /** Tagged cases per internal target state (on-track, at-risk, breached, met, missed). */
  targets: Record<string, number>;
  advancesOffered: number;
  advancesApproved: number;
  advancedFen: number;
  /** Advance payments in payout, when the role may read them. */
  payouts: { scheduled: number; completed: number; failed: number; paidFen: number } | null;
}

const undecided = ['received', 'under_review', 'awaiting_documents', 'complex', 'pending_approval'];

/** The live counts of one catastrophe from the cases (adjudication) and, when readable, the advance payments (payout). */
export function liveCounts(code: string, cases: readonly Case[], obligations: readonly Obligation[] | null): LiveCounts {
  const tagged = cases.filter((c) => c.catastrophe?.code === code);
  const n: LiveCounts = { tagged: tagged.length, open: 0, decided: 0, targets: {}, advancesOffered: 0, advancesApproved: 0, advancedFen: 0, payouts: null };
  for (const c of tagged) {
    if (undecided.includes(c.state)) n.open++;
    else n.decided++;
    const ts = c.catastrophe?.target_state;
    if (ts) n.targets[ts] = (n.targets[ts] ?? 0) + 1;
    for (const a of c.advances ?? []) {
      if (a.catastrophe_code && a.catastrophe_code !== code) continue;
      if (a.state === 'approved') {
        n.advancesApproved++;
        n.advancedFen += a.amount_fen;
      } else n.advancesOffered++;
    }
  }
  if (obligations) {
    const claims = new Set(tagged.map((c) => c.claim_id));
    const p = { scheduled: 0, completed: 0, failed: 0, paidFen: 0 };
    for (const o of obligations) {
      if (o.payout_type !== 'advance' || !claims.has(o.claim_id)) continue;
      if (o.state === 'completed') {
        p.completed++;
        p.paidFen += o.amount_fen;
      } else if (o.state === 'failed') p.failed++;
      else if (o.state === 'scheduled' || o.state === 'sent') p.scheduled++;
    }
    n.payouts = p;
  }
  return n;
}
