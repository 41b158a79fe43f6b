-- Issue 19: the advance agreement a claimant gives with the claim request,
-- kept with the case. The payee is kept as received: sealed for payout and
-- bound to the claim (adjudication cannot open it), with its role, bank,
-- last four digits, the fingerprints of its account and name for the
-- claim and the account's keyed hash for the fraud signals. No account
-- number or payee name is stored in clear.
CREATE TABLE advance_agreements (
    case_id             text        PRIMARY KEY REFERENCES cases (id),
    channel             text        NOT NULL,
    agreed_at           timestamptz NOT NULL,
    payee_role          text        NOT NULL,
    bank_name           text        NOT NULL,
    account_last4       text        NOT NULL,
    account_fingerprint text        NOT NULL,
    name_fingerprint    text        NOT NULL,
    account_key         text        NOT NULL DEFAULT '',
    sealed              text        NOT NULL
);
