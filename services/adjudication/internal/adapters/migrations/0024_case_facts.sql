-- Issue 21: what a use case reads of a case besides the case itself (the
-- policy and its product, the stored assessment, the insured's recent
-- cases, the straight-through switch, the declared catastrophes, the
-- amounts used on the policy) in one round trip (Cases.Facts), and an
-- account's uses under the account's lock in one (Cases.SignalFacts).
--
-- Each read is a simple statement of its own, so that PL/pgSQL keeps one
-- generic plan for it per connection: one statement holding every read
-- behind its flag was planned again at each call (its custom plans, with
-- the flags folded, always looked cheaper than the generic one), which
-- cost more than the round trips it saved.
--
-- p_lock takes the transaction's lock on the policy's usage, the advisory
-- lock postgres.LockKeys takes for ('adjudication.policy-usage', policy),
-- after the other reads, and reads the amounts used under it. The read is
-- a statement of its own in a VOLATILE function, which takes a snapshot
-- for each statement: under READ COMMITTED it sees what the lock's
-- previous holder committed while this one waited. A statement that took
-- the lock and read at once would read at the snapshot taken before the
-- wait, and miss it (TestAttackFactsReadUnderThePolicysLockSeeTheHoldersApproval).
CREATE FUNCTION case_facts(p_policy text, p_claim text, p_case text, p_insured text, p_since timestamptz,
        p_assessment boolean, p_switch boolean, p_used boolean, p_lock boolean, p_catastrophes boolean)
    RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_policy jsonb; v_code text; v_product jsonb; v_assessment jsonb; v_recent bigint; v_switch boolean;
    v_catastrophes jsonb; v_used jsonb;
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
    IF p_lock THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('adjudication.policy-usage:' || p_policy, 0));
    END IF;
    IF p_used OR p_lock THEN
        SELECT jsonb_object_agg(u.benefit, u.fen) INTO v_used FROM (
            SELECT l.benefit, sum(l.approved_fen) AS fen FROM decision_lines l JOIN cases c ON c.id = l.case_id
            WHERE c.policy_number = p_policy AND c.id <> p_case GROUP BY l.benefit) u;
    END IF;
    RETURN jsonb_build_object('policy', v_policy, 'product_code', v_code, 'product', v_product, 'assessment', v_assessment,
        'recent', v_recent, 'switch', v_switch, 'catastrophes', v_catastrophes, 'used', v_used);
END
$$;

-- account_uses takes the transaction's lock on an account's uses (the
-- advisory lock postgres.LockKeys takes for ('adjudication.account', key))
-- and then, in a statement of its own, reads the other cases that agreed
-- or approved an advance to the account and the employee it belongs to:
-- the read sees what the lock's previous holder committed, as p_lock's
-- above (TestTwoAgreementsOnOneAccountAtOnceSeeEachOther).
CREATE FUNCTION account_uses(p_key text, p_case text) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('adjudication.account:' || p_key, 0));
    RETURN jsonb_build_object(
        'uses', (SELECT jsonb_agg(u ORDER BY u.claim_id) FROM (
            SELECT c.claim_id, c.insured_name FROM agreements a JOIN cases c ON c.id = a.case_id WHERE a.account_key = p_key AND c.id <> p_case
            UNION
            SELECT c.claim_id, c.insured_name FROM case_advances v JOIN cases c ON c.id = v.case_id
             WHERE v.account_key = p_key AND v.state = 'approved' AND c.id <> p_case
            ORDER BY 1 LIMIT 20) u),
        'employee', (SELECT employee_id FROM employees WHERE account_key = p_key ORDER BY employee_id LIMIT 1));
END
$$;
