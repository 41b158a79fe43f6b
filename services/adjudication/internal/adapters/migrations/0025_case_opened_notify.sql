-- Issue 21: a case's opening is announced on the channel case_opened, its
-- claim id the payload, when the transaction that opened it commits, so
-- that a client waiting for the case (GET /v1/cases/{id}?wait=,
-- POST .../decision?wait=) is answered at once by whichever instance
-- serves it, instead of polling with requests answered 404.
CREATE FUNCTION case_opened_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('case_opened', NEW.claim_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER case_opened_notify AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION case_opened_notify();
