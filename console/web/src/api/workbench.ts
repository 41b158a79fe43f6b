// The handler's workbench (issue 20): the queue built for volume, case
// notes, site visits, the report of a claim by its claim number, the
// duplicate-report answer and the admin's unlock. Calls go through
// Api.call so the typed client stays small.

import { ApiError, withQuery, type Api } from './client';
import type { Case, QueueItem, Report, Session } from './types';

/** The queue's query: every filter and sort the server takes. */
export interface QueueQuery {
  q?: string;
  state?: string;
  assignee?: string;
  unassigned?: boolean;
  risk?: string;
  incident_type?: string;
  catastrophe?: string;
  complex?: boolean;
  sort?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** A queue item with the nearer of deadline and catastrophe target. */
export interface WorkItem extends QueueItem {
  nearest_due_at?: string;
  nearest_kind?: 'deadline' | 'target';
}

export interface WorkPage {
  items: WorkItem[];
  next_offset: number | null;
  total: number;
}

export const QUEUE_SORTS = ['due', 'target', 'received', 'claim_id', 'policy_number', 'insured_name', 'incident_type', 'state', 'assignee'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export function workQueue(api: Api, q: QueueQuery): Promise<WorkPage> {
  return api.call('adjudication', 'GET', withQuery('/v1/queue', { ...q }));
}

export interface Workload {
  assignee: string;
  open_cases: number;
  at_risk: number;
}

export async function workloads(api: Api): Promise<Workload[]> {
  return (await api.call<{ handlers: Workload[] }>('adjudication', 'GET', '/v1/workloads')).handlers;
}

export interface BulkResult {
  claim_id: string;
  ok: boolean;
  case?: Case;
  error?: { code: string; message: string; field?: string };
}

/** One action on many cases; each case answers for itself. */
export function bulk(api: Api, claimIds: string[], action: 'assign' | 'start_review', assignee?: string) {
  return api.call<{ results: BulkResult[]; changed: number; failed: number }>('adjudication', 'POST', '/v1/cases/bulk', {
    claim_ids: claimIds,
    action,
    ...(assignee ? { assignee } : {}),
  });
}

export interface Note {
  id: string;
  claim_id: string;
  author: string;
  text: string;
  created_at: string;
}

const enc = encodeURIComponent;

export async function notes(api: Api, claimId: string): Promise<Note[]> {
  return (await api.call<{ notes: Note[] }>('adjudication', 'GET', `/v1/cases/${enc(claimId)}/notes`)).notes;
}

export function addNote(api: Api, claimId: string, text: string): Promise<Note> {
  return api.call('adjudication', 'POST', `/v1/cases/${enc(claimId)}/notes`, { text });
}

export interface Visit {
  id: string;
  claim_id: string;
  case_id: string;
  address: string;
  contact_name: string;
  contact_phone: string;
  state: 'to_arrange' | 'arranged' | 'done' | 'cancelled' | (string & {});
  reason: string;
  note: string;
  scheduled_for: string | null;
  requested_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
  version: number;
}

export async function visits(api: Api, q: { claim_id?: string; state?: string; limit?: number }): Promise<Visit[]> {
  return (await api.call<{ visits: Visit[] }>('adjudication', 'GET', withQuery('/v1/visits', q))).visits;
}

export function requestVisit(api: Api, claimId: string, v: { address: string; contact_name: string; contact_phone: string; reason: string }): Promise<Visit> {
  return api.call('adjudication', 'POST', `/v1/cases/${enc(claimId)}/visits`, v);
}

export function updateVisit(
  api: Api,
  id: string,
  patch: { state?: string; note?: string; scheduled_for?: string; address?: string; version: number },
): Promise<Visit> {
  return api.call('adjudication', 'PATCH', `/v1/visits/${enc(id)}`, patch);
}

/** The report of a claim by its claim number; 404 when intake does not know the claim. */
export function reportOfClaim(api: Api, claimId: string): Promise<Report> {
  return api.call('intake', 'GET', `/v1/claims/${enc(claimId)}/report`);
}

/** The open report of the same incident a new report may be linked to (409 possible_duplicate). */
export interface DuplicateCandidate {
  id: string;
  claim_id: string;
  incident_type: string;
  incident_time: string;
  description?: string;
  reporter: { name: string; role: string; relation?: string };
  claimed_amount_fen?: number;
  reported_at: string;
  claim_requested_at?: string;
  linked_reports: number;
}

/**
 * Files a report as createReport does, but answers a possible duplicate as
 * a value: the open report of the same incident the person must choose about.
 */
export async function fileReport(
  token: string,
  body: Record<string, unknown>,
  idempotencyKey: string,
): Promise<{ report: Report } | { candidate: DuplicateCandidate }> {
  const resp = await fetch('/api/intake/v1/reports', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': idempotencyKey },
    body: JSON.stringify(body),
  });
  const raw: unknown = await resp.json().catch(() => null);
  const err = (raw as { error?: { code: string; message: string; field?: string; request_id?: string } } | null)?.error;
  if (resp.status === 409 && err?.code === 'possible_duplicate') return { candidate: (raw as { candidate: DuplicateCandidate }).candidate };
  if (!resp.ok) throw new ApiError(resp.status, err?.code ?? 'http_' + resp.status, err?.message ?? resp.statusText, err?.field, err?.request_id);
  return { report: raw as Report };
}

/** Lifts every sign-in lock of a user name (admin; audited by the console). */
export async function unlockUser(session: Session, username: string): Promise<{ username: string; cleared: number }> {
  const resp = await fetch(`/api/auth/users/${enc(username)}/unlock`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  const raw: unknown = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = (raw as { error?: { code: string; message: string } } | null)?.error;
    throw new ApiError(resp.status, err?.code ?? 'http_' + resp.status, err?.message ?? resp.statusText);
  }
  return raw as { username: string; cleared: number };
}
