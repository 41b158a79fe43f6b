-- Red team, session 12: TRUNCATE skips the row trigger of 0004, and emptied
-- the payee changes' audit (directly, or by TRUNCATE obligations CASCADE)
-- through the service's own role. Refused too.
CREATE TRIGGER payee_changes_no_truncate BEFORE TRUNCATE ON payee_changes
    FOR EACH STATEMENT EXECUTE FUNCTION payee_changes_append_only();
