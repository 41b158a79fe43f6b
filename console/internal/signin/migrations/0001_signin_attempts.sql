-- Sign-in attempts per key (a normalised user name, a client address),
-- shared by every console replica: counted before the password is checked.
CREATE TABLE signin_attempts (
    key          text PRIMARY KEY,
    attempts     integer     NOT NULL,
    window_start timestamptz NOT NULL,
    locked_until timestamptz
);
