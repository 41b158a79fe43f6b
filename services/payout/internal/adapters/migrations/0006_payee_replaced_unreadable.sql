-- A payee supplied by a handler for a held payment whose sealed payee can
-- no longer be opened (its ciphertext damaged, or its key gone), confirmed
-- by a second senior before it is paid: the payee audit trail records it
-- as its own action, with no payee before (none opens).
ALTER TABLE payee_changes DROP CONSTRAINT payee_changes_action_check;
ALTER TABLE payee_changes ADD CONSTRAINT payee_changes_action_check
    CHECK (action IN ('set', 'corrected', 'confirmed', 'rejected', 'replaced_unreadable'));
