// The typed client of the console: sign-in at the edge, and the services'
// APIs forwarded by the edge at /api/<service>/v1/... on the same origin.
// Every call carries the signed-in user's token; each service checks it and
// the role on every call.

import type { Assessment, AutoReview, AutoSwitch } from './auto';
import type {
  AgreementRequest,
  AuditEntry,
  Case,
  Catastrophe,
  CatastropheDeclaration,
  CatastropheSwitch,
  Checklist,
  CheckResult,
  ClaimDocument,
  ComplianceReport,
  Correction,
  Deadline,
  DeadlinePage,
  DecisionRequest,
  ErrorBody,
  Fields,
  NewReport,
  Notice,
  Notification,
  Obligation,
  Payee,
  PersonalDataReveal,
  Policy,
  Product,
  QueuePage,
  Reconciliation,
  Report,
  Session,
  ThreeWayReport,
} from './types';
import type { CatastropheDailyReport, Complaint, ComplaintInput, IndicatorReport } from './reports';

export type Service = 'intake' | 'adjudication' | 'payout';

/** The services that track statutory deadlines (each its own rules). */
export const TRACKING_SERVICES: readonly Service[] = ['intake', 'adjudication', 'payout'];

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

  /** The route is not served (yet), or the thing does not exist. */
  get notFound(): boolean {
    return this.status === 404;
  }
}

/** Reports whether e is an answer of status. */
export function isStatus(e: unknown, status: number): e is ApiError {
  return e instanceof ApiError && e.status === status;
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

type Query = Record<string, string | number | boolean | undefined | null>;

/** path with the query's set values, in order. */
export function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

/** A fresh idempotency key (a random UUID) for a retry-safe POST. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Signs in at the edge: a user name, password and (finance, admin) one-time code for a short-lived token. */
export async function signIn(username: string, password: string, otp = ''): Promise<Session> {
  let resp: Response;
  try {
    resp = await fetch('/api/auth/sign-in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(otp ? { username, password, otp } : { username, password }),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!resp.ok) throw await toError(resp);
  return (await resp.json()) as Session;
}

/**
 * Exchanges a refresh token for the next access token and refresh token
 * (POST /api/auth/refresh). The token must not be sent twice: the sign-in
 * takes a second use for a stolen token and ends the session (401).
 */
export async function refreshSession(refreshToken: string): Promise<Session> {
  let resp: Response;
  try {
    resp = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!resp.ok) throw await toError(resp);
  return (await resp.json()) as Session;
}

/**
 * Ends the session of a refresh token at the sign-in (POST /api/auth/sign-out),
 * so a copy of it taken earlier refreshes nothing. Best effort: the tab
 * forgets the session whatever the answer.
 */
export async function signOutSession(refreshToken: string): Promise<void> {
  if (!refreshToken) return;
  try {
    await fetch('/api/auth/sign-out', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
      keepalive: true,
    });
  } catch {
    // The network is down: the session ends at its refresh token's expiry.
  }
}

const enc = encodeURIComponent;

/** The API as one signed-in user sees it. */
export class Api {
  private readonly token: string;
  private readonly onUnauthenticated: () => void;

  constructor(token: string, onUnauthenticated: () => void) {
    this.token = token;
    this.onUnauthenticated = onUnauthenticated;
  }

  private async send(
    service: Service,
    method: string,
    path: string,
    body?: unknown,
    opts: { accept?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: opts.accept ?? 'application/json', ...opts.headers };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) {
      // The browser sets the multipart boundary.
      payload = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let resp: Response;
    try {
      resp = await fetch(`/api/${service}${path}`, { method, headers, body: payload });
    } catch (e) {
      throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
    }
    if (resp.status === 401) this.onUnauthenticated();
    if (!resp.ok) throw await toError(resp);
    return resp;
  }

  private async json<T>(service: Service, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const resp = await this.send(service, method, path, body, headers ? { headers } : {});
    return (await resp.json()) as T;
  }

  private async blob(service: Service, path: string, accept: string): Promise<Blob> {
    return (await this.send(service, 'GET', path, undefined, { accept })).blob();
  }

  /** Any JSON route of a service: the workbench's calls (api/workbench.ts) go through it. */
  call<T>(service: Service, method: string, path: string, body?: unknown): Promise<T> {
    return this.json(service, method, path, body);
  }

  /** The service's OpenAPI document (to learn whether a route is served yet). */
  async openapiPaths(service: Service): Promise<string[]> {
    const doc = await this.json<{ paths?: Record<string, unknown> }>(service, 'GET', '/openapi.json');
    return Object.keys(doc.paths ?? {});
  }

  // ── intake ──

  /** Files a report; idempotencyKey makes a retry of the same form safe. */
  createReport(r: NewReport, idempotencyKey: string): Promise<Report> {
    return this.json('intake', 'POST', '/v1/reports', r, { 'Idempotency-Key': idempotencyKey });
  }

  report(id: string): Promise<Report> {
    return this.json('intake', 'GET', `/v1/reports/${enc(id)}`);
  }

  /** Makes the claim request; receivedAt is the receipt time of one made on paper. */
  requestClaim(reportId: string, receivedAt?: string): Promise<Report> {
    return this.json('intake', 'POST', `/v1/reports/${enc(reportId)}/claim-request`, receivedAt ? { received_at: receivedAt } : undefined);
  }

  /** The guidance checklist of an incident type (R1), for a product when given. */
  checklist(incidentType: string, product?: string): Promise<Checklist> {
    return this.json('intake', 'GET', withQuery('/v1/checklists', { incident_type: incidentType, product }));
  }

  /** The printable checklist of a report, as an HTML file. */
  checklistHtml(reportId: string): Promise<Blob> {
    return this.blob('intake', `/v1/reports/${enc(reportId)}/checklist.html`, 'text/html');
  }

  /** Marks an item satisfied without an upload (an original seen at the counter…). */
  satisfyItem(reportId: string, itemId: string, reason: string): Promise<Report> {
    return this.json('intake', 'POST', `/v1/reports/${enc(reportId)}/checklist/items/${enc(itemId)}/satisfy`, { reason });
  }

  uploadDocument(reportId: string, file: File): Promise<ClaimDocument> {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.json('intake', 'POST', `/v1/reports/${enc(reportId)}/documents`, form);
  }

  async documents(reportId: string): Promise<ClaimDocument[]> {
    return (await this.json<{ documents: ClaimDocument[] }>('intake', 'GET', `/v1/reports/${enc(reportId)}/documents`)).documents;
  }

  /** A document with the text read from it. */
  document(reportId: string, docId: string): Promise<ClaimDocument> {
    return this.json('intake', 'GET', `/v1/reports/${enc(reportId)}/documents/${enc(docId)}`);
  }

  /** The file of a document (reading it is logged, R11). */
  documentContent(reportId: string, docId: string): Promise<Blob> {
    return this.blob('intake', `/v1/reports/${enc(reportId)}/documents/${enc(docId)}/content`, '*/*');
  }

  /** A document's text and fields in full, for a reason; the reveal is recorded (R11). */
  revealDocument(reportId: string, docId: string, reason: string): Promise<{ fields: Fields; text: string }> {
    return this.json('intake', 'POST', `/v1/reports/${enc(reportId)}/documents/${enc(docId)}/reveal`, { reason });
  }

  /** The file of an ID card or a bank card, for a reason; the reveal is recorded (R11). */
  revealDocumentContent(reportId: string, docId: string, reason: string): Promise<Blob> {
    return this.blob('intake', withQuery(`/v1/reports/${enc(reportId)}/documents/${enc(docId)}/content`, { reason }), '*/*');
  }

  /** Page n (from 1) of a document as an image; an ID card's or bank card's only for a reason, recorded (R11). */
  documentPage(reportId: string, docId: string, n: number, reason?: string): Promise<Blob> {
    const path = `/v1/reports/${enc(reportId)}/documents/${enc(docId)}/pages/${n}`;
    return this.blob('intake', reason ? withQuery(path, { reason }) : path, 'image/*');
  }

  correctDocument(reportId: string, docId: string, c: Correction): Promise<ClaimDocument> {
    return this.json('intake', 'POST', `/v1/reports/${enc(reportId)}/documents/${enc(docId)}/corrections`, c);
  }

  /**
   * Sends the notice of missing documents (R3); the first is the one-time
   * notice. With items (the preview's), intake refuses a notice that would
   * list others (409) and sends nothing.
   */
  sendNotice(reportId: string, channel: string, reason?: string, items?: string[]): Promise<Notice> {
    return this.json('intake', 'POST', `/v1/reports/${enc(reportId)}/missing-documents-notices`, { channel, ...(reason ? { reason } : {}), ...(items ? { items } : {}) });
  }

  /**
   * Records when a notice of missing documents reached the claimant, from
   * its receipt (a letter's signed postal receipt): the R4 clock stops from
   * the day after. Intake refuses a second one (409), one in the future or
   * before the sending (400 on delivered_at).
   */
  recordIntakeNoticeDelivered(reportId: string, seq: number, receipt: string, deliveredAt?: string): Promise<Notice> {
    return this.json('intake', 'POST', `/v1/reports/${enc(reportId)}/missing-documents-notices/${seq}/delivery`, deliveredAt ? { receipt, delivered_at: deliveredAt } : { receipt });
  }

  /** The printable letter of a notice (its letter path on intake). */
  noticeLetter(letterPath: string): Promise<Blob> {
    return this.blob('intake', letterPath, 'text/html');
  }

  // ── adjudication ──

  /** The work queue: cases with work left, soonest deadline first. */
  queue(q: { state?: string; assignee?: string; unassigned?: boolean; risk?: string; limit?: number; offset?: number }): Promise<QueuePage> {
    return this.json('adjudication', 'GET', withQuery('/v1/queue', q));
  }

  cases(q: { state?: string; assignee?: string; limit?: number }): Promise<{ cases: Case[] }> {
    return this.json('adjudication', 'GET', withQuery('/v1/cases', q));
  }

  case(claimId: string): Promise<Case> {
    return this.json('adjudication', 'GET', `/v1/cases/${enc(claimId)}`);
  }

  /** The audit of the case, oldest first. */
  async timeline(claimId: string): Promise<AuditEntry[]> {
    return (await this.json<{ entries: AuditEntry[] }>('adjudication', 'GET', `/v1/cases/${enc(claimId)}/timeline`)).entries ?? [];
  }

  /** Runs the automatic checks: they inform, the handler decides. */
  async checks(claimId: string): Promise<CheckResult[]> {
    return (await this.json<{ checks: CheckResult[] }>('adjudication', 'GET', `/v1/cases/${enc(claimId)}/checks`)).checks ?? [];
  }

  overrideCheck(claimId: string, check: string, reason: string): Promise<Case> {
    return this.json('adjudication', 'POST', `/v1/cases/${enc(claimId)}/checks/${enc(check)}/override`, { reason });
  }

  private caseAction(claimId: string, action: string, body: unknown): Promise<Case> {
    return this.json('adjudication', 'POST', `/v1/cases/${enc(claimId)}/${action}`, body);
  }

  startReview(claimId: string): Promise<Case> {
    return this.caseAction(claimId, 'review', {});
  }

  /** Assigns the case; an empty assignee gives it up. */
  assign(claimId: string, assignee: string, reason?: string): Promise<Case> {
    return this.caseAction(claimId, 'assignment', reason ? { assignee, reason } : { assignee });
  }

  /** Sends a supplementary notice (Insurance Law art. 22): a repeat needs the reason, the new information that made it necessary. */
  requestDocuments(claimId: string, documents: string[], opts: { note?: string; reason?: string; channel?: string } = {}): Promise<Case> {
    const body: Record<string, unknown> = { documents };
    for (const [k, v] of Object.entries(opts)) if (v) body[k] = v;
    return this.caseAction(claimId, 'document-request', body);
  }

  /** Records the delivery receipt of the notice awaited: the R4 clock stops from delivery. */
  recordNoticeDelivered(claimId: string, receipt: string, deliveredAt?: string): Promise<Case> {
    return this.caseAction(claimId, 'document-request/delivery', deliveredAt ? { receipt, delivered_at: deliveredAt } : { receipt });
  }

  documentsReceived(claimId: string): Promise<Case> {
    return this.caseAction(claimId, 'documents-received', {});
  }

  /** Marks the case complex (senior handlers): the 30-day rule applies (R4). */
  markComplex(claimId: string, reason: string): Promise<Case> {
    return this.caseAction(claimId, 'complex', { reason });
  }

  decide(claimId: string, d: DecisionRequest): Promise<Case> {
    return this.caseAction(claimId, 'decision', d);
  }

  /** The second senior's verdict on a decision above its decider's authority (four-eyes). */
  reviewDecision(claimId: string, verdict: 'approve' | 'return', reason: string, version: number): Promise<Case> {
    return this.caseAction(claimId, 'decision/approval', reason ? { verdict, reason, version } : { verdict, version });
  }

  /** The written rejection notice (R5) as a PDF. */
  rejectionLetterPdf(claimId: string): Promise<Blob> {
    return this.blob('adjudication', `/v1/cases/${enc(claimId)}/rejection-letter`, 'application/pdf');
  }

  /** Records the rejection notice as sent by the signed-in user (meets R5). */
  recordRejectionLetter(claimId: string, channel: string): Promise<Case> {
    return this.caseAction(claimId, 'rejection-letter', { channel });
  }

  /** Records the claimant's agreement to the amount (达成协议): payout pays. */
  recordAgreement(claimId: string, a: AgreementRequest): Promise<Case> {
    return this.caseAction(claimId, 'agreement', a);
  }

  /**
   * Approves an advance with its payee: the catastrophe advance offered (R8;
   * amount 0 pays what was offered, less pays less), or the amount already
   * determined (R7).
   */
  approveAdvance(claimId: string, a: { amount_fen: number; reason: string; payee: Payee }): Promise<Case> {
    return this.caseAction(claimId, 'advance', a.reason ? a : { amount_fen: a.amount_fen, payee: a.payee });
  }

  close(claimId: string, reason: string): Promise<Case> {
    return this.caseAction(claimId, 'close', { reason });
  }

  policy(number: string): Promise<Policy> {
    return this.json('adjudication', 'GET', `/v1/policies/${enc(number)}`);
  }

  product(code: string): Promise<Product> {
    return this.json('adjudication', 'GET', `/v1/products/${enc(code)}`);
  }

  // ── catastrophes (adjudication, R8) ──

  async catastrophes(): Promise<Catastrophe[]> {
    return (await this.json<{ catastrophes: Catastrophe[] }>('adjudication', 'GET', '/v1/catastrophes')).catastrophes ?? [];
  }

  declareCatastrophe(d: CatastropheDeclaration): Promise<Catastrophe> {
    return this.json('adjudication', 'POST', '/v1/catastrophes', d);
  }

  /** Switches the fast-track mode of a catastrophe on or off, with the reason. */
  switchCatastrophe(code: string, active: boolean, reason: string): Promise<Catastrophe> {
    return this.json('adjudication', 'POST', `/v1/catastrophes/${enc(code)}/activation`, { active, reason });
  }

  /** The cases of a catastrophe counted by adjudication over every case: tagged, of them undecided, and the open cases switching it on tags. */
  catastropheCounts(code: string): Promise<{ code: string; tagged: number; tagged_undecided: number; untagged_covered: number }> {
    return this.json('adjudication', 'GET', `/v1/catastrophes/${enc(code)}/counts`);
  }

  async catastropheSwitches(code: string): Promise<CatastropheSwitch[]> {
    return (await this.json<{ switches: CatastropheSwitch[] }>('adjudication', 'GET', `/v1/catastrophes/${enc(code)}/switches`)).switches ?? [];
  }

  // ── deadline tracking (every service) ──

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
    return this.json(service, 'GET', withQuery('/v1/compliance-report', { from, to, group: 'mode' }));
  }

  complianceCsv(service: Service, from: string, to: string): Promise<Blob> {
    return this.blob(service, withQuery('/v1/compliance-report', { from, to, format: 'csv', group: 'mode' }), 'text/csv');
  }

  // ── payout ──

  /** A page of payment obligations and the count and sum of all the filter selects (from/to: value dates, as reconciliation counts them). */
  obligations(q: {
    claim_id?: string;
    state?: string;
    limit?: number;
    offset?: number;
    from?: string;
    to?: string;
  }): Promise<{ obligations: Obligation[]; total?: { count: number; amount_fen: number }; limit?: number; offset?: number }> {
    return this.json('payout', 'GET', withQuery('/v1/obligations', q));
  }

  /** The payee of a payment in clear, for a reason; the reveal is recorded (R11). */
  revealPayee(obligationId: string, reason: string): Promise<Payee> {
    return this.json('payout', 'POST', `/v1/obligations/${enc(obligationId)}/payee/reveal`, { reason });
  }

  /**
   * Corrects the payee of a failed payment and schedules it again, or
   * supplies the payee of one whose stored payee cannot be opened (then the
   * reason is required and a second senior confirms it).
   */
  correctPayee(obligationId: string, payee: Payee, reason = ''): Promise<Obligation> {
    return this.json('payout', 'PUT', `/v1/obligations/${enc(obligationId)}/payee`, reason ? { ...payee, reason } : payee);
  }

  /** Records that the bank returned a completed payment (退汇). */
  reversal(obligationId: string, reason: string): Promise<{ reversed: Obligation; replacement: Obligation }> {
    return this.json('payout', 'POST', `/v1/obligations/${enc(obligationId)}/reversal`, { reason });
  }

  /** Confirms, as a second person, the payee of a payment above the threshold: it is then paid. */
  confirmPayee(obligationId: string): Promise<Obligation> {
    return this.json('payout', 'POST', `/v1/obligations/${enc(obligationId)}/payee/confirmation`, { decision: 'confirm' });
  }

  /** Refuses the payee of a payment waiting for confirmation: it fails and waits for a corrected payee. */
  rejectPayee(obligationId: string, reason: string): Promise<Obligation> {
    return this.json('payout', 'POST', `/v1/obligations/${enc(obligationId)}/payee/confirmation`, { decision: 'reject', reason });
  }

  threeWay(date: string): Promise<ThreeWayReport> {
    return this.json('payout', 'GET', withQuery('/v1/reconciliation/three-way', { date }));
  }

  threeWayCsv(date: string): Promise<Blob> {
    return this.blob('payout', withQuery('/v1/reconciliation/three-way', { date, format: 'csv' }), 'text/csv');
  }

  reconciliation(from: string, to: string): Promise<Reconciliation> {
    return this.json('payout', 'GET', withQuery('/v1/reconciliation', { from, to }));
  }

  reconciliationCsv(from: string, to: string): Promise<Blob> {
    return this.blob('payout', withQuery('/v1/reconciliation', { from, to, format: 'csv' }), 'text/csv');
  }

  async notifications(q: { claim_id?: string; limit?: number }): Promise<Notification[]> {
    return (await this.json<{ notifications: Notification[] }>('payout', 'GET', withQuery('/v1/notifications', q))).notifications ?? [];
  }

  /** Who revealed whose personal data, when and why (R11), newest first. */
  async reveals(q: { claim_id?: string; revealed_by?: string; limit?: number }): Promise<PersonalDataReveal[]> {
    return (await this.json<{ reveals: PersonalDataReveal[] }>('payout', 'GET', withQuery('/v1/personal-data-reveals', q))).reveals ?? [];
  }

  /** The complaint register (R12), newest first. */
  async complaints(q: { claim_id?: string; answered?: boolean; risk?: string; limit?: number }): Promise<Complaint[]> {
    return (await this.json<{ complaints: Complaint[] }>('adjudication', 'GET', withQuery('/v1/complaints', q))).complaints ?? [];
  }

  complaint(id: string): Promise<Complaint> {
    return this.json('adjudication', 'GET', `/v1/complaints/${encodeURIComponent(id)}`);
  }

  registerComplaint(c: ComplaintInput): Promise<Complaint> {
    return this.json('adjudication', 'POST', '/v1/complaints', c);
  }

  /** Tells the complainant the reply will be late (Reg. art. 29). */
  progressNotice(id: string, text: string, channel: string): Promise<Complaint> {
    return this.json('adjudication', 'POST', `/v1/complaints/${encodeURIComponent(id)}/progress-notices`, { text, channel });
  }

  /** The written reply, once, by a senior handler. */
  answerComplaint(id: string, text: string, channel: string): Promise<Complaint> {
    return this.json('adjudication', 'POST', `/v1/complaints/${encodeURIComponent(id)}/reply`, { text, channel });
  }

  /** The service indicators (R13) per branch or handler. */
  indicators(from: string, to: string, group: string): Promise<IndicatorReport> {
    return this.json('adjudication', 'GET', withQuery('/v1/indicators', { from, to, group }));
  }

  indicatorsCsv(from: string, to: string, group: string): Promise<Blob> {
    return this.blob('adjudication', withQuery('/v1/indicators', { from, to, group, format: 'csv' }), 'text/csv');
  }

  catastropheReport(code: string, from: string, to: string): Promise<CatastropheDailyReport> {
    return this.json('adjudication', 'GET', withQuery(`/v1/catastrophes/${encodeURIComponent(code)}/daily-report`, { from, to }));
  }

  // ── straight-through adjudication (issue 19) ──

  /** Whether the system decided the claim, why not, and the amount computed step by step. */
  assessment(claimId: string): Promise<Assessment> {
    return this.json('adjudication', 'GET', `/v1/cases/${enc(claimId)}/assessment`);
  }

  /** The decisions a senior reviews after the fact. */
  autoReviews(state: 'pending' | 'all'): Promise<{ reviews: AutoReview[] }> {
    return this.json('adjudication', 'GET', withQuery('/v1/auto/reviews', { state }));
  }

  reviewAuto(claimId: string, outcome: 'confirmed' | 'wrong', note: string): Promise<AutoReview> {
    return this.json('adjudication', 'POST', `/v1/auto/reviews/${enc(claimId)}`, { outcome, note });
  }

  autoSwitch(): Promise<AutoSwitch> {
    return this.json('adjudication', 'GET', '/v1/auto/switch');
  }

  setAutoSwitch(enabled: boolean, reason: string): Promise<AutoSwitch> {
    return this.json('adjudication', 'PUT', '/v1/auto/switch', { enabled, reason });
  }

  catastropheReportCsv(code: string, from: string, to: string): Promise<Blob> {
    return this.blob('adjudication', withQuery(`/v1/catastrophes/${encodeURIComponent(code)}/daily-report`, { from, to, format: 'csv' }), 'text/csv');
  }
}
