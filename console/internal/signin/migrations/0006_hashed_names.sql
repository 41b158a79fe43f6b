-- Red team, session 13: the counters kept the user name as typed (often a
-- password typed in the wrong field) for their window. They now keep the
-- name's keyed hash (HMAC-SHA-256 under a key of the console's secrets,
-- which the database never sees), so the rows written before by name are
-- dropped: they cannot be hashed here, and at most one window's counts of
-- attempts (15 minutes by default) are forgotten at the upgrade.
DELETE FROM signin_attempts WHERE key LIKE 'user:%' OR key LIKE 'service-client:%';
DELETE FROM signin_user_throttle;
ALTER TABLE signin_user_throttle RENAME COLUMN username TO name_key;
COMMENT ON COLUMN signin_user_throttle.name_key IS 'HMAC-SHA-256 (hex) of the normalised name under the console''s name key; never the name';
COMMENT ON COLUMN signin_attempts.key IS '"user:<name key>|client:<address>", "service-client:<id key>|client:<address>" or "client:<address>"; a name or id only by its keyed hash';
