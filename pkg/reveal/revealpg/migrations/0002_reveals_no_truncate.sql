-- Red team, session 12: TRUNCATE skips the row trigger of 0001, and emptied
-- the whole audit of reveals through the service's own role. Refused too.
CREATE TRIGGER personal_data_reveals_no_truncate BEFORE TRUNCATE ON personal_data_reveals
    FOR EACH STATEMENT EXECUTE FUNCTION personal_data_reveals_append_only();
