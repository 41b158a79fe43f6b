-- A dead letter's payload may be sealed with the service's data key
-- (package sealed), so that a parked event holds no personal data in clear.
ALTER TABLE dead_letters ADD COLUMN sealed boolean NOT NULL DEFAULT false;
