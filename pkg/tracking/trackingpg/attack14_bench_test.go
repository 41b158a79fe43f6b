package trackingpg_test

import "testing"

// BenchmarkSession14sTriggers measures what red team session 14 added to
// the obligations' updates: "move" is one UPDATE moving the due of 1,000
// open obligations (the record's trigger called for each row, its
// search_path pinned by tracking 0007), "alarm" one UPDATE of the same
// rows that moves nothing (the identity trigger's WHEN of tracking 0010
// evaluated for each row, its function never called). Each runs on a
// database as migrated ("s14") and on one where the schema's owner took
// both back ("s13": the search_path reset, the identity trigger dropped),
// in the same run, in the order s14, s13, s13, s14 (a drift of the
// machine's load over the run falls on both alike).
func BenchmarkSession14sTriggers(b *testing.B) {
	benchObligationUpdates(b, "s14", "s13", `ALTER FUNCTION deadline_obligations_due_moved() RESET search_path`,
		`DROP TRIGGER deadline_obligations_identity_final ON deadline_obligations`)
}
