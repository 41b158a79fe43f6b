-- migrate: without transaction
-- The executor's batch (issue 21): the due obligations in the order it takes
-- them, priority ones first (a catastrophe's advances, R8), then those that
-- waited longest, then by id. The index it replaces led with the state, so
-- a read of the scheduled and sent ones, or of the scheduled ones alone
-- (the state an array, not one value), could not take them in this order
-- from it and sorted every due obligation to keep a batch: a surge's whole
-- backlog for each batch of 32. This one is walked in the batch's order and
-- the walk stops after the batch; not yet due entries are passed over in
-- the index. A read of one state passes over the other state's due rows by
-- reading them: the sent ones awaiting their check are the payments in
-- flight, a few batches at most.
--
-- Built and swapped concurrently, outside a transaction: obligations is the
-- table every payment writes, and a plain CREATE INDEX would hold off every
-- payment's write until the index over the whole table was built. Each
-- statement may run again after a crash: a half-built index left INVALID by
-- one is dropped before it is built again, and the old index is dropped only
-- while the new one still has its own name.
DROP INDEX CONCURRENTLY IF EXISTS obligations_due_in_batch_order;
CREATE INDEX CONCURRENTLY obligations_due_in_batch_order ON obligations (priority DESC, next_attempt_at, id) WHERE state IN ('scheduled', 'sent');
DROP INDEX CONCURRENTLY IF EXISTS obligations_due;
ALTER INDEX obligations_due_in_batch_order RENAME TO obligations_due;
