-- The account-holder verification simulator's register (issue 19), in a
-- schema of its own: it stands for the bank's books of who holds which
-- account, written by tests and the benchmarks as a bank opens accounts,
-- never by a service. Each service that asks (intake, payout) keeps one in
-- its own database. Development and tests only: in production the service
-- asks the bank (INTAKE_HOLDER_CHECK, PAYOUT_HOLDER_CHECK=https://…), and
-- this schema is not made.
CREATE SCHEMA IF NOT EXISTS holdersim;
CREATE TABLE holdersim.accounts (
    account_number text PRIMARY KEY CHECK (account_number ~ '^[0-9]{12,19}$'),
    holder_name    text NOT NULL CHECK (holder_name <> ''),
    -- The holder's resident ID number, '' when the bank was not given one.
    id_number      text NOT NULL DEFAULT ''
);
