-- Issue 20: the client addresses a user signed in from, so that a stranger
-- keeping the throttle across sources engaged (signin_user_throttle) does
-- not hold the user out at an address they used before; there the
-- per-(user, source) lock alone bounds guesses.
CREATE TABLE signin_known_sources (
    username     text        NOT NULL,
    client       text        NOT NULL,
    last_success timestamptz NOT NULL,
    PRIMARY KEY (username, client)
);
