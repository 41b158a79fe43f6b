-- Red team, session 12: the claimant's agreement and the advance agreement
-- intake handed over are written once (the service never changes them):
-- they are what adjudication authorised to be paid, read by the three-way
-- reconciliation and the same-account signal, so rewriting a payee or
-- deleting an agreement through the service's own role hid a payment.
CREATE TRIGGER agreements_kept BEFORE UPDATE OR DELETE ON agreements
    FOR EACH ROW EXECUTE FUNCTION audit_kept();
CREATE TRIGGER agreements_no_truncate BEFORE TRUNCATE ON agreements
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
CREATE TRIGGER advance_agreements_kept BEFORE UPDATE OR DELETE ON advance_agreements
    FOR EACH ROW EXECUTE FUNCTION audit_kept();
CREATE TRIGGER advance_agreements_no_truncate BEFORE TRUNCATE ON advance_agreements
    FOR EACH STATEMENT EXECUTE FUNCTION audit_kept();
