-- An outbox row's id is drawn after its transaction has an id of its own
-- (issue 21). The relay skips the index entries of rows it published by
-- reading from a floor below which every row is sent, and it raises the floor
-- only past ids whose transactions have ended: it reads the sequence, and
-- once every transaction that was running when it read has ended, every id
-- drawn before is committed or rolled back. A transaction whose first write
-- is its event would draw the id before it took a transaction id, and could
-- be missed by that test; drawing the transaction id first closes it.
-- The sequence hands ids out one at a time (CACHE 1, the default): ids a
-- session cached ahead would be drawn later than they were read.
CREATE FUNCTION outbox_next_id() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN nextval('outbox_id_seq');
END
$$;
ALTER SEQUENCE outbox_id_seq CACHE 1;
ALTER TABLE outbox ALTER COLUMN id SET DEFAULT outbox_next_id();
