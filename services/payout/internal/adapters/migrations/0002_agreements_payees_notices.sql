-- Payments start from the claimant's agreement (R6), carry their payee
-- encrypted (R11), are submitted to the bank before their outcome is known
-- (state sent), may be returned by the bank (reversed) and paid again by a
-- replacement, and their notices (R9, R10) are kept and sent from here.
ALTER TABLE obligations
    ADD COLUMN case_id            text        NOT NULL DEFAULT '',
    ADD COLUMN policy_number      text        NOT NULL DEFAULT '',
    ADD COLUMN agreed_amount_fen  bigint      NOT NULL DEFAULT 0,
    ADD COLUMN advanced_fen       bigint      NOT NULL DEFAULT 0 CHECK (advanced_fen >= 0),
    -- The payee (name, role, bank, account number, person collected for),
    -- AES-256-GCM under the data key payee_key_id (package sealed).
    ADD COLUMN payee_sealed       bytea,
    ADD COLUMN payee_key_id       text        NOT NULL DEFAULT '',
    ADD COLUMN agreed_at          timestamptz,
    ADD COLUMN sent_at            timestamptz,
    -- The Asia/Shanghai date the money moved, kept after a reversal.
    ADD COLUMN value_date         date,
    ADD COLUMN reversed_at        timestamptz,
    ADD COLUMN reversal_reason    text        NOT NULL DEFAULT '',
    ADD COLUMN replaces           text        REFERENCES obligations (id),
    ADD COLUMN payee_corrected_by text        NOT NULL DEFAULT '',
    ADD COLUMN payee_corrected_at timestamptz;

-- Obligations of the walking skeleton were created from decisions, without
-- a payee: nothing can be paid to them until a handler gives the details.
UPDATE obligations SET state = 'failed',
    last_error = 'no payee details: created from a decision before agreements were recorded; give the payee details'
    WHERE state = 'scheduled' AND payee_sealed IS NULL;
UPDATE obligations SET value_date = (completed_at AT TIME ZONE 'Asia/Shanghai')::date WHERE completed_at IS NOT NULL;

ALTER TABLE obligations
    ADD CONSTRAINT obligations_type CHECK (payout_type IN ('final', 'advance', 'offset')),
    ADD CONSTRAINT obligations_state CHECK (state IN ('scheduled', 'sent', 'completed', 'failed', 'reversed')),
    ADD CONSTRAINT obligations_paid CHECK ((state IN ('completed', 'reversed')) =
        (completed_at IS NOT NULL AND value_date IS NOT NULL AND bank_reference <> '')),
    ADD CONSTRAINT obligations_reversed CHECK ((state = 'reversed') = (reversed_at IS NOT NULL)),
    -- Never more than agreed: a final payment is the agreed amount less advances.
    ADD CONSTRAINT obligations_net CHECK (agreed_amount_fen = 0 OR amount_fen = agreed_amount_fen - advanced_fen);

-- One payment per claim and type, whatever is redelivered; a reversed one
-- makes room for its replacement, and a payment has one replacement.
ALTER TABLE obligations DROP CONSTRAINT obligations_claim_id_payout_type_key;
CREATE UNIQUE INDEX obligations_one_per_claim_and_type ON obligations (claim_id, payout_type) WHERE state <> 'reversed';
CREATE UNIQUE INDEX obligations_one_replacement ON obligations (replaces) WHERE replaces IS NOT NULL;

DROP INDEX obligations_due;
CREATE INDEX obligations_due ON obligations (state, next_attempt_at) WHERE state IN ('scheduled', 'sent');
CREATE INDEX obligations_claim ON obligations (claim_id, scheduled_at);
CREATE INDEX obligations_value_date ON obligations (value_date) WHERE value_date IS NOT NULL;
CREATE INDEX obligations_reversed_at ON obligations (reversed_at) WHERE reversed_at IS NOT NULL;
CREATE INDEX obligations_payee_key ON obligations (payee_key_id);

-- The notices asked of the SMS or mail gateway: the topic's outbox (a row
-- is sent once the topic took it) and the record that R9 and R10 were met.
-- Texts name people masked and accounts by their last four digits only.
CREATE TABLE notifications (
    id                 text PRIMARY KEY,
    claim_id           text        NOT NULL,
    obligation_id      text        NOT NULL REFERENCES obligations (id),
    policy_number      text        NOT NULL,
    rule               text        NOT NULL CHECK (rule IN ('R9', 'R10')),
    template           text        NOT NULL,
    recipient_role     text        NOT NULL,
    recipient_name     text        NOT NULL,
    recipient_relation text        NOT NULL DEFAULT '',
    amount_fen         bigint      NOT NULL CHECK (amount_fen > 0),
    value_date         text        NOT NULL,
    text               text        NOT NULL,
    topic              text        NOT NULL,
    event_id           text        NOT NULL UNIQUE,
    payload            bytea       NOT NULL,
    created_at         timestamptz NOT NULL,
    sent_at            timestamptz,
    -- One notice per rule and payment, however often completion is seen.
    UNIQUE (obligation_id, rule)
);
CREATE INDEX notifications_unsent ON notifications (created_at, id) WHERE sent_at IS NULL;
CREATE INDEX notifications_claim ON notifications (claim_id, created_at);
