-- migrate: without transaction
-- Red team, session 17: a monitor that starts reads, beside the moves of
-- owed obligations, every move recorded in the last day
-- (trackingpg.StartLookback), so that a step made while no monitor ran is
-- checked. The record only grows in time: a BRIN index on the time of the
-- move finds the day's moves at a few pages' cost, and costs the writes of
-- every move next to nothing. Built concurrently, as 0011's index: every
-- move writes this table. A half-built index left INVALID by a crash is
-- dropped before it is built again.
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_moved_at;
CREATE INDEX CONCURRENTLY deadline_due_moves_moved_at ON deadline_due_moves USING brin (moved_at);
