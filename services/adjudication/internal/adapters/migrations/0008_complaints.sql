-- The complaint register (R12, Reg. art. 29), issue 16. A complaint, its
-- progress notices and its reply are append-only: the register is never
-- edited, and the primary key of complaint_replies lets a complaint be
-- answered once. The reply deadline is tracked in obligations
-- (rule complaint-reply, subject complaint/<id>).
CREATE TABLE complaints (
    id          text PRIMARY KEY,
    claim_id    text        NOT NULL DEFAULT '',
    channel     text        NOT NULL,
    complainant text        NOT NULL,
    contact     text        NOT NULL DEFAULT '',
    category    text        NOT NULL,
    content     text        NOT NULL,
    received_at timestamptz NOT NULL,
    accepted_by text        NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX complaints_received ON complaints (received_at, id);
CREATE INDEX complaints_claim ON complaints (claim_id) WHERE claim_id <> '';

CREATE TABLE complaint_notices (
    seq          bigserial PRIMARY KEY,
    complaint_id text        NOT NULL REFERENCES complaints (id),
    text         text        NOT NULL,
    channel      text        NOT NULL,
    sent_at      timestamptz NOT NULL,
    sent_by      text        NOT NULL,
    before_due   boolean     NOT NULL
);
CREATE INDEX complaint_notices_complaint ON complaint_notices (complaint_id, seq);

CREATE TABLE complaint_replies (
    complaint_id text PRIMARY KEY REFERENCES complaints (id),
    text         text        NOT NULL,
    channel      text        NOT NULL,
    replied_at   timestamptz NOT NULL,
    replied_by   text        NOT NULL
);

CREATE FUNCTION complaints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER complaints_append_only BEFORE UPDATE OR DELETE ON complaints
    FOR EACH ROW EXECUTE FUNCTION complaints_append_only();
CREATE TRIGGER complaint_notices_append_only BEFORE UPDATE OR DELETE ON complaint_notices
    FOR EACH ROW EXECUTE FUNCTION complaints_append_only();
CREATE TRIGGER complaint_replies_append_only BEFORE UPDATE OR DELETE ON complaint_replies
    FOR EACH ROW EXECUTE FUNCTION complaints_append_only();
