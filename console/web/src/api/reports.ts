// The complaint register (R12), the service indicators (R13) and the
// catastrophe daily report, as adjudication answers them.

export interface ComplaintDeadline {
  rule: string;
  r_number: string;
  due_date: string;
  due_at: string;
  state: 'open' | 'paused' | 'met' | 'missed' | 'cancelled';
  risk: 'on-track' | 'at-risk' | 'breached' | 'paused' | 'none';
}

export interface ProgressNotice {
  text: string;
  channel: string;
  sent_at: string;
  sent_by: string;
  before_due: boolean;
}

export interface Complaint {
  id: string;
  claim_id: string;
  channel: string;
  complainant: string;
  contact: string;
  category: string;
  content: string;
  received_at: string;
  accepted_by: string;
  created_at: string;
  progress_notices: ProgressNotice[];
  reply: { text: string; channel: string; replied_at: string; replied_by: string } | null;
  deadline: ComplaintDeadline | null;
}

export interface ComplaintInput {
  claim_id?: string;
  channel: string;
  complainant: string;
  contact?: string;
  category: string;
  content: string;
  received_at?: string;
}

export const complaintChannels = ['phone', 'letter', 'counter', 'email', 'online', 'regulator'] as const;
export const complaintCategories = ['claim_decision', 'claim_delay', 'payment', 'documents', 'service', 'other'] as const;
export const replyChannels = ['letter', 'email', 'registered_electronic', 'hand_delivery'] as const;

export interface IndicatorLine {
  group: string;
  decided: number;
  withdrawn: number;
  decided_within_5_working_days: number;
  five_day_closure_rate: number;
  paid: number;
  rejected: number;
  paid_share: number;
  payments_completed: number;
  avg_claim_to_payment_hours: number;
  avg_incident_to_payment_hours: number;
  small_decided: number;
  small_decided_within_1_working_day: number;
  small_decided_within_5_working_days: number;
  small_one_day_closure_rate: number;
  small_five_day_closure_rate: number;
}

export interface IndicatorReport {
  from: string;
  to: string;
  group_by: 'branch' | 'handler';
  generated_at: string;
  small_claim_limit_fen: number;
  lines: IndicatorLine[];
  total: IndicatorLine;
}

export interface CatastropheDay {
  date: string;
  new_cases: number;
  valid_cases: number;
  deaths: number;
  disabilities: number;
  medical: number;
  new_closed: number;
  closed: number;
  advances_paid: number;
  advances_paid_fen: number;
  estimated_fen: number;
  handling_rate: number;
}

export interface CatastropheDailyReport {
  code: string;
  from: string;
  to: string;
  generated_at: string;
  days: CatastropheDay[];
}
