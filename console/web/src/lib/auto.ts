// The fields of a straight-through assessment read with low confidence
// (issue 19), from its two lists: the corroborations (confirmed by an
// independent check) and the low_confidence reasons naming a field (not
// confirmed: the claim went to a handler).

import type { Assessment, AutoReason } from '../api/auto';
import type { DocumentPart } from '../api/types';
import { localParams } from './params';

/** LowField is a field read below the policy's confidence; by is '' when nothing confirmed it. */
export interface LowField {
  document_id: string;
  field: string;
  confidence: number;
  by: string;
  other_document_id?: string;
}

/**
 * lowFields lists the fields of a read below the policy's confidence, in
 * the order adjudication found them: the corroborated ones and then those
 * left to a handler. A low_confidence reason without a field (a document
 * in doubt as a whole) is not a field and stays among the reasons only.
 */
export function lowFields(a: Assessment): LowField[] {
  const out: LowField[] = (a.corroborations ?? []).map((c) => ({ ...c }));
  for (const r of a.reasons) {
    const field = r.params.field;
    if (r.code !== 'low_confidence' || !field) continue;
    const confidence = Number.parseFloat(r.params.confidence ?? '');
    out.push({ document_id: r.params.document_id ?? '', field, confidence: Number.isFinite(confidence) ? confidence : 0, by: '' });
  }
  return out;
}

/** percent shows a confidence from 0 to 1 as a whole percentage, rounded down so that 0.899 never shows as 90%. */
export function percent(confidence: number): string {
  return `${Math.floor(confidence * 100 + 1e-9)}%`;
}

/**
 * partOfField is the index of the part a field was read from: the
 * part whose source of field has the confidence adjudication saw (a bundle
 * may hold two invoices; the first of them for a confidence not known:
 * NaN), else the first part that has the field, else 0.
 */
export function partOfField(parts: DocumentPart[], field: string, confidence: number): number {
  let best = -1;
  let gap = Infinity;
  for (const p of parts) {
    const s = p.sources?.[field];
    if (!s) continue;
    const g = Number.isFinite(confidence) ? Math.abs(s.confidence - confidence) : 0;
    if (g < gap) {
      best = p.index;
      gap = g;
    }
  }
  return best < 0 ? 0 : best;
}

/** Tx looks up the word of a key built from data, with a fallback (useI18n's tx). */
type Tx = (key: string, fallback: string, vars?: Record<string, string | number>) => string;

/**
 * reasonKey is the catalogue's key for r: a code whose parameters say a
 * different thing gets its own words (a document in doubt as a whole
 * rather than one field; a receipt alike another of the same claim rather
 * than of another claim; the payee agreed in advance rather than the bank
 * card among the documents; which part of the payee is not verified).
 */
export function reasonKey(r: AutoReason): string {
  const p = r.params;
  switch (r.code) {
    case 'low_confidence':
      if (!p.field) return 'auto.reason.low_confidence.document';
      break;
    case 'payee_not_entitled':
      if (p.payee === 'requested') return 'role' in p ? 'auto.reason.payee_not_entitled.role' : 'auto.reason.payee_not_entitled.holder';
      break;
    case 'invoice_alike':
      if (p.other_document_id) return 'auto.reason.invoice_alike.document';
      break;
    case 'entered_by_staff':
      if (p.payee === 'requested') return 'auto.reason.entered_by_staff.payee';
      if (p.corrected_by) return 'auto.reason.entered_by_staff.corrected';
      if (!p.entered_by) return 'auto.reason.entered_by_staff.unknown';
      break;
    case 'payee_not_verified':
      if (p.missing === 'bank_card') return 'auto.reason.payee_not_verified.no_card';
      if (p.missing === 'sealed_payee') return 'auto.reason.payee_not_verified.sealed';
      if (p.payee === 'requested') return 'auto.reason.payee_not_verified.account';
      break;
  }
  return 'auto.reason.' + r.code;
}

/**
 * reasonText is a reason a claim was not decided automatically in words,
 * its parameters filled in as a handler reads them: a document by its name
 * (docName), a field, a document type, a check or a signal by its words,
 * confidences as percentages, dates and amounts as lang writes them.
 */
export function reasonText(r: AutoReason, tx: Tx, lang: string, docName: (id: string) => string = (id) => id): string {
  const p = r.params;
  const params: Record<string, string> = localParams(p, lang, tx);
  for (const k of ['document_id', 'other_document_id']) if (p[k]) params[k] = docName(p[k]);
  if (p.field) params.field = tx('auto.field.' + p.field, p.field);
  if (p.type) params.type = tx('doctype.' + p.type, p.type);
  for (const k of ['confidence', 'threshold', 'first_confidence', 'again_confidence']) {
    const v = Number.parseFloat(p[k] ?? '');
    if (Number.isFinite(v)) params[k] = percent(v);
  }
  if (r.code === 'check_not_passed') {
    // The check and its finding in words: the finding's code and values
    // come as finding_code and finding_<name> (issue 20).
    const finding: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) if (k.startsWith('finding_') && k !== 'finding_code') finding[k.slice(8)] = v;
    params.check = tx('check.' + p.check, p.check ?? '');
    params.finding = p.finding_code ? tx('checkreason.' + p.finding_code, p.finding ?? '', localParams(finding, lang, tx)) : tx('auto.findingUnworded', '');
  } else if (r.code === 'fraud_signal') {
    params.signal = tx('signal.' + p.signal, p.signal ?? '');
  }
  return tx(reasonKey(r), r.code + ' ' + JSON.stringify(p), params);
}
