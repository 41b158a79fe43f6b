-- Refresh tokens, stored by their SHA-256 only. A session is a family of
-- tokens, each used once for the next; a token used twice revokes its
-- family (it was stolen), and an admin revokes all of a user's families.
CREATE TABLE refresh_tokens (
    id         text        PRIMARY KEY,
    family     text        NOT NULL,
    subject    text        NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_subject ON refresh_tokens (subject) WHERE revoked_at IS NULL;
