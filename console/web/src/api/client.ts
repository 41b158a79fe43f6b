// The typed client of the console: sign-in at the edge, and the services'
// APIs forwarded by the edge at /api/<service>/v1/... on the same origin.
// Every call carries the signed-in user's token; each service checks it and
// the role on every call.

import type {
  Case,
  ChecklistItem,
  ComplianceReport,
  Deadline,
  DeadlinePage,
  ErrorBody,
  NewReport,
  Obligation,
  Report,
  Session,
  TimelineEntry,
} from './types';

export type Service = 'intake' | 'adjudication' | 'payout';

/** An error answer of the edge or a service, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, field?: string, requestId?: string, retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
    this.retryAfterSeconds = retryAfter;
  }

  /** The route is not served yet (or the thing does not exist). */
  get notFound(): boolean {
    return this.status === 404;
  }
}

function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

async function toError(resp: Response): Promise<ApiError> {
  const retry = Number(resp.headers.get('Retry-After') ?? '');
  let body: unknown = null;
  try {
    body = await resp.json();
  } catch {
    // not JSON: keep the status
  }
  if (isErrorBody(body)) {
    const e = body.error;
    return new ApiError(resp.status, e.code, e.message, e.field, e.request_id, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return new ApiError(resp.status, 'http_' + resp.status, resp.statusText || 'HTTP ' + resp.status);
}

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

/** Signs in at the edge: a user name and password for a short-lived token. */
export async function signIn(username: string, password: string): Promise<Session> {
  let resp: Response;
  try {
    resp = await fetch('/api/auth/sign-in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!resp.ok) throw await toError(resp);
  return (await resp.json()) as Session;
}

/** Accepts the shapes a checklist may come in: a list, {items}, {checklist}. */
export function normalizeChecklist(v: unknown): ChecklistItem[] | null {
  if (Array.isArray(v)) return v as ChecklistItem[];
  if (typeof v === 'object' && v !== null) {
    if ('items' in v) return normalizeChecklist((v as { items: unknown }).items);
    if ('checklist' in v) return normalizeChecklist((v as { checklist: unknown }).checklist);
  }
  return null;
}

export interface DecisionBody {
  outcome: 'approve' | 'reject';
  amount_fen: number;
  reason?: string;
  decided_by: string;
}

/** The API as one signed-in user sees it. */
export class Api {
  private readonly token: string;
  private readonly onUnauthenticated: () => void;

  constructor(token: string, onUnauthenticated: () => void) {
    this.token = token;
    this.onUnauthenticated = onUnauthenticated;
  }

  private async send(service: Service, method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let resp: Response;
    try {
      resp = await fetch(`/api/${service}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
    }
    if (resp.status === 401) this.onUnauthenticated();
    if (!resp.ok) throw await toError(resp);
    return resp;
  }

  private async json<T>(service: Service, method: string, path: string, body?: unknown): Promise<T> {
    const resp = await this.send(service, method, path, body);
    return (await resp.json()) as T;
  }

  // intake

  createReport(r: NewReport): Promise<Report> {
    return this.json('intake', 'POST', '/v1/reports', r);
  }

  report(id: string): Promise<Report> {
    return this.json('intake', 'GET', `/v1/reports/${encodeURIComponent(id)}`);
  }

  /** Makes the claim request; receivedAt is the receipt time of one made on paper. */
  requestClaim(reportId: string, receivedAt?: string): Promise<Report> {
    return this.json('intake', 'POST', `/v1/reports/${encodeURIComponent(reportId)}/claim-request`,
      receivedAt ? { received_at: receivedAt } : undefined);
  }

  /** The guidance checklist of an incident type (R1); intake serves it later. */
  async checklist(incidentType: string): Promise<ChecklistItem[] | null> {
    const v = await this.json<unknown>('intake', 'GET', withQuery('/v1/checklists', { incident_type: incidentType }));
    return normalizeChecklist(v);
  }

  // adjudication

  cases(q: { state?: string; limit?: number }): Promise<{ cases: Case[] }> {
    return this.json('adjudication', 'GET', withQuery('/v1/cases', q));
  }

  case(claimId: string): Promise<Case> {
    return this.json('adjudication', 'GET', `/v1/cases/${encodeURIComponent(claimId)}`);
  }

  decide(claimId: string, d: DecisionBody): Promise<Case> {
    return this.json('adjudication', 'POST', `/v1/cases/${encodeURIComponent(claimId)}/decision`, d);
  }

  recordRejectionLetter(claimId: string, channel: string, sentBy: string): Promise<Case> {
    return this.json('adjudication', 'POST', `/v1/cases/${encodeURIComponent(claimId)}/rejection-letter`, {
      channel,
      sent_by: sentBy,
    });
  }

  /** The case's timeline; adjudication serves it later (issue 5). */
  async timeline(claimId: string): Promise<TimelineEntry[]> {
    const v = await this.json<unknown>('adjudication', 'GET', `/v1/cases/${encodeURIComponent(claimId)}/timeline`);
    if (Array.isArray(v)) return v as TimelineEntry[];
    if (typeof v === 'object' && v !== null) {
      for (const k of ['entries', 'timeline', 'events']) {
        const list = (v as Record<string, unknown>)[k];
        if (Array.isArray(list)) return list as TimelineEntry[];
      }
    }
    return [];
  }

  // deadline tracking (adjudication and payout)

  deadlines(service: Service, q: Query): Promise<DeadlinePage> {
    return this.json(service, 'GET', withQuery('/v1/deadlines', q));
  }

  /** Every page of a deadline list, up to max rows. */
  async allDeadlines(service: Service, q: Query, max = 5000): Promise<Deadline[]> {
    const out: Deadline[] = [];
    let token: string | null = null;
    do {
      const page: DeadlinePage = await this.deadlines(service, { ...q, limit: 1000, page_token: token });
      out.push(...page.deadlines);
      token = page.next_page_token;
    } while (token && out.length < max);
    return out;
  }

  compliance(service: Service, from: string, to: string): Promise<ComplianceReport> {
    return this.json(service, 'GET', withQuery('/v1/compliance-report', { from, to }));
  }

  async complianceCsv(service: Service, from: string, to: string): Promise<Blob> {
    const resp = await this.send(service, 'GET', withQuery('/v1/compliance-report', { from, to, format: 'csv' }), undefined, 'text/csv');
    return resp.blob();
  }

  // payout

  obligations(q: { claim_id?: string; limit?: number }): Promise<{ obligations: Obligation[] }> {
    return this.json('payout', 'GET', withQuery('/v1/obligations', q));
  }

  /** The reconciliation report; payout serves it later (issue 6). */
  reconciliation(q: Query): Promise<unknown> {
    return this.json('payout', 'GET', withQuery('/v1/reconciliation', q));
  }
}
