-- Red team, session 12: an applied event's receipt is what makes a
-- redelivery change nothing, so it is never changed or removed (an insider
-- deleting it through the service's role let the event apply again). A
-- dead letter is kept as parked: an edited payload replayed by an admin
-- would apply the edit under the admin's name; its one change is the
-- replay, recorded once. TRUNCATE skips row triggers and is refused too.
CREATE FUNCTION inbox_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'dead_letters' AND TG_OP = 'UPDATE' AND OLD.replayed_at IS NULL
        AND (to_jsonb(NEW) - 'replayed_at' - 'replayed_by') = (to_jsonb(OLD) - 'replayed_at' - 'replayed_by') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is kept as written: % refused', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER inbox_kept BEFORE UPDATE OR DELETE ON inbox
    FOR EACH ROW EXECUTE FUNCTION inbox_kept();
CREATE TRIGGER inbox_no_truncate BEFORE TRUNCATE ON inbox
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_kept();
CREATE TRIGGER dead_letters_kept BEFORE UPDATE OR DELETE ON dead_letters
    FOR EACH ROW EXECUTE FUNCTION inbox_kept();
CREATE TRIGGER dead_letters_no_truncate BEFORE TRUNCATE ON dead_letters
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_kept();
