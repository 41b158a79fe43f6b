// The correction form's state and the request it makes, bound to the
// document the form was made for (issue 20: a form that kept the ID card's
// values re-typed the invoice shown after it as an ID card). The request
// names the type the handler saw (expected_type), so that intake refuses a
// correction made for another document's type with 409.

import type { ClaimDocument, Correction } from '../api/types';
import { fenToPlainYuan, parseYuan } from './money';

/** What the correction form holds, and the document it was made for. */
export interface CorrectionDraft {
  docId: string;
  type: string;
  amount: string;
  eventDate: string;
  invoice: string;
  names: string;
  idNumber: string;
  note: string;
}

/** The form as it starts for document d: its values as they stand. */
export function draftFor(d: ClaimDocument): CorrectionDraft {
  return {
    docId: d.id,
    type: d.type ?? '',
    amount: d.fields.total_amount_fen !== undefined ? fenToPlainYuan(d.fields.total_amount_fen) : '',
    eventDate: d.fields.event_date ?? '',
    invoice: d.fields.invoice_number ?? '',
    names: (d.fields.names ?? []).join('、'),
    idNumber: '',
    note: '',
  };
}

/** Why a draft makes no request: made for another document, nothing changed, or an amount that is not one. */
export type DraftProblem = 'other_document' | 'nothing' | 'amount';

/**
 * correctionOf returns the request that draft makes for document d: only
 * what differs from d as it stands, with the type the handler saw. A draft
 * made for another document makes none.
 */
export function correctionOf(d: ClaimDocument, draft: CorrectionDraft): { correction: Correction } | { problem: DraftProblem } {
  if (draft.docId !== d.id) return { problem: 'other_document' };
  const c: Correction = { expected_type: d.type ?? '' };
  const fields: NonNullable<Correction['fields']> = {};
  if (draft.type && draft.type !== (d.type ?? '')) c.type = draft.type;
  const fen = draft.amount.trim() ? parseYuan(draft.amount) : null;
  if (draft.amount.trim() && fen === null) return { problem: 'amount' };
  if (fen !== null && fen !== d.fields.total_amount_fen) fields.total_amount_fen = fen;
  if (draft.eventDate && draft.eventDate !== d.fields.event_date) fields.event_date = draft.eventDate;
  const invoice = draft.invoice.trim();
  if (invoice && invoice !== d.fields.invoice_number) fields.invoice_number = invoice;
  const list = draft.names
    .split(/[、,，;；\s]+/)
    .map((n) => n.trim())
    .filter(Boolean);
  if (list.join('、') !== (d.fields.names ?? []).join('、')) fields.names = list;
  if (draft.idNumber.trim()) fields.id_number = draft.idNumber.trim();
  if (Object.keys(fields).length > 0) c.fields = fields;
  if (!c.type && !c.fields) return { problem: 'nothing' };
  if (draft.note.trim()) c.note = draft.note.trim();
  return { correction: c };
}
