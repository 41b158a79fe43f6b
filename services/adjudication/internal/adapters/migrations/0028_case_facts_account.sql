-- Issue 21, twelfth round: case_facts reads an account's uses too
-- (p_account, a keyed account hash; '' reads none), so that recording an
-- agreement reads the policy, the assessment and the account in one round
-- trip instead of two (case_facts, then account_uses).
--
-- The account is read by account_uses itself, called after the other reads
-- and before the policy's lock (the lock order of every use case: the
-- case, the invoices, the account, the policy's usage): it takes the
-- account's lock and reads the uses in a statement of its own after it, so
-- the read sees what the lock's previous holder committed while this one
-- waited. A read in the statement that took the lock would not
-- (TestTwoAgreementsOnOneAccountAtOnceSeeEachOther/Facts, run against such
-- a read first: "got neither agreement seeing the other's use of the
-- account").
DROP FUNCTION case_facts(text, text, text, text, timestamptz, boolean, boolean, boolean, boolean, boolean);

CREATE FUNCTION case_facts(p_policy text, p_claim text, p_case text, p_insured text, p_since timestamptz,
        p_assessment boolean, p_switch boolean, p_used boolean, p_lock boolean, p_catastrophes boolean, p_account text)
    RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_policy jsonb; v_code text; v_product jsonb; v_assessment jsonb; v_recent bigint; v_switch boolean;
    v_catastrophes jsonb; v_used jsonb; v_account jsonb;
BEGIN
    SELECT p.data, p.product_code, r.data INTO v_policy, v_code, v_product
        FROM policies p JOIN products r ON r.code = p.product_code WHERE p.number = p_policy;
    IF p_assessment THEN
        SELECT to_jsonb(a) INTO v_assessment FROM auto_assessments a WHERE a.claim_id = p_claim;
    END IF;
    IF p_since IS NOT NULL THEN
        SELECT count(*) INTO v_recent FROM cases WHERE insured_name = p_insured AND id <> p_case AND first_received_at >= p_since;
    END IF;
    IF p_switch THEN
        SELECT s.enabled INTO v_switch FROM auto_switch s ORDER BY s.id DESC LIMIT 1;
    END IF;
    IF p_catastrophes THEN
        SELECT coalesce(jsonb_agg(k.state ORDER BY k.declared_at DESC, k.code), '[]') INTO v_catastrophes
            FROM (SELECT state, declared_at, code FROM catastrophes ORDER BY declared_at DESC, code LIMIT 1000) k;
    END IF;
    IF p_account <> '' THEN
        v_account := account_uses(p_account, p_case);
    END IF;
    IF p_lock THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('adjudication.policy-usage:' || p_policy, 0));
    END IF;
    IF p_used OR p_lock THEN
        SELECT jsonb_object_agg(u.benefit, u.fen) INTO v_used FROM (
            SELECT l.benefit, sum(l.approved_fen) AS fen FROM decision_lines l JOIN cases c ON c.id = l.case_id
            WHERE c.policy_number = p_policy AND c.id <> p_case GROUP BY l.benefit) u;
    END IF;
    RETURN jsonb_build_object('policy', v_policy, 'product_code', v_code, 'product', v_product, 'assessment', v_assessment,
        'recent', v_recent, 'switch', v_switch, 'catastrophes', v_catastrophes, 'used', v_used, 'account', v_account);
END
$$;

