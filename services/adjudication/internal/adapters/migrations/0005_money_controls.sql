-- Money controls (issue 14).

-- An override counts only when a senior made it; the overrides made before
-- only seniors could override are kept but no longer let an approval
-- through.
ALTER TABLE check_overrides ADD COLUMN by_senior boolean NOT NULL DEFAULT false;

-- A payment beyond the contract (通融赔付) is its own, labelled decision.
ALTER TABLE decisions ADD COLUMN ex_gratia boolean NOT NULL DEFAULT false;

-- The fingerprint of the account paid: lowercase hex SHA-256 of the claim
-- id, ':' and the account number's digits, for payout's three-way
-- reconciliation. The account itself stays masked here. Empty for payments
-- authorised before it was kept.
ALTER TABLE agreements ADD COLUMN account_fingerprint text NOT NULL DEFAULT '';
ALTER TABLE case_advances
    ADD COLUMN account_fingerprint text NOT NULL DEFAULT '',
    ADD COLUMN offered_by          text NOT NULL DEFAULT '';

CREATE INDEX agreements_agreed_at ON agreements (agreed_at);
CREATE INDEX case_advances_approved_at ON case_advances (approved_at) WHERE state = 'approved';
