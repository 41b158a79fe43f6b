-- How an obligation was met, as the service that met it tags it (issue 19:
-- adjudication's decisions made automatically or by a person), for the
-- compliance report's split by mode. Empty while owed and when untagged.
ALTER TABLE deadline_obligations ADD COLUMN mode text NOT NULL DEFAULT '';
