-- Case notes (issue 20): a diary per case, append-only. The trigger
-- refuses any UPDATE or DELETE, so a note stays as written even if code
-- tried to change it; a correction is a new note.
CREATE TABLE case_notes (
    id         text PRIMARY KEY,
    claim_id   text        NOT NULL,
    author     text        NOT NULL,
    text       text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX case_notes_claim ON case_notes (claim_id, created_at, id);

CREATE FUNCTION case_notes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case notes are append-only';
END $$;
CREATE TRIGGER case_notes_append_only BEFORE UPDATE OR DELETE ON case_notes
    FOR EACH ROW EXECUTE FUNCTION case_notes_append_only();
