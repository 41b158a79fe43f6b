-- The sending of a rejected case's written notice (R5); once per case.
CREATE TABLE rejection_letters (
    case_id text PRIMARY KEY REFERENCES cases (id),
    channel text        NOT NULL,
    sent_by text        NOT NULL,
    sent_at timestamptz NOT NULL
);
