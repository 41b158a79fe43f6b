-- Every deliberate reveal of masked personal data (R11): who saw whose
-- what, when and why. Append-only: nothing may change or remove a record.
CREATE TABLE personal_data_reveals (
    id          bigserial PRIMARY KEY,
    claim_id    text        NOT NULL,
    subject     text        NOT NULL,
    field       text        NOT NULL,
    revealed_by text        NOT NULL,
    roles       text        NOT NULL,
    reason      text        NOT NULL,
    revealed_at timestamptz NOT NULL
);
CREATE INDEX personal_data_reveals_claim ON personal_data_reveals (claim_id, revealed_at);
CREATE INDEX personal_data_reveals_by ON personal_data_reveals (revealed_by, revealed_at);

CREATE FUNCTION personal_data_reveals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'personal_data_reveals is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER personal_data_reveals_append_only BEFORE UPDATE OR DELETE ON personal_data_reveals
    FOR EACH ROW EXECUTE FUNCTION personal_data_reveals_append_only();
