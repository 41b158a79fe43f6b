-- The case's life: review, documents awaited (R4 clock stops), complex path,
-- four-eyes decisions per benefit line, the claimant's agreement, closing,
-- assignment; the rejection notice's PDF (R5); check overrides; policy and
-- product data; and the append-only audit of every change.

ALTER TABLE cases
    ADD COLUMN incident_place       text    NOT NULL DEFAULT '',
    ADD COLUMN claimed_amount_fen   bigint  NOT NULL DEFAULT 0 CHECK (claimed_amount_fen >= 0),
    ADD COLUMN beneficiary_name     text,
    ADD COLUMN beneficiary_relation text,
    -- R4 clock stops: [{notice_sent_at, received_at, requested_by, documents, note}].
    ADD COLUMN supplements          jsonb   NOT NULL DEFAULT '[]',
    ADD COLUMN assignee             text    NOT NULL DEFAULT '',
    ADD COLUMN complex_reason       text,
    ADD COLUMN complex_by           text,
    ADD COLUMN complex_at           timestamptz,
    ADD COLUMN closed_reason        text,
    ADD COLUMN closed_by            text,
    ADD COLUMN closed_at            timestamptz,
    ADD CONSTRAINT cases_state_check CHECK (state IN ('received', 'under_review', 'awaiting_documents', 'complex',
        'pending_approval', 'approved', 'partly_approved', 'rejected', 'agreed', 'closed')),
    ADD CONSTRAINT cases_complex_check CHECK ((complex_at IS NULL) = (complex_reason IS NULL)),
    ADD CONSTRAINT cases_closed_check CHECK ((state = 'closed') = (closed_at IS NOT NULL));
CREATE INDEX cases_assignee ON cases (assignee, state);
CREATE INDEX cases_policy ON cases (policy_number);

-- The documents handed on with the claim request; invoice_key is the
-- normalised invoice number the duplicate-invoice check compares.
CREATE TABLE case_documents (
    case_id          text   NOT NULL REFERENCES cases (id),
    position         integer NOT NULL,
    document_id      text   NOT NULL,
    type             text   NOT NULL,
    sha256           text   NOT NULL,
    invoice_number   text   NOT NULL,
    invoice_key      text   NOT NULL,
    total_amount_fen bigint NOT NULL,
    event_date       text   NOT NULL,
    PRIMARY KEY (case_id, position)
);
CREATE INDEX case_documents_invoice ON case_documents (invoice_key) WHERE invoice_key <> '';

-- A decision is proposed (needs_approval, approved_at NULL) or in effect.
-- The reason column holds the handler's free-text note; the reasons with
-- their clauses are in reasons.
ALTER TABLE decisions
    ADD COLUMN reasons        jsonb   NOT NULL DEFAULT '[]',
    ADD COLUMN needs_approval boolean NOT NULL DEFAULT false,
    ADD COLUMN approved_by    text,
    ADD COLUMN approved_at    timestamptz,
    ADD CONSTRAINT decisions_outcome_check CHECK (outcome IN ('approve', 'partly_approve', 'reject')),
    ADD CONSTRAINT decisions_approval_check CHECK ((approved_at IS NULL) = (approved_by IS NULL)
        AND (needs_approval OR approved_at IS NULL)),
    ADD CONSTRAINT decisions_four_eyes_check CHECK (approved_by IS DISTINCT FROM decided_by);

CREATE TABLE decision_lines (
    case_id      text    NOT NULL REFERENCES decisions (case_id) ON DELETE CASCADE,
    line_no      integer NOT NULL,
    benefit      text    NOT NULL,
    claimed_fen  bigint  NOT NULL CHECK (claimed_fen > 0),
    approved_fen bigint  NOT NULL CHECK (approved_fen >= 0 AND approved_fen <= claimed_fen),
    PRIMARY KEY (case_id, line_no),
    UNIQUE (case_id, benefit)
);

-- The rejection notice (R5): generated at the rejection, its PDF and SHA-256
-- kept, then sent. Rows from before letters were kept have no PDF.
ALTER TABLE rejection_letters
    ALTER COLUMN channel DROP NOT NULL,
    ALTER COLUMN sent_by DROP NOT NULL,
    ALTER COLUMN sent_at DROP NOT NULL,
    ADD COLUMN letter_number text UNIQUE,
    ADD COLUMN issue_date    date,
    ADD COLUMN pdf           bytea,
    ADD COLUMN sha256        text,
    ADD COLUMN generated_at  timestamptz,
    ADD COLUMN generated_by  text,
    ADD CONSTRAINT rejection_letters_sent_check CHECK ((channel IS NULL) = (sent_at IS NULL) AND (sent_by IS NULL) = (sent_at IS NULL)),
    ADD CONSTRAINT rejection_letters_pdf_check CHECK ((pdf IS NULL) = (sha256 IS NULL));

CREATE SEQUENCE rejection_letter_numbers;

-- A letter is kept as it was generated, and once sent it changes no more.
CREATE FUNCTION rejection_letters_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'rejection_letters: a letter is never deleted';
    END IF;
    IF OLD.sent_at IS NOT NULL THEN
        RAISE EXCEPTION 'rejection_letters: the letter of case % was sent and is kept unchanged', OLD.case_id;
    END IF;
    IF OLD.pdf IS NOT NULL AND (NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.sha256 IS DISTINCT FROM OLD.sha256
        OR NEW.letter_number IS DISTINCT FROM OLD.letter_number OR NEW.issue_date IS DISTINCT FROM OLD.issue_date) THEN
        RAISE EXCEPTION 'rejection_letters: the letter of case % is never regenerated', OLD.case_id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER rejection_letters_keep BEFORE UPDATE OR DELETE ON rejection_letters
    FOR EACH ROW EXECUTE FUNCTION rejection_letters_keep();

-- The claimant's agreement to the amount (达成协议); the account number is
-- kept masked only: the full number goes to payout in the event.
CREATE TABLE agreements (
    case_id               text        PRIMARY KEY REFERENCES cases (id),
    amount_fen            bigint      NOT NULL CHECK (amount_fen > 0),
    agreed_by             text        NOT NULL,
    channel               text        NOT NULL,
    recorded_by           text        NOT NULL,
    agreed_at             timestamptz NOT NULL,
    payee_name            text        NOT NULL,
    payee_role            text        NOT NULL,
    bank_name             text        NOT NULL,
    account_masked        text        NOT NULL CHECK (account_masked LIKE '****%' AND length(account_masked) <= 8),
    on_behalf_of_name     text,
    on_behalf_of_relation text,
    payment_period_days   integer     NOT NULL DEFAULT 0
);

CREATE TABLE check_overrides (
    id            bigserial PRIMARY KEY,
    case_id       text        NOT NULL REFERENCES cases (id),
    check_name    text        NOT NULL,
    reason        text        NOT NULL,
    overridden_by text        NOT NULL,
    overridden_at timestamptz NOT NULL
);
CREATE INDEX check_overrides_case ON check_overrides (case_id, id);

-- Every change to a case: who, when, why. Append-only.
CREATE TABLE case_audit (
    seq        bigserial PRIMARY KEY,
    case_id    text        NOT NULL REFERENCES cases (id),
    claim_id   text        NOT NULL,
    at         timestamptz NOT NULL,
    actor      text        NOT NULL,
    action     text        NOT NULL,
    from_state text        NOT NULL,
    to_state   text        NOT NULL,
    reason     text        NOT NULL,
    details    jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX case_audit_claim ON case_audit (claim_id, seq);

CREATE FUNCTION case_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_audit is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER case_audit_append_only BEFORE UPDATE OR DELETE ON case_audit
    FOR EACH ROW EXECUTE FUNCTION case_audit_append_only();

-- Policy and product data from the policy system (PUT /v1/products/{code},
-- PUT /v1/policies/{number}); data holds the document as imported.
CREATE TABLE products (
    code       text PRIMARY KEY,
    data       jsonb       NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text        NOT NULL
);

CREATE TABLE policies (
    number       text PRIMARY KEY,
    product_code text        NOT NULL REFERENCES products (code),
    data         jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL,
    updated_by   text        NOT NULL
);
