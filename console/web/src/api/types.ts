// Types of the services' answers, from their OpenAPI documents
// (services/*/internal/ports/openapi.json, pkg/tracking/trackinghttp/openapi.json).
// Fields marked "later" are not served yet: the console shows them when a
// service starts sending them.

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
}

/** The error shape of every service and of the edge. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; request_id?: string };
}

export const INCIDENT_TYPES = ['death', 'disability', 'critical_illness', 'medical', 'accidental_injury'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const REPORTER_ROLES = ['policyholder', 'insured', 'beneficiary', 'agent'] as const;
export type ReporterRole = (typeof REPORTER_ROLES)[number];

export interface Reporter {
  name: string;
  role: ReporterRole;
  /** later: masked unless revealed (R11). */
  phone?: string;
  id_number?: string;
}

export interface NewReport {
  policy_number: string;
  insured_name: string;
  incident_type: IncidentType;
  incident_time: string;
  reporter: { name: string; role: ReporterRole };
}

/** A text for a person: one string, or Chinese and English side by side. */
export type LocalText = string | { zh?: string; en?: string };

/** One item of the guidance checklist (R1); later from intake. */
export interface ChecklistItem {
  id?: string;
  code?: string;
  title?: LocalText;
  name?: LocalText;
  description?: LocalText;
  /** A notice the claimant must be given with the item (the R2 appraisal reminder). */
  reminder?: LocalText;
  required?: boolean;
  /** later: missing, received, accepted, insufficient, waived. */
  state?: string;
  /** later: the document that satisfies the item. */
  document_id?: string;
  document_name?: string;
}

export interface Report {
  id: string;
  claim_id: string;
  policy_number: string;
  insured_name: string;
  incident_type: string;
  incident_time: string;
  reporter: Reporter;
  reported_at: string;
  claim_requested_at: string | null;
  /** later: the guidance checklist given with the report (R1). */
  checklist?: ChecklistItem[] | { items: ChecklistItem[] };
  /** later. */
  id_number?: string;
  bank_account?: string;
}

export type CaseState = 'received' | 'approved' | 'rejected' | (string & {});

export interface Decision {
  outcome: 'approve' | 'reject' | (string & {});
  amount_fen: number;
  reason?: string;
  decided_by: string;
  decided_at: string;
}

export interface RejectionLetter {
  channel: string;
  sent_by: string;
  sent_at: string;
}

export interface Case {
  id: string;
  claim_id: string;
  report_id: string;
  policy_number: string;
  insured_name: string;
  incident_type: string;
  incident_time: string;
  first_received_at: string;
  opened_at: string;
  state: CaseState;
  decision: Decision | null;
  rejection_letter: RejectionLetter | null;
  /** later (issue 5 and catastrophe mode). */
  assignee?: string;
  catastrophe_code?: string;
  complex?: boolean;
}

export type DeadlineState = 'open' | 'paused' | 'met' | 'missed' | 'cancelled';
export type Risk = 'on-track' | 'at-risk' | 'breached' | 'paused' | 'none';

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

export type ObligationState = 'scheduled' | 'completed' | 'failed';

export interface Obligation {
  id: string;
  claim_id: string;
  payout_type: string;
  amount_fen: number;
  currency: string;
  state: ObligationState | (string & {});
  attempts: number;
  last_error?: string;
  bank_reference?: string;
  scheduled_at: string;
  completed_at: string | null;
  /** later (issue 6): the payee's account, masked unless revealed. */
  payee_account?: string;
}

export interface ComplianceRule {
  rule: string;
  r_number: string;
  total: number;
  met: number;
  missed: number;
  open: number;
  open_breached: number;
  on_time_rate: number;
  worst: {
    obligation_id: string;
    claim_id: string;
    subject: string;
    state: string;
    due_at: string;
    done_at?: string | null;
    delay_seconds: number;
  }[];
}

export interface ComplianceReport {
  service: string;
  from: string;
  to: string;
  generated_at: string;
  rules: ComplianceRule[];
}

/** One entry of a case's timeline; later from adjudication (issue 5). */
export interface TimelineEntry {
  at: string;
  type?: string;
  kind?: string;
  actor?: string;
  summary?: string;
  description?: string;
}
