CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     text        NOT NULL,
    event_type   text        NOT NULL,
    claim_id     text        NOT NULL,
    processed_at timestamptz NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE TABLE dead_letters (
    id          bigserial PRIMARY KEY,
    consumer    text        NOT NULL,
    topic       text        NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset bigint     NOT NULL,
    msg_key     text        NOT NULL,
    payload     bytea       NOT NULL,
    error       text        NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (consumer, topic, kafka_partition, kafka_offset)
);
