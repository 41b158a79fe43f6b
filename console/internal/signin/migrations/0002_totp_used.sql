-- One-time codes already used, per user and time step: a code is accepted
-- once, even by another replica within its 90 seconds of validity.
CREATE TABLE signin_totp_used (
    subject text        NOT NULL,
    step    bigint      NOT NULL,
    used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, step)
);
