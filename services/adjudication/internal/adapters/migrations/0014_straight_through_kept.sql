-- Issue 19: what the straight-through path rests on stays as written.
-- A version of a product's rules is never rewritten nor removed (a lower
-- deductible is a new version, named by the decisions made under it); the
-- switch's changes are its audit; a senior's finding on a decision, once
-- given, is final (a pending review goes with a decision returned). TRUNCATE skips row triggers, so it is refused here and
-- on the case notes (0010) by a statement trigger.
CREATE FUNCTION straight_through_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is kept as written: % refused', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER product_rules_kept BEFORE UPDATE OR DELETE ON product_rules
    FOR EACH ROW EXECUTE FUNCTION straight_through_kept();
CREATE TRIGGER auto_switch_kept BEFORE UPDATE OR DELETE ON auto_switch
    FOR EACH ROW EXECUTE FUNCTION straight_through_kept();
CREATE TRIGGER auto_reviews_final BEFORE UPDATE OR DELETE ON auto_reviews
    FOR EACH ROW WHEN (OLD.outcome <> '') EXECUTE FUNCTION straight_through_kept();
CREATE TRIGGER product_rules_no_truncate BEFORE TRUNCATE ON product_rules
    FOR EACH STATEMENT EXECUTE FUNCTION straight_through_kept();
CREATE TRIGGER auto_switch_no_truncate BEFORE TRUNCATE ON auto_switch
    FOR EACH STATEMENT EXECUTE FUNCTION straight_through_kept();
CREATE TRIGGER auto_reviews_no_truncate BEFORE TRUNCATE ON auto_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION straight_through_kept();
CREATE TRIGGER case_notes_no_truncate BEFORE TRUNCATE ON case_notes
    FOR EACH STATEMENT EXECUTE FUNCTION straight_through_kept();
