-- Every transaction that appends to the outbox notifies the channel
-- "outbox" when it commits (a NOTIFY is delivered at commit, once per
-- transaction and channel), so that the relay of any instance of the service
-- publishes at once rather than at its next poll (issue 21).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
