// The shapes of straight-through adjudication's answers (adjudication's
// OpenAPI document: Assessment, AutoReview, AutoSwitch).

export interface AutoReason {
  code: string;
  params: Record<string, string>;
}

export interface ComputationStep {
  text: string;
  amount_fen: number;
  document_id?: string;
  field?: string;
  page?: number;
  box: [number, number, number, number];
  clause?: string;
}

export interface InvoiceLine {
  document_id: string;
  invoice_number: string;
  total_fen: number;
  base_fen: number;
  deductible_fen: number;
  ratio_bp: number;
  payable_fen: number;
}

export interface Computation {
  rules_version: number;
  benefit: string;
  invoices: InvoiceLine[];
  steps: ComputationStep[];
  claimed_fen: number;
  deductible_applied_fen: number;
  payable_fen: number;
  rounding_rule: string;
}

/**
 * A field OCR read below the policy's confidence that an independent check
 * confirmed (adjudication's corroborate.go): by names the check,
 * other_document_id the document that confirmed it, when another did.
 */
export interface Corroboration {
  document_id: string;
  field: string;
  confidence: number;
  by: string;
  other_document_id?: string;
}

export interface Assessment {
  claim_id: string;
  product_code: string;
  rules_version: number;
  automatic: boolean;
  reasons: AutoReason[];
  computation: Computation | null;
  assessed_at: string;
  /** Absent from an adjudication older than the corroborations. */
  corroborations?: Corroboration[];
}

export interface AutoReview {
  claim_id: string;
  reason: 'sampled' | 'amount_unsupported';
  amount_fen: number;
  decided_by: string;
  sampled_at: string;
  outcome: '' | 'confirmed' | 'wrong';
  note: string;
  reviewed_by?: string;
  reviewed_at?: string;
}

export interface AutoSwitch {
  enabled: boolean;
  changes: { enabled: boolean; reason: string; changed_by: string; changed_at: string }[];
}
