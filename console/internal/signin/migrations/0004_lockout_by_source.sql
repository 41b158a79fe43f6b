-- Issue 20: a user name is locked per (user, source) in signin_attempts
-- (keys "user:<name>|client:<address>"), and throttled across sources
-- here with a doubling delay instead of a lock, so that a stranger cannot
-- lock a colleague out and a distributed guesser still gets few guesses.
CREATE TABLE signin_user_throttle (
    username     text        PRIMARY KEY,
    failures     integer     NOT NULL,
    last_attempt timestamptz NOT NULL,
    next_allowed timestamptz NOT NULL
);
-- Unlocks by an admin, kept as the audit of who lifted whose lock.
CREATE TABLE signin_unlocks (
    id          bigserial   PRIMARY KEY,
    username    text        NOT NULL,
    unlocked_by text        NOT NULL,
    unlocked_at timestamptz NOT NULL,
    keys        integer     NOT NULL
);
