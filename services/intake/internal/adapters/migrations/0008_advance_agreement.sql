-- Issue 19: the advance agreement a claimant gives with the claim request,
-- with the payee sealed for payout and bound to the claim (only payout's
-- private key opens it): the role, bank, last four digits, the account's
-- and the name's fingerprints for the claim, the account's keyed hash for
-- the fraud signals, and the sealed envelope. No account number or payee
-- name is stored in clear. NULL when the claimant gave none.
ALTER TABLE incident_reports
    ADD COLUMN advance_agreement jsonb;
