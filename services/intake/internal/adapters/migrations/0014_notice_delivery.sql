-- When a notice of missing documents reached the claimant: the decision
-- clock (R4) stops from the day after (Judicial Interpretation II of the
-- Insurance Law art. 15), not from the sending, so a letter's days in the
-- post are not deducted. Null until the receipt (postal, the gateway's, the
-- claimant's signature) is recorded; the four columns are written together.
ALTER TABLE missing_document_notices
    ADD COLUMN delivered_at timestamptz,
    ADD COLUMN delivery_receipt text,
    ADD COLUMN delivery_recorded_by text,
    ADD COLUMN delivery_recorded_at timestamptz,
    ADD CONSTRAINT missing_document_notices_delivery CHECK (
        (delivered_at IS NULL AND delivery_receipt IS NULL AND delivery_recorded_by IS NULL AND delivery_recorded_at IS NULL)
        OR (delivered_at IS NOT NULL AND delivery_receipt <> '' AND delivery_recorded_by IS NOT NULL AND delivery_recorded_at IS NOT NULL
            AND delivered_at >= sent_at AND delivered_at <= delivery_recorded_at));

-- Red team, session 12 (0013) extended: a notice is kept as sent, its
-- delivery and its supplement's arrival each written once (the supplement
-- again unchanged when a later notice's arrives). Moving a recorded delivery
-- earlier, or rubbing it out to write another, would stretch the deadline.
CREATE OR REPLACE FUNCTION missing_document_notices_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (NEW.report_id, NEW.seq, NEW.items, NEW.reason, NEW.channel, NEW.sent_by, NEW.sent_at)
            IS NOT DISTINCT FROM (OLD.report_id, OLD.seq, OLD.items, OLD.reason, OLD.channel, OLD.sent_by, OLD.sent_at)
        AND (OLD.supplement_received_at IS NULL OR NEW.supplement_received_at IS NOT DISTINCT FROM OLD.supplement_received_at)
        AND (OLD.delivered_at IS NULL
            OR (NEW.delivered_at, NEW.delivery_receipt, NEW.delivery_recorded_by, NEW.delivery_recorded_at)
                IS NOT DISTINCT FROM (OLD.delivered_at, OLD.delivery_receipt, OLD.delivery_recorded_by, OLD.delivery_recorded_at)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'missing_document_notices: a notice is kept as sent, its delivery and its supplement''s arrival written once: % refused', TG_OP;
END $$;
