import { describe, expect, it } from 'vitest';
import type { Checklist, ChecklistItem, ClaimDocument, Report } from '../api/types';
import { bilingual, counts, intakeStage, isComplete, itemView, noticeAllowed, satisfyingDocuments } from './checklist';

const item = (id: string, state?: ChecklistItem['state'], extra: Partial<ChecklistItem> = {}): ChecklistItem => ({
  id,
  title: id,
  title_en: id,
  description: '',
  description_en: '',
  documents: [],
  any_of: false,
  ...(state ? { state } : {}),
  ...extra,
});
const doc = (id: string, state: ClaimDocument['state']): ClaimDocument => ({
  id,
  report_id: 'r',
  claim_id: 'c',
  sha256: '',
  media: 'png',
  pages: 1,
  size_bytes: 1,
  uploaded_by: 'h',
  uploaded_at: '',
  state,
  fields: {},
});
const checklist = (items: ChecklistItem[], extra: Partial<Checklist> = {}): Checklist => ({ incident_type: 'medical', version: '1', title: '', title_en: '', basis: '', items, ...extra });
const report = (extra: Partial<Report>): Report => ({
  id: 'r',
  claim_id: 'c',
  policy_number: 'P',
  insured_name: 'I',
  incident_type: 'medical',
  incident_time: '',
  reporter: { name: 'I', role: 'insured' },
  reported_at: '',
  claim_requested_at: null,
  ...extra,
});

describe('checklist items as shown', () => {
  it('shows a checklist not of a report as required, or conditional', () => {
    expect(itemView(item('insured_id'))).toBe('required');
    expect(itemView(item('claimant_id', undefined, { condition: { text: '申请人不是被保险人本人时提供', text_en: 'when someone else claims' } }))).toBe('conditional');
  });
  it('takes the report’s state, a missing item being read while uploads are', () => {
    expect(itemView(item('a', 'satisfied'))).toBe('satisfied');
    expect(itemView(item('a', 'waived'))).toBe('waived');
    expect(itemView(item('a', 'not_applicable'), [doc('d', 'reading')])).toBe('not_applicable');
    expect(itemView(item('a', 'missing'), [doc('d', 'read')])).toBe('missing');
    expect(itemView(item('a', 'missing'), [doc('d', 'read'), doc('e', 'pending')])).toBe('reading');
  });
  it('names the documents that satisfy an item', () => {
    const it1 = item('invoices', 'satisfied', { satisfied_by: [{ document_id: 'd1', type: 'medical_invoice' }, { document_id: 'gone', type: 'medical_invoice' }] });
    const got = satisfyingDocuments(it1, [{ ...doc('d1', 'read'), file_name: 'scan.png' }]);
    expect(got.map((g) => [g.id, g.document?.file_name])).toEqual([
      ['d1', 'scan.png'],
      ['gone', undefined],
    ]);
  });
  it('counts the items asked for, not those that do not apply', () => {
    const c = checklist([item('a', 'satisfied'), item('b', 'waived'), item('c', 'missing'), item('d', 'not_applicable')]);
    expect(counts(c)).toEqual({ asked: 3, satisfied: 1, waived: 1, missing: 1, notApplicable: 1 });
    expect(isComplete(c)).toBe(false);
    expect(isComplete(checklist([item('a', 'satisfied'), item('d', 'not_applicable')]))).toBe(true);
    expect(isComplete(checklist([item('a', 'missing')], { complete: true }))).toBe(true);
    expect(isComplete(checklist([item('a')]))).toBe(false);
  });
  it('speaks the user’s language, Chinese standing in for missing English', () => {
    expect(bilingual('身份证', 'Identity card', 'en')).toBe('Identity card');
    expect(bilingual('身份证', 'Identity card', 'zh')).toBe('身份证');
    expect(bilingual('身份证', '', 'en')).toBe('身份证');
  });
});

describe('where the claim stands in intake', () => {
  const missing = checklist([item('a', 'missing')], { complete: false, missing: ['a'] });
  it('is reported, incomplete, then handed over', () => {
    expect(intakeStage(report({}))).toBe('reported');
    expect(intakeStage(report({ claim_requested_at: 't' }))).toBe('incomplete');
    expect(intakeStage(report({ claim_requested_at: 't', handed_over_at: 'u' }))).toBe('handed_over');
  });
  it('allows the one-time notice (R3) after the request while items are missing and nothing is being read', () => {
    expect(noticeAllowed(report({ checklist: missing }))).toEqual({ kind: 'none', why: 'not-requested' });
    expect(noticeAllowed(report({ claim_requested_at: 't', checklist: missing }))).toEqual({ kind: 'one-time' });
    expect(noticeAllowed(report({ claim_requested_at: 't', checklist: missing, documents: [doc('d', 'pending')] }))).toEqual({ kind: 'none', why: 'reading' });
    expect(noticeAllowed(report({ claim_requested_at: 't', checklist: checklist([item('a', 'satisfied')], { complete: true }) }))).toEqual({ kind: 'none', why: 'complete' });
  });
  it('allows only a later notice, with its reason, once the one-time notice went', () => {
    const sent = { seq: 1, one_time: true, items: [], channel: 'sms', sent_by: 'h', sent_at: 't', letter: '/x' };
    expect(noticeAllowed(report({ claim_requested_at: 't', checklist: missing, missing_documents_notices: [sent] }))).toEqual({ kind: 'later' });
  });
});
