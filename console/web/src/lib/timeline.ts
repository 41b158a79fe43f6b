// One timeline across the three services (issue 20): intake's report,
// uploads, corrections, notices and linked reports; adjudication's audit;
// payout's payments and returns, merged in time order. Each service
// answers its own part with the personal data masked; the console only
// orders them.

import type { AuditEntry, Obligation, Report } from '../api/types';

export type TimelineSource = 'intake' | 'adjudication' | 'payout';

/** One entry: when, which service, what (a catalogue key) and its parameters. */
export interface TimelineEvent {
  at: string;
  source: TimelineSource;
  kind: string;
  actor?: string;
  vars: Record<string, string | number>;
  /** The adjudication entry as it came, for its own rendering. */
  audit?: AuditEntry;
}

/** The intake events of a report. */
export function intakeEvents(r: Report): TimelineEvent[] {
  const out: TimelineEvent[] = [{ at: r.reported_at, source: 'intake', kind: 'reported', actor: r.reporter.name, vars: { name: r.reporter.name } }];
  if (r.claim_requested_at) out.push({ at: r.claim_requested_at, source: 'intake', kind: 'claim_requested', vars: {} });
  if (r.handed_over_at) out.push({ at: r.handed_over_at, source: 'intake', kind: 'handed_over', vars: {} });
  for (const l of r.linked_reports ?? []) out.push({ at: l.at, source: 'intake', kind: 'linked', actor: l.by, vars: { name: l.reporter.name } });
  for (const d of r.documents ?? []) {
    out.push({ at: d.uploaded_at, source: 'intake', kind: 'uploaded', actor: d.uploaded_by, vars: { file: d.file_name ?? d.id.slice(0, 8), type: d.type ?? '' } });
    if (d.reading?.read_at) out.push({ at: d.reading.read_at, source: 'intake', kind: 'read', vars: { file: d.file_name ?? d.id.slice(0, 8), type: d.reading.type } });
    for (const c of d.corrections ?? []) out.push({ at: c.at, source: 'intake', kind: 'corrected', actor: c.by, vars: { file: d.file_name ?? d.id.slice(0, 8), type: c.type ?? d.type ?? '' } });
  }
  for (const n of r.missing_documents_notices ?? []) {
    out.push({ at: n.sent_at, source: 'intake', kind: 'notice', actor: n.sent_by, vars: { items: n.items.length, channel: n.channel } });
    if (n.supplement_received_at) out.push({ at: n.supplement_received_at, source: 'intake', kind: 'supplement', vars: {} });
  }
  return out;
}

/** The payout events of a claim's payment obligations. */
export function payoutEvents(list: readonly Obligation[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const o of list) {
    const vars = { amount_fen: o.amount_fen, type: o.payout_type };
    out.push({ at: o.scheduled_at, source: 'payout', kind: 'scheduled', vars });
    if (o.sent_at) out.push({ at: o.sent_at, source: 'payout', kind: 'sent', vars });
    if (o.completed_at) out.push({ at: o.completed_at, source: 'payout', kind: o.state === 'failed' ? 'failed' : 'completed', vars });
    if (o.reversed_at) out.push({ at: o.reversed_at, source: 'payout', kind: 'reversed', vars });
  }
  return out;
}

/** The adjudication audit as timeline events. */
export function adjudicationEvents(entries: readonly AuditEntry[]): TimelineEvent[] {
  return entries.map((e) => ({ at: e.at, source: 'adjudication', kind: e.action, actor: e.actor, vars: {}, audit: e }));
}

const order: Record<TimelineSource, number> = { intake: 0, adjudication: 1, payout: 2 };

/** Every event in time order; at the same instant intake before adjudication before payout (the order the claim moves). */
export function mergeTimeline(...parts: TimelineEvent[][]): TimelineEvent[] {
  return parts
    .flat()
    .filter((e) => !Number.isNaN(Date.parse(e.at)))
    .map((e, i) => ({ e, i }))
    .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || order[a.e.source] - order[b.e.source] || a.i - b.i)
    .map((x) => x.e);
}
