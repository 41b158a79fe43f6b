// Types of the services' answers and requests, from their OpenAPI documents
// (services/*/internal/ports/openapi.json, pkg/tracking/trackinghttp/openapi.json,
// pkg/reveal/revealhttp/openapi.json). Amounts are integer fen everywhere.

export type Role =
  | 'handler'
  | 'senior_handler'
  | 'catastrophe_coordinator'
  | 'finance'
  | 'auditor'
  | 'admin';

export const ROLES: readonly Role[] = [
  'handler',
  'senior_handler',
  'catastrophe_coordinator',
  'finance',
  'auditor',
  'admin',
];

/** The signed-in user, as POST /api/auth/sign-in answers. */
export interface User {
  subject: string;
  name: string;
  roles: Role[];
}

export interface Session {
  token: string;
  expires_at: string;
  user: User;
  /** Gets the next access token once (POST /api/auth/refresh); a second use ends the session. */
  refresh_token?: string;
  refresh_expires_at?: string;
}

/** The error shape of every service and of the edge. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; request_id?: string };
}

// ── intake ────────────────────────────────────────────────────────────────

export const INCIDENT_TYPES = ['death', 'disability', 'critical_illness', 'medical', 'accidental_injury'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const REPORTER_ROLES = ['policyholder', 'insured', 'beneficiary', 'agent'] as const;
export type ReporterRole = (typeof REPORTER_ROLES)[number];

export const RELATIONS = ['self', 'spouse', 'child', 'parent', 'other'] as const;
export type Relation = (typeof RELATIONS)[number];

export interface Reporter {
  name: string;
  role: ReporterRole;
  relation?: Relation;
}

export interface Person {
  name: string;
  relation: string;
}

export interface NewReport {
  policy_number: string;
  insured_name: string;
  incident_type: IncidentType;
  incident_time: string;
  reporter: Reporter;
  product_code?: string;
  incident_place?: string;
  description?: string;
  contact?: string;
  beneficiary?: Person;
  claimed_amount_fen?: number;
}

/** A text in Chinese (text) and English (text_en). */
export interface TextPair {
  text: string;
  text_en: string;
}

export interface DocumentOption {
  type: string;
  name: string;
  name_en: string;
}

export type ItemState = 'satisfied' | 'waived' | 'missing' | 'not_applicable';

/** One item of a guidance checklist (R1); state and what satisfies it on a report only. */
export interface ChecklistItem {
  id: string;
  title: string;
  title_en: string;
  description: string;
  description_en: string;
  documents: DocumentOption[];
  any_of: boolean;
  person?: 'insured' | 'claimant';
  multiple?: boolean;
  condition?: TextPair;
  /** A notice the claimant must be given with the item (the R2 appraisal reminder). */
  reminder?: TextPair;
  basis?: string;
  state?: ItemState;
  satisfied_by?: { document_id: string; part?: number; type: string }[];
  waiver?: { reason: string; by: string; at: string };
}

export interface Checklist {
  incident_type: string;
  product?: string;
  version: string;
  title: string;
  title_en: string;
  basis: string;
  /** The basis in each language (issue 20; absent from older services). */
  basis_zh?: string;
  basis_en?: string;
  items: ChecklistItem[];
  /** On a report only. */
  complete?: boolean;
  missing?: string[];
}

export const DOCUMENT_TYPES = [
  'id_card',
  'death_certificate',
  'medical_invoice',
  'discharge_summary',
  'diagnosis_certificate',
  'accident_report',
  'disability_appraisal',
  'bank_card',
  'relationship_proof',
  'other',
] as const;

/** The fields read from a document; a key is present only when found. The ID number is masked (R11). */
export interface Fields {
  id_number?: string;
  total_amount_fen?: number;
  amounts_disagree?: boolean;
  amount_figures_fen?: number;
  amount_capitals_fen?: number;
  event_date?: string;
  invoice_number?: string;
  names?: string[];
  /** A medical invoice's patient, insurance split and bill items (issue 18), when read. */
  patient_name?: string;
  insurance?: { fund_paid_fen: number; personal_account_fen: number; self_pay_fen: number; self_funded_fen: number };
  items?: { name: string; class?: string; quantity?: string; amount_fen: number }[];
}

/** Where a field was read: the page (from 1), the box [x, y, width, height] in the upright page image's pixels. */
export interface FieldSource {
  page: number;
  box: [number, number, number, number];
  confidence: number;
}

/** A page as read: the upright image's size, and the clockwise turn the reader applied to the stored page. */
export interface PageImage {
  number: number;
  width: number;
  height: number;
  rotation: number;
  source?: string;
}

/** One document of an upload (a PDF can hold a discharge summary and then an invoice). */
export interface DocumentPart {
  index: number;
  /** First and last page, from 1. */
  pages: [number, number];
  type: string;
  confidence: number;
  fields: Fields;
  sources?: Record<string, FieldSource>;
  review?: string[];
  satisfies?: string[];
  /** What the machine read, kept beside the corrections. */
  reading?: { type: string; confidence: number; fields: Fields; read_at: string };
  corrected?: string[];
}

export type DocumentState = 'pending' | 'reading' | 'read' | 'failed';

export interface ClaimDocument {
  id: string;
  report_id: string;
  claim_id: string;
  sha256: string;
  media: 'jpeg' | 'png' | 'tiff' | 'pdf';
  pages: number;
  size_bytes: number;
  file_name?: string;
  uploaded_by: string;
  uploaded_at: string;
  state: DocumentState;
  /** As it stands: a handler's correction, else the machine's reading. */
  type?: string;
  fields: Fields;
  review?: ('unreadable' | 'low_confidence' | 'amounts_disagree')[];
  satisfies?: string[];
  failure?: { code: string; message: string };
  reading?: { type: string; confidence: number; fields: Fields; read_at: string };
  corrections?: { part?: number; type?: string; fields: Fields; note?: string; by: string; at: string }[];
  /** The text read; only on a single document's answer. */
  text?: string;
  /** The documents the upload holds; type and fields above are the first's. */
  parts?: DocumentPart[];
  page_images?: PageImage[];
}

/** A correction of a document's type or fields; absent members stay as they are. */
export interface Correction {
  /** The part corrected (0, the first, when absent). */
  part?: number;
  /** The type the handler saw ('' for none): intake refuses a correction made for another type (409). */
  expected_type?: string;
  type?: string;
  fields?: {
    id_number?: string;
    total_amount_fen?: number;
    event_date?: string;
    invoice_number?: string;
    names?: string[];
  };
  note?: string;
}

export interface NoticeItem {
  item_id: string;
  title: string;
  title_en: string;
  description?: string;
  description_en?: string;
  documents?: { type: string; name: string; name_en: string }[];
  reminder?: TextPair;
  why?: TextPair;
}

/** A notice of missing documents (R3); seq 1 is the one-time notice. */
export interface Notice {
  seq: number;
  one_time: boolean;
  items: NoticeItem[];
  reason?: string;
  channel: string;
  sent_by: string;
  sent_at: string;
  supplement_received_at?: string | null;
  /**
   * When the notice reached the claimant, from its receipt (null until
   * recorded): the decision clock (R4) stops from the day after, not from
   * the sending.
   */
  delivered_at?: string | null;
  receipt?: string;
  delivery_recorded_by?: string;
  /** Path of the printable letter on intake. */
  letter: string;
}

export const NOTICE_CHANNELS = ['letter', 'sms', 'email', 'in_person'] as const;

/** A later report of the same incident, linked to the first: who made it and what it said. */
export interface LinkedReport {
  reporter: { name: string; role: string; relation?: string };
  description?: string;
  claimed_amount_fen?: number;
  by: string;
  at: string;
}

export interface Report extends Omit<NewReport, 'incident_type'> {
  id: string;
  claim_id: string;
  incident_type: string;
  reported_at: string;
  claim_requested_at: string | null;
  handed_over_at?: string | null;
  linked?: boolean;
  duplicate_of?: string;
  /** Later reports of the same incident linked to this one, with what they added (kept, never dropped). */
  linked_reports?: LinkedReport[];
  checklist?: Checklist;
  documents?: ClaimDocument[];
  missing_documents_notices?: Notice[];
  supplements?: { notice_sent_at: string; delivered_at?: string | null; received_at: string | null }[];
}

// ── adjudication ──────────────────────────────────────────────────────────

export const CASE_STATES = [
  'received',
  'under_review',
  'awaiting_documents',
  'complex',
  'pending_approval',
  'approved',
  'partly_approved',
  'rejected',
  'agreed',
  'closed',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** The states a case is decided from. */
export const DECIDABLE: readonly string[] = ['received', 'under_review', 'complex'];

export type Outcome = 'approve' | 'partly_approve' | 'reject';

export interface BenefitLine {
  benefit: string;
  claimed_fen: number;
  approved_fen: number;
}

export interface Reason {
  code: string;
  text: string;
  /** Cites the contract or statute in 《》. */
  clause: string;
}

export interface DecisionRequest {
  outcome: Outcome;
  lines: BenefitLine[];
  reasons?: Reason[];
  note?: string;
  version?: number;
  /** How the decider verified what the checks that could not run check; an approval needs it then. */
  acknowledge_unknown?: string;
  /** A payment beyond the contract (通融赔付), approved by the top authority. */
  ex_gratia?: boolean;
}

export interface Decision {
  outcome: Outcome;
  amount_fen: number;
  lines: BenefitLine[];
  reasons: Reason[];
  note?: string;
  decided_by: string;
  decided_at: string;
  needs_approval: boolean;
  ex_gratia?: boolean;
  approved_by?: string;
  approved_at?: string;
  effective_at: string | null;
}

export interface Mark {
  reason: string;
  by: string;
  at: string;
}

export interface RejectionLetter {
  letter_number?: string;
  issue_date?: string;
  sha256?: string;
  generated_at?: string;
  generated_by?: string;
  channel?: string;
  sent_by?: string;
  sent_at?: string;
}

export const PAYEE_ROLES = ['beneficiary', 'insured', 'policyholder', 'agent'] as const;
export type PayeeRole = (typeof PAYEE_ROLES)[number];

export interface Payee {
  name: string;
  role: PayeeRole | string;
  bank_name: string;
  account_number: string;
  on_behalf_of?: Person;
}

export const AGREEMENT_CHANNELS = ['signed_form', 'phone_recorded', 'app', 'in_person'] as const;

export interface AgreementRequest {
  agreed_by: string;
  channel: (typeof AGREEMENT_CHANNELS)[number];
  payee: Payee;
}

export interface Agreement {
  amount_fen: number;
  agreed_by: string;
  channel: string;
  recorded_by: string;
  agreed_at: string;
  payment_period_days?: number;
  /** The account number masked: ****1234. */
  payee: Payee;
}

/** A case's catastrophe tag and its internal decision target (R8). */
export interface CatastropheTag {
  code: string;
  target_working_days: number;
  target_due_date: string;
  target_due_at: string;
  target_state: string;
}

export interface Advance {
  id: string;
  ground: string;
  catastrophe_code?: string;
  amount_fen: number;
  expected_benefit_fen: number;
  state: string;
  reason?: string;
  offered_at: string;
  payee: Payee | null;
  approved_by?: string;
  approved_at?: string | null;
}

export interface CaseDocument {
  document_id: string;
  type: string;
  sha256: string;
  invoice_number?: string;
  total_amount_fen?: number;
  event_date?: string;
}

/** A stop of the decision clock (R4): intake's notice, or adjudication's
 * supplementary notice with its reason, channel and delivery receipt (the
 * clock stops from delivery, Judicial Interpretation II art. 15). */
export interface Supplement {
  notice_sent_at: string;
  received_at: string | null;
  requested_by?: string;
  documents?: string[];
  note?: string;
  reason?: string;
  channel?: string;
  delivered_at?: string | null;
  receipt?: string;
}

/** The channels of a supplementary notice (adjudication's NoticeChannels). */
export const SUPPLEMENTARY_NOTICE_CHANNELS = ['post', 'hand', 'sms', 'email', 'registered_electronic'] as const;

export interface Case {
  id: string;
  claim_id: string;
  report_id: string;
  policy_number: string;
  insured_name: string;
  incident_type: string;
  incident_time: string;
  incident_place?: string;
  first_received_at: string;
  opened_at: string;
  claimed_amount_fen?: number;
  beneficiary?: Person | null;
  documents?: CaseDocument[];
  supplements?: Supplement[];
  state: CaseState | (string & {});
  version: number;
  assignee?: string;
  complex?: Mark | null;
  decision: Decision | null;
  rejection_letter: RejectionLetter | null;
  agreement?: Agreement | null;
  closure?: Mark | null;
  catastrophe?: CatastropheTag | null;
  advances?: Advance[];
  advanced_fen?: number;
  /** The most the contract allows (absent when the policy is not in adjudication's data). */
  max_payable?: MaxPayable | null;
  signals?: Signal[];
}

export interface MaxPayable {
  total_fen: number;
  lines: { benefit: string; max_payable_fen: number; note: string }[];
}

export interface CheckResult {
  check: string;
  result: 'pass' | 'warn' | 'fail' | 'unknown';
  reason: string;
  /** The reason's code and values, worded from the catalogue (issue 20); absent for a reason not yet catalogued. */
  reason_code?: string;
  params?: Record<string, string>;
  override: (Mark & { senior?: boolean }) | null;
  /** Holds back an approval: a failure without a senior's override, or an unknown result. */
  blocking?: boolean;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  from_state?: string;
  to_state?: string;
  reason?: string;
  /** Names a reason the system wrote (issue 20). */
  reason_code?: string;
  details?: Record<string, unknown>;
}

export type Risk = 'on-track' | 'at-risk' | 'breached' | 'paused' | 'none';

export interface QueueItem {
  claim_id: string;
  case_id: string;
  policy_number: string;
  insured_name: string;
  incident_type: string;
  first_received_at: string;
  state: string;
  assignee?: string;
  complex: boolean;
  version: number;
  deadline: { rule: string; r_number: string; due_date: string; due_at: string; state: 'open' | 'paused'; risk: Risk } | null;
  catastrophe?: CatastropheTag | null;
  signals?: Signal[];
}

/** A fraud signal raised on a case (issue 14), in plain words. */
export interface Signal {
  kind: 'shared_account' | 'employee_account' | 'claim_burst' | 'payee_changed' | (string & {});
  explanation: string;
  /** The explanation's values, worded from the catalogue (issue 20; absent on older signals). */
  params?: Record<string, string>;
  blocking: boolean;
  raised_by: string;
  raised_at: string;
}

export interface QueuePage {
  items: QueueItem[];
  next_offset: number | null;
}

export interface Benefit {
  code: string;
  name: string;
  incident_types: string[];
  per_claim_limit_fen?: number;
  clause: string;
}

export interface Product {
  code: string;
  name: string;
  notice_kind: 'benefit' | 'indemnity';
  benefits: Benefit[];
}

export interface Policy {
  number: string;
  product_code: string;
  policyholder_name: string;
  insured_name: string;
  effective_from: string;
  effective_to: string;
  coverages: { benefit: string; sum_insured_fen: number; used_fen: number }[];
}

// ── catastrophes (adjudication, R8) ───────────────────────────────────────

export interface AdvancePolicy {
  share_bps: number;
  cap_fen: number;
  incident_types: string[];
}

export interface CatastropheDeclaration {
  code: string;
  name: string;
  peril: string;
  /** Administrative division codes; a prefix covers the areas below it. */
  regions: string[];
  window_start: string;
  window_end: string;
  advance_policy: AdvancePolicy;
  internal_target_working_days: number;
}

export interface Catastrophe extends CatastropheDeclaration {
  active: boolean;
  version: number;
  declared_by: string;
  declared_at: string;
  switched_by?: string;
  switched_at?: string;
  switch_reason?: string;
}

export interface CatastropheSwitch {
  version: number;
  action: string;
  active: boolean;
  actor: string;
  reason: string;
  at: string;
}

// ── deadline tracking (every service) ─────────────────────────────────────

export type DeadlineState = 'open' | 'paused' | 'met' | 'missed' | 'cancelled';

export interface Deadline {
  id: string;
  claim_id: string;
  subject: string;
  rule: string;
  r_number: string;
  state: DeadlineState;
  risk: Risk;
  clock_start: string;
  due_date: string;
  due_at: string;
  at_risk_from: string;
  basis: string;
  explanation: string;
  /** The provisions, in Chinese and English (issue 20; absent from older services). */
  basis_citations?: { zh: string; en: string }[];
  /** How the deadline was counted, worded from the catalogue (issue 20). */
  counting?: { start_date: string; length: number; unit: string; contract: boolean; company_target: boolean; pauses: number };
  provisional: boolean;
  calendar_version: string;
  pauses: { paused_at: string; resumed_at: string }[];
  paused_at?: string | null;
  done_at?: string | null;
  delay_seconds?: number;
  cancel_reason?: string;
}

export interface DeadlinePage {
  deadlines: Deadline[];
  next_page_token: string | null;
}

/** The counts of a compliance line: a rule's, or one of its modes'. */
export interface ComplianceCounts {
  total: number;
  met: number;
  missed: number;
  open: number;
  open_breached: number;
  on_time_rate: number;
}

/** A rule's counts met in one mode (group=mode, issue 19): automatic, manual, or '' (owed, or not split). */
export interface ComplianceMode extends ComplianceCounts {
  mode: string;
}

export interface ComplianceRule extends ComplianceCounts {
  rule: string;
  r_number: string;
  worst: {
    obligation_id: string;
    claim_id: string;
    subject: string;
    state: string;
    due_at: string;
    done_at?: string | null;
    delay_seconds: number;
  }[];
  modes?: ComplianceMode[];
}

export interface ComplianceReport {
  service: string;
  from: string;
  to: string;
  generated_at: string;
  rules: ComplianceRule[];
}

// ── payout ────────────────────────────────────────────────────────────────

export type ObligationState = 'awaiting_payee_confirmation' | 'scheduled' | 'sent' | 'completed' | 'failed' | 'reversed';

/** Segregation of duties: above threshold_fen a senior who is none of excluded confirms the payee before it is paid. */
export interface PayeeConfirmation {
  required: boolean;
  excluded: string[];
  may_confirm?: string;
  confirmed_by?: string;
  confirmed_at?: string;
  threshold_fen: number;
}

/** One payment of the three-way reconciliation: payout, adjudication's authorisation, the bank's execution. */
export interface ThreeWayLine {
  claim_id?: string;
  obligation_id?: string;
  bank_key?: string;
  payout_type?: string;
  state?: string;
  amount_fen: number;
  authorised_fen: number | null;
  executed_fen: number | null;
  authorisation_id?: string;
  status: 'matched' | 'unmatched' | 'unverified' | (string & {});
  issues: string[];
  /** Each of issues by its code and values (issue 20; absent from older services). */
  issue_codes?: { code: string; params: Record<string, string> }[];
}

export interface ThreeWayReport {
  date: string;
  time_zone: string;
  currency: string;
  unmatched: number;
  authorisations_checked: boolean;
  authorisations_unavailable?: string;
  lines: ThreeWayLine[];
}

export interface Obligation {
  id: string;
  claim_id: string;
  case_id?: string;
  policy_number?: string;
  payout_type: 'final' | 'advance' | 'offset' | (string & {});
  /** What is paid: the agreed amount less advances. */
  amount_fen: number;
  agreed_amount_fen?: number;
  advanced_fen?: number;
  currency: string;
  state: ObligationState | (string & {});
  /** Masked: the name's first character, the account's last four digits. */
  payee?: Payee | null;
  attempts: number;
  last_error?: string;
  bank_reference?: string;
  agreed_at?: string | null;
  scheduled_at: string;
  sent_at?: string | null;
  completed_at: string | null;
  value_date?: string;
  reversed_at?: string;
  reversal_reason?: string;
  replaces?: string;
  payee_corrected_by?: string;
  payee_confirmation?: PayeeConfirmation;
}

export interface DayTotal {
  date?: string;
  payout_type: string;
  completed_count: number;
  completed_amount_fen: number;
  reversed_count: number;
  reversed_amount_fen: number;
}

export interface Reconciliation {
  from: string;
  to: string;
  time_zone: string;
  currency: string;
  days: DayTotal[];
  totals: DayTotal[];
}

export interface Notification {
  id: string;
  claim_id: string;
  obligation_id: string;
  rule: 'R9' | 'R10';
  template: string;
  recipient: { role: string; name: string; relation?: string };
  channel: string;
  amount_fen: number;
  value_date?: string;
  text: string;
  created_at: string;
  sent_at: string | null;
}

/** One reveal of personal data in clear (R11). */
export interface PersonalDataReveal {
  id: number;
  claim_id: string;
  subject: string;
  field: string;
  revealed_by: string;
  roles: string[];
  reason: string;
  revealed_at: string;
}
