-- The W3C trace context of the transaction that created the obligation
-- (package tracing), so the bank call and the payout events continue the
-- claim's trace; empty when the service ran without tracing.
ALTER TABLE obligations ADD COLUMN trace_parent text NOT NULL DEFAULT '';
