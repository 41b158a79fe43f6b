-- Red team, session 14: an owed decision deadline (R4, 5 working days)
-- about to be breached was moved twenty days out through the service's
-- role and, in the same UPDATE, named the complex-case deadline (30 days):
-- the monitor recomputes a moved due from the inputs the move left, the
-- rule among them, so the move looked honest (no tampered alarm, no
-- breach). The tracker never changes what an obligation is (a complex
-- case cancels the 5-working-day obligation and opens another), so its
-- id, claim, subject and rule are final; the WHEN keeps the trigger's
-- function from being called on every other update.
CREATE FUNCTION deadline_obligations_identity_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'deadline_obligations: obligation % is % of % (%): what it is never changes, UPDATE refused',
        OLD.id, OLD.rule, OLD.subject, OLD.claim_id;
END;
$$;
CREATE TRIGGER deadline_obligations_identity_final BEFORE UPDATE ON deadline_obligations
    FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.claim_id IS DISTINCT FROM OLD.claim_id
        OR NEW.subject IS DISTINCT FROM OLD.subject OR NEW.rule IS DISTINCT FROM OLD.rule)
    EXECUTE FUNCTION deadline_obligations_identity_final();
