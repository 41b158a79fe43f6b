-- migrate: without transaction
-- The monitor reads the stops of the clock started since its last look
-- (0008), as it reads the moves to a later due (0005's partial indexes).
-- Dropped first: a build that failed half-way leaves an invalid index.
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_stop_xid;
CREATE INDEX CONCURRENTLY deadline_due_moves_stop_xid ON deadline_due_moves (xid)
    WHERE paused_at IS NOT NULL AND old_paused_at IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_stop_seq;
CREATE INDEX CONCURRENTLY deadline_due_moves_stop_seq ON deadline_due_moves (seq)
    WHERE paused_at IS NOT NULL AND old_paused_at IS NULL;
