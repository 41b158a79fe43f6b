CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    event_id    text        NOT NULL UNIQUE,
    topic       text        NOT NULL,
    msg_key     text        NOT NULL,
    event_type  text        NOT NULL,
    payload     bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
