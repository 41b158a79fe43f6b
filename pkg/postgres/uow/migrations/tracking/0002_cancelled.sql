-- An obligation can be cancelled: owed no more because another took its
-- place (a complex case moves to the 30-day decision) or its subject ended.
ALTER TABLE deadline_obligations ADD COLUMN cancel_reason text NOT NULL DEFAULT '';
ALTER TABLE deadline_obligations DROP CONSTRAINT deadline_obligations_state_check;
ALTER TABLE deadline_obligations ADD CONSTRAINT deadline_obligations_state_check
    CHECK (state IN ('open', 'paused', 'met', 'missed', 'cancelled'));
ALTER TABLE deadline_obligations DROP CONSTRAINT deadline_obligations_check;
ALTER TABLE deadline_obligations ADD CONSTRAINT deadline_obligations_done_check
    CHECK ((state IN ('met', 'missed', 'cancelled')) = (done_at IS NOT NULL));
