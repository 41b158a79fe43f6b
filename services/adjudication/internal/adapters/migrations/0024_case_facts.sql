-- Issue 21: what a use case reads of a case besides the case itself (the
-- policy and its product, the stored assessment, the insured's recent
-- cases, the straight-through switch, the amounts used on the policy) in
-- one round trip, planned once per connection (Cases.Facts).
--
-- p_lock takes the transaction's lock on the policy's usage, the advisory
-- lock postgres.LockKeys takes for ('adjudication.policy-usage', policy),
-- after the other reads, and reads the amounts used under it. The read is
-- a statement of its own in a VOLATILE function, which takes a snapshot
-- for each statement: under READ COMMITTED it sees what the lock's
-- previous holder committed while this one waited. A statement that took
-- the lock and read at once would read at the snapshot taken before the
-- wait, and miss it.
CREATE FUNCTION case_facts(p_policy text, p_claim text, p_case text, p_insured text, p_since timestamptz,
        p_assessment boolean, p_switch boolean, p_used boolean, p_lock boolean)
    RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    facts jsonb;
BEGIN
    SELECT jsonb_build_object(
        'policy', p.data, 'product_code', p.product_code, 'product', r.data,
        'assessment', CASE WHEN p_assessment THEN (SELECT to_jsonb(a) FROM auto_assessments a WHERE a.claim_id = p_claim) END,
        'recent', CASE WHEN p_since IS NOT NULL THEN (SELECT count(*) FROM cases
            WHERE insured_name = p_insured AND id <> p_case AND first_received_at >= p_since) END,
        'switch', CASE WHEN p_switch THEN (SELECT to_jsonb(s.enabled) FROM auto_switch s ORDER BY s.id DESC LIMIT 1) END)
    INTO facts
    FROM (SELECT 1) one LEFT JOIN policies p ON p.number = p_policy LEFT JOIN products r ON r.code = p.product_code;
    IF p_lock THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('adjudication.policy-usage:' || p_policy, 0));
    END IF;
    IF p_used OR p_lock THEN
        facts := facts || jsonb_build_object('used', (SELECT jsonb_object_agg(u.benefit, u.fen) FROM (
            SELECT l.benefit, sum(l.approved_fen) AS fen FROM decision_lines l JOIN cases c ON c.id = l.case_id
            WHERE c.policy_number = p_policy AND c.id <> p_case GROUP BY l.benefit) u));
    END IF;
    RETURN facts;
END
$$;
