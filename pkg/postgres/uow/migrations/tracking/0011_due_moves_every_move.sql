-- migrate: without transaction
-- Session 14 (numbered 0011 at the merge after 0007-0010 of the red team): the monitor reads every move of a due recorded since its last
-- look, not only the moves to a later due: a due moved earlier (which makes
-- the insurer look late) and a move undone by another before a sweep saw it
-- are held against the due the inputs give as well. The partial indexes of
-- 0005 covered the moves to a later due only; the read by writer
-- transaction needs an index over every move (the read by sequence number
-- takes the primary key).
--
-- Built and dropped concurrently, outside a transaction: every move of an
-- obligation's due writes this table. Each statement may run again after a
-- crash: a half-built index left INVALID is dropped before it is built again.
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_xid;
CREATE INDEX CONCURRENTLY deadline_due_moves_xid ON deadline_due_moves (xid);
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_later_xid;
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_later_seq;
-- The stops of the clock (0008) are among every move: 0009's partial
-- indexes are covered by the ones above.
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_stop_xid;
DROP INDEX CONCURRENTLY IF EXISTS deadline_due_moves_stop_seq;
