import { describe, expect, it } from 'vitest';
import type { ClaimDocument } from '../api/types';
import { correctionOf, draftFor } from './correction';

const doc = (id: string, type: string, fields: ClaimDocument['fields']) =>
  ({ id, type, fields, state: 'read', media: 'png', pages: 1 }) as unknown as ClaimDocument;
const idCard = doc('d-id', 'id_card', { names: ['王五'], id_number: '************0015' });
const invoice = doc('d-inv', 'medical_invoice', { total_amount_fen: 120000, invoice_number: '0012345678' });

describe('the correction form is bound to the document it shows (issue 20)', () => {
  it('sends only the amount changed on the invoice, naming the invoice type', () => {
    const draft = { ...draftFor(invoice), amount: '1300.00' };
    expect(correctionOf(invoice, draft)).toEqual({
      correction: { expected_type: 'medical_invoice', fields: { total_amount_fen: 130000 } },
    });
  });
  it('refuses the ID card form for the invoice: no re-type, no name carried over', () => {
    const stale = { ...draftFor(idCard), amount: '1300.00' };
    expect(correctionOf(invoice, stale)).toEqual({ problem: 'other_document' });
  });
  it('starts the invoice form from the invoice, not from the document shown before', () => {
    const draft = draftFor(invoice);
    expect(draft).toMatchObject({ docId: 'd-inv', type: 'medical_invoice', names: '', amount: '1200.00' });
  });
  it('re-types explicitly, naming the type it changes from', () => {
    expect(correctionOf(invoice, { ...draftFor(invoice), type: 'other' })).toEqual({
      correction: { expected_type: 'medical_invoice', type: 'other' },
    });
  });
  it('finds nothing to send when nothing changed, and refuses an amount that is not one', () => {
    expect(correctionOf(invoice, draftFor(invoice))).toEqual({ problem: 'nothing' });
    expect(correctionOf(invoice, { ...draftFor(invoice), amount: '12x' })).toEqual({ problem: 'amount' });
  });
  it('names no type for a document not typed yet', () => {
    const unread = doc('d-new', '', {});
    expect(correctionOf(unread, { ...draftFor(unread), type: 'id_card', names: '王五' })).toEqual({
      correction: { expected_type: '', type: 'id_card', fields: { names: ['王五'] } },
    });
  });
});
