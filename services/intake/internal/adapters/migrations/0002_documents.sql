-- What a report records beyond the first version, the guidance checklist it
-- was given, its supporting documents with their reading and corrections,
-- the items marked satisfied without an upload, and the notices of missing
-- documents.
ALTER TABLE incident_reports
    ADD COLUMN product_code         text    NOT NULL DEFAULT '',
    ADD COLUMN incident_place       text    NOT NULL DEFAULT '',
    ADD COLUMN incident_date        date,
    ADD COLUMN description          text    NOT NULL DEFAULT '',
    ADD COLUMN contact              text    NOT NULL DEFAULT '',
    ADD COLUMN reporter_relation    text    NOT NULL DEFAULT '',
    ADD COLUMN beneficiary_name     text,
    ADD COLUMN beneficiary_relation text,
    ADD COLUMN claimed_amount_fen   bigint  NOT NULL DEFAULT 0 CHECK (claimed_amount_fen >= 0),
    ADD COLUMN checklist            jsonb,
    ADD COLUMN handed_over_at       timestamptz;

-- Reports stored before: their claim request went to adjudication when it
-- was made.
UPDATE incident_reports SET handed_over_at = claim_requested_at WHERE claim_requested_at IS NOT NULL;

-- One report per incident: a report of the same policy, insured, incident
-- type and (Asia/Shanghai) incident date is linked to the stored one. Reports
-- stored before have no incident date and take no part.
CREATE UNIQUE INDEX incident_reports_same_incident ON incident_reports (policy_number, insured_name, incident_type, incident_date)
    WHERE incident_date IS NOT NULL;

-- Reports that matched a stored one and were linked to it.
CREATE TABLE report_links (
    id                bigserial PRIMARY KEY,
    report_id         text        NOT NULL REFERENCES incident_reports (id),
    reporter_name     text        NOT NULL,
    reporter_role     text        NOT NULL,
    reporter_relation text        NOT NULL,
    linked_by         text        NOT NULL,
    linked_at         timestamptz NOT NULL
);
CREATE INDEX report_links_report ON report_links (report_id, id);

-- Idempotency-Key of report requests, per signed-in principal: a retry with
-- the same key gets the first answer, never a second report.
CREATE TABLE idempotency_keys (
    principal      text        NOT NULL,
    key            text        NOT NULL,
    request_sha256 text        NOT NULL,
    report_id      text REFERENCES incident_reports (id),
    linked         boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);

-- Supporting documents: one per file (SHA-256) and claim. The machine's
-- reading is kept in the read_* columns, the handlers' corrections beside
-- it in document_corrections. Workers take pending documents (and those
-- whose lease ran out) with FOR UPDATE SKIP LOCKED; version guards a
-- document changed by a worker and a handler at once.
CREATE TABLE documents (
    id                   text PRIMARY KEY,
    report_id            text        NOT NULL REFERENCES incident_reports (id),
    claim_id             text        NOT NULL,
    sha256               text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media                text        NOT NULL CHECK (media IN ('jpeg', 'png', 'tiff', 'pdf')),
    pages                integer     NOT NULL CHECK (pages > 0),
    size_bytes           bigint      NOT NULL CHECK (size_bytes > 0),
    file_name            text        NOT NULL,
    uploaded_by          text        NOT NULL,
    uploaded_at          timestamptz NOT NULL,
    state                text        NOT NULL CHECK (state IN ('pending', 'reading', 'read', 'failed')),
    attempts             integer     NOT NULL DEFAULT 0,
    lease_until          timestamptz,
    failure_code         text,
    failure_message      text,
    read_type            text,
    read_confidence      double precision,
    read_id_number       text,
    read_amount_fen      bigint,
    read_figures_fen     bigint,
    read_capitals_fen    bigint,
    read_amounts_disagree boolean,
    read_event_date      date,
    read_invoice_number  text,
    read_names           jsonb,
    read_text            text,
    read_at              timestamptz,
    version              integer     NOT NULL DEFAULT 0,
    UNIQUE (claim_id, sha256),
    CHECK ((state = 'reading') = (lease_until IS NOT NULL)),
    CHECK ((state = 'read') = (read_at IS NOT NULL))
);
CREATE INDEX documents_report ON documents (report_id, uploaded_at, id);
-- The readers' queue stays small however many documents were read.
CREATE INDEX documents_queue ON documents (uploaded_at, id) WHERE state IN ('pending', 'reading');

CREATE TABLE document_corrections (
    id              bigserial PRIMARY KEY,
    document_id     text        NOT NULL REFERENCES documents (id),
    type            text,
    id_number       text,
    total_amount_fen bigint,
    event_date      date,
    invoice_number  text,
    names           jsonb,
    note            text        NOT NULL,
    corrected_by    text        NOT NULL,
    corrected_at    timestamptz NOT NULL
);
CREATE INDEX document_corrections_document ON document_corrections (document_id, id);

-- Checklist items a handler marked satisfied without an upload, and why.
CREATE TABLE checklist_waivers (
    id        bigserial PRIMARY KEY,
    report_id text        NOT NULL REFERENCES incident_reports (id),
    item_id   text        NOT NULL,
    reason    text        NOT NULL,
    waived_by text        NOT NULL,
    waived_at timestamptz NOT NULL,
    UNIQUE (report_id, item_id)
);

-- Notices of missing documents (R3): the first is the one-time notice, and
-- its supplement_received_at ends the stop of the decision clock (R4).
CREATE TABLE missing_document_notices (
    report_id              text        NOT NULL REFERENCES incident_reports (id),
    seq                    integer     NOT NULL CHECK (seq > 0),
    items                  jsonb       NOT NULL,
    reason                 text        NOT NULL,
    channel                text        NOT NULL,
    sent_by                text        NOT NULL,
    sent_at                timestamptz NOT NULL,
    supplement_received_at timestamptz,
    PRIMARY KEY (report_id, seq)
);

-- Who corrected what, who waived what and which notice was sent are an
-- audit: those rows are never changed or removed.
CREATE FUNCTION intake_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER document_corrections_append_only BEFORE UPDATE OR DELETE ON document_corrections
    FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER checklist_waivers_append_only BEFORE UPDATE OR DELETE ON checklist_waivers
    FOR EACH ROW EXECUTE FUNCTION intake_append_only();
CREATE TRIGGER report_links_append_only BEFORE UPDATE OR DELETE ON report_links
    FOR EACH ROW EXECUTE FUNCTION intake_append_only();
