// The decision form (核定) as adjudication takes it: benefit lines typed in
// yuan and sent in integer fen, and the reasons of a rejection or partial
// approval, each citing its clause. The checks mirror the service's, so the
// handler learns what is wrong before sending; the service checks again.

import type { BenefitLine, DecisionRequest, Outcome, Reason } from '../api/types';
import { fenToPlainYuan, parseYuan } from './money';

/** A benefit line as typed: amounts in yuan. */
export interface LineDraft {
  benefit: string;
  claimed: string;
  approved: string;
}

export interface ReasonDraft {
  code: string;
  text: string;
  clause: string;
}

/** What is wrong with a field of the form; key names the words that say so. */
export interface Problem {
  field: string;
  key:
    | 'lines.none'
    | 'lines.benefit'
    | 'lines.duplicate'
    | 'lines.claimed'
    | 'lines.approved'
    | 'lines.aboveClaimed'
    | 'lines.nothingPaid'
    | 'lines.allPaid'
    | 'reasons.none'
    | 'reasons.code'
    | 'reasons.text'
    | 'reasons.clause';
}

const codePattern = /^[A-Za-z0-9._-]{1,32}$/;

/** Reports whether a clause names the contract or statute in 《》, as the rejection notice prints it. */
export function citesDocument(clause: string): boolean {
  const open = clause.indexOf('《');
  return open >= 0 && clause.indexOf('》', open) > open;
}

/** The benefit a new line of a claim of this incident type is most likely for. */
export function defaultBenefit(incidentType: string): string {
  switch (incidentType) {
    case 'critical_illness':
      return 'critical_illness';
    case 'death':
      return 'death_benefit';
    case 'disability':
      return 'disability_benefit';
    default:
      return 'medical_expense';
  }
}

/** A line for a claimed amount in fen (the approved amount starts equal to it). */
export function lineFor(benefit: string, claimedFen: number | undefined): LineDraft {
  const claimed = claimedFen && claimedFen > 0 ? fenToPlainYuan(claimedFen) : '';
  return { benefit, claimed, approved: claimed };
}

/**
 * The lines in fen as the outcome pays them: an approval pays every line in
 * full (what is typed as approved is ignored), a rejection pays nothing.
 * null where an amount does not parse.
 */
export function linesInFen(outcome: Outcome, lines: LineDraft[]): ({ benefit: string; claimed_fen: number | null; approved_fen: number | null })[] {
  return lines.map((l) => {
    const claimed = parseYuan(l.claimed);
    const approved = outcome === 'approve' ? claimed : outcome === 'reject' ? 0 : parseYuan(l.approved);
    return { benefit: l.benefit.trim(), claimed_fen: claimed, approved_fen: approved };
  });
}

/** The total the lines pay, in fen (lines that do not parse count 0). */
export function totalApprovedFen(outcome: Outcome, lines: LineDraft[]): number {
  return linesInFen(outcome, lines).reduce((s, l) => s + (l.approved_fen ?? 0), 0);
}

/** Lines left empty (no benefit, no amount) are not part of the decision. */
function filled(lines: LineDraft[]): LineDraft[] {
  return lines.filter((l) => l.benefit.trim() || l.claimed.trim() || l.approved.trim());
}

function filledReasons(reasons: ReasonDraft[]): ReasonDraft[] {
  return reasons.filter((r) => r.code.trim() || r.text.trim() || r.clause.trim());
}

/**
 * Checks the form and builds the decision request, or says what is wrong.
 *
 *   - approve: at least one line, each paid in full;
 *   - partly_approve: at least one line, something paid and something not,
 *     with reasons;
 *   - reject: nothing paid, with reasons (Insurance Law art. 24).
 */
export function buildDecision(
  outcome: Outcome,
  lineDrafts: LineDraft[],
  reasonDrafts: ReasonDraft[],
  note: string,
  version?: number,
): { request: DecisionRequest | null; problems: Problem[] } {
  const problems: Problem[] = [];
  // A rejection pays nothing: a line without an amount claimed says nothing and is left out.
  const drafts = outcome === 'reject' ? filled(lineDrafts).filter((l) => l.claimed.trim()) : filled(lineDrafts);
  const lines: BenefitLine[] = [];
  const seen = new Set<string>();
  linesInFen(outcome, drafts).forEach((l, i) => {
    const at = `lines[${i}]`;
    if (!codePattern.test(l.benefit)) problems.push({ field: `${at}.benefit`, key: 'lines.benefit' });
    else if (seen.has(l.benefit)) problems.push({ field: `${at}.benefit`, key: 'lines.duplicate' });
    seen.add(l.benefit);
    if (l.claimed_fen === null || l.claimed_fen <= 0) problems.push({ field: `${at}.claimed`, key: 'lines.claimed' });
    // An approval's approved amount is its claimed one: only a partial approval's is typed.
    if (l.approved_fen === null) {
      if (outcome === 'partly_approve') problems.push({ field: `${at}.approved`, key: 'lines.approved' });
    }
    else if (l.claimed_fen !== null && l.approved_fen > l.claimed_fen) problems.push({ field: `${at}.approved`, key: 'lines.aboveClaimed' });
    if (l.claimed_fen !== null && l.approved_fen !== null) lines.push({ benefit: l.benefit, claimed_fen: l.claimed_fen, approved_fen: l.approved_fen });
  });
  const total = lines.reduce((s, l) => s + l.approved_fen, 0);
  const short = lines.some((l) => l.approved_fen < l.claimed_fen);
  if (outcome !== 'reject' && drafts.length === 0) problems.push({ field: 'lines', key: 'lines.none' });
  if (outcome === 'partly_approve' && drafts.length > 0 && problems.length === 0) {
    if (total === 0) problems.push({ field: 'lines', key: 'lines.nothingPaid' });
    else if (!short) problems.push({ field: 'lines', key: 'lines.allPaid' });
  }

  const reasons: Reason[] = [];
  if (outcome !== 'approve') {
    const rs = filledReasons(reasonDrafts);
    if (rs.length === 0) problems.push({ field: 'reasons', key: 'reasons.none' });
    rs.forEach((r, i) => {
      const at = `reasons[${i}]`;
      const reason = { code: r.code.trim(), text: r.text.trim(), clause: r.clause.trim() };
      if (!codePattern.test(reason.code)) problems.push({ field: `${at}.code`, key: 'reasons.code' });
      if (!reason.text) problems.push({ field: `${at}.text`, key: 'reasons.text' });
      if (!citesDocument(reason.clause)) problems.push({ field: `${at}.clause`, key: 'reasons.clause' });
      reasons.push(reason);
    });
  }
  if (problems.length > 0) return { request: null, problems };
  const request: DecisionRequest = { outcome, lines };
  if (reasons.length > 0) request.reasons = reasons;
  if (note.trim()) request.note = note.trim();
  if (version !== undefined) request.version = version;
  return { request, problems };
}
