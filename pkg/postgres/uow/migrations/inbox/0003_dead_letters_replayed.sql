-- An operator replays a dead letter once its cause is fixed (claimsctl
-- dead-letters replay): who did it and when stay on the letter.
ALTER TABLE dead_letters ADD COLUMN replayed_at timestamptz;
ALTER TABLE dead_letters ADD COLUMN replayed_by text NOT NULL DEFAULT '';
