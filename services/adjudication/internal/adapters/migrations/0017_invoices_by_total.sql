-- Issue 19: a receipt number read with low confidence is relied on only
-- when no other claim of the insured holds a medical invoice of the same
-- total on the same day (Cases.InvoicesAlike); this index serves that
-- search by total.
CREATE INDEX case_documents_medical_total ON case_documents (total_amount_fen) WHERE type = 'medical_invoice';
