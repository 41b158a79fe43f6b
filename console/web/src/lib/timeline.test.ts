import { describe, expect, it } from 'vitest';
import type { AuditEntry, Obligation, Report } from '../api/types';
import { adjudicationEvents, intakeEvents, mergeTimeline, payoutEvents } from './timeline';

const report = {
  id: 'r1',
  claim_id: 'c1',
  policy_number: 'P-1',
  insured_name: '张三',
  incident_type: 'medical',
  incident_time: '2026-11-01T02:00:00Z',
  reporter: { name: '李四', role: 'beneficiary' },
  reported_at: '2026-11-02T01:00:00Z',
  claim_requested_at: '2026-11-03T01:00:00Z',
  documents: [
    {
      id: 'd1', report_id: 'r1', claim_id: 'c1', sha256: 'x', media: 'pdf', pages: 1, size_bytes: 1, file_name: 'invoice.pdf',
      uploaded_by: 'handler-1', uploaded_at: '2026-11-02T03:00:00Z', state: 'read', fields: {},
      corrections: [{ fields: {}, by: 'handler-2', at: '2026-11-04T00:00:00Z' }],
    },
  ],
  missing_documents_notices: [{ seq: 1, one_time: true, items: [], channel: 'letter', sent_by: 'handler-1', sent_at: '2026-11-03T05:00:00Z', letter: '/x' }],
} as unknown as Report;

describe('mergeTimeline', () => {
  it('orders the three services by time, intake first at the same instant', () => {
    const audit: AuditEntry[] = [
      { at: '2026-11-03T01:00:00Z', actor: 'system:intake', action: 'opened' },
      { at: '2026-11-05T00:00:00Z', actor: 'handler-1', action: 'decided' },
    ];
    const paid = [{ id: 'o1', claim_id: 'c1', payout_type: 'final', amount_fen: 100, currency: 'CNY', state: 'completed', attempts: 1,
      scheduled_at: '2026-11-06T00:00:00Z', completed_at: '2026-11-06T01:00:00Z' }] as unknown as Obligation[];
    const got = mergeTimeline(payoutEvents(paid), adjudicationEvents(audit), intakeEvents(report)).map((e) => `${e.source}:${e.kind}`);
    expect(got).toEqual([
      'intake:reported',
      'intake:uploaded',
      'intake:claim_requested',
      'adjudication:opened',
      'intake:notice',
      'intake:corrected',
      'adjudication:decided',
      'payout:scheduled',
      'payout:completed',
    ]);
  });

  it('drops an entry without a valid time instead of misplacing it', () => {
    expect(mergeTimeline([{ at: 'not a time', source: 'intake', kind: 'x', vars: {} }])).toEqual([]);
  });
});
