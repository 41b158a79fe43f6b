-- The annual deductible a decision's computed amount applied (issue 19),
-- recomputed under the policy's lock when a handler decides a held claim:
-- what the policy year's later claims count as used
-- (Straight.UsedDeductible). NULL: none computed, or a decision stored
-- before it was kept, for which the claim's assessment's counts.
ALTER TABLE decisions ADD COLUMN deductible_fen bigint;
