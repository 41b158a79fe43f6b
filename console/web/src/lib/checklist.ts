// The guidance checklist (R1) as the console shows it: per item, where it
// stands on a report and what satisfies it; whether the claim may go to
// adjudication; which notice of missing documents (R3) may be sent.

import type { Checklist, ChecklistItem, ClaimDocument, Report, TextPair } from '../api/types';

/**
 * How an item shows:
 *   - required, conditional: a checklist not yet of a report (the preview
 *     of a new one), the item asked for always or only when its condition holds;
 *   - satisfied: a document satisfies it;
 *   - waived: a handler marked it satisfied, with a reason;
 *   - reading: missing, while uploaded documents are still being read (one may satisfy it);
 *   - missing: asked for and not provided;
 *   - not_applicable: its condition does not hold for this claim.
 */
export type ItemView = 'required' | 'conditional' | 'satisfied' | 'waived' | 'reading' | 'missing' | 'not_applicable';

/** A document is being read until its state is read or failed. */
export function isBeingRead(d: ClaimDocument): boolean {
  return d.state === 'pending' || d.state === 'reading';
}

export function itemView(item: ChecklistItem, documents: readonly ClaimDocument[] = []): ItemView {
  switch (item.state) {
    case undefined:
      return item.condition ? 'conditional' : 'required';
    case 'missing':
      return documents.some(isBeingRead) ? 'reading' : 'missing';
    default:
      return item.state;
  }
}

/** The item's title, description or document name in lang (Chinese the default). */
export function bilingual(zh: string, en: string | undefined, lang: string): string {
  return lang === 'en' && en ? en : zh;
}

export function pairText(p: TextPair | undefined, lang: string): string {
  return p ? bilingual(p.text, p.text_en, lang) : '';
}

/**
 * The documents that satisfy an item, with what the report knows of each;
 * pages are those of the part that satisfies it when its upload holds
 * several (issue 18).
 */
export function satisfyingDocuments(
  item: ChecklistItem,
  documents: readonly ClaimDocument[],
): { id: string; part: number; type: string; document: ClaimDocument | undefined; pages?: [number, number] }[] {
  return (item.satisfied_by ?? []).map((s) => {
    const document = documents.find((d) => d.id === s.document_id);
    const part = s.part ?? 0;
    const pages = (document?.parts?.length ?? 0) > 1 ? document?.parts?.[part]?.pages : undefined;
    return { id: s.document_id, part, type: s.type, document, pages };
  });
}

export interface ChecklistCounts {
  asked: number;
  satisfied: number;
  waived: number;
  missing: number;
  notApplicable: number;
}

export function counts(c: Checklist): ChecklistCounts {
  const n: ChecklistCounts = { asked: 0, satisfied: 0, waived: 0, missing: 0, notApplicable: 0 };
  for (const i of c.items) {
    if (i.state === 'not_applicable') n.notApplicable++;
    else {
      n.asked++;
      if (i.state === 'satisfied') n.satisfied++;
      else if (i.state === 'waived') n.waived++;
      else if (i.state === 'missing') n.missing++;
    }
  }
  return n;
}

/** Whether the checklist of a report is complete: the service says so, else no item is missing. */
export function isComplete(c: Checklist | undefined): boolean {
  if (!c) return false;
  if (c.complete !== undefined) return c.complete;
  return c.items.every((i) => i.state !== undefined && i.state !== 'missing');
}

/**
 * Where the claim stands in intake:
 *   - reported: no claim request yet;
 *   - incomplete: requested, items still missing (or documents being read);
 *   - handed_over: complete and sent to adjudication.
 */
export function intakeStage(r: Report): 'reported' | 'incomplete' | 'handed_over' {
  if (r.handed_over_at) return 'handed_over';
  if (!r.claim_requested_at) return 'reported';
  return 'incomplete';
}

/**
 * The notice of missing documents (R3) the handler may send now: the
 * one-time notice listing everything missing, a later one (which needs a
 * reason: new information made an item necessary), or none, with why.
 */
export function noticeAllowed(r: Report): { kind: 'one-time' | 'later' } | { kind: 'none'; why: 'not-requested' | 'complete' | 'reading' | 'nothing-missing' } {
  if (!r.claim_requested_at) return { kind: 'none', why: 'not-requested' };
  if (r.handed_over_at || isComplete(r.checklist)) return { kind: 'none', why: 'complete' };
  if ((r.documents ?? []).some(isBeingRead)) return { kind: 'none', why: 'reading' };
  if ((r.checklist?.missing ?? []).length === 0 && !(r.checklist?.items ?? []).some((i) => i.state === 'missing')) return { kind: 'none', why: 'nothing-missing' };
  return { kind: (r.missing_documents_notices ?? []).some((n) => n.one_time) ? 'later' : 'one-time' };
}
