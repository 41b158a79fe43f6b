package trackingpg_test

import (
	"testing"

	"gorm.io/gorm"

	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
)

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
	dbs := map[string]*gorm.DB{}
	for _, name := range []string{"s14", "s13"} {
		db, owner := pgtest.NewMigratedWithOwner(b, 2, func() ([]postgres.Migration, error) { return uow.Shared() })
		if err := db.Exec(`INSERT INTO deadline_obligations (id, claim_id, subject, rule, clock_start, due_date, due_at, at_risk_from,
			basis, explanation, provisional, calendar_version, calendar_seq, state, created_at, updated_at)
			SELECT 'o' || i, 'c' || i, 'claim/c' || i, 'decision', now(), current_date + 7, now() + interval '7 days', now() + interval '5 days',
				'Reg. art. 23', 'bench', false, 'v1', 0, 'open', now(), now()
			FROM generate_series(1, 1000) AS i`).Error; err != nil {
			b.Fatalf("seed obligations: %v", err)
		}
		if name == "s13" {
			for _, stmt := range []string{`ALTER FUNCTION deadline_obligations_due_moved() RESET search_path`,
				`DROP TRIGGER deadline_obligations_identity_final ON deadline_obligations`} {
				if err := owner.Exec(stmt).Error; err != nil {
					b.Fatalf("%s: %v", stmt, err)
				}
			}
		}
		dbs[name] = db
	}
	for _, stmt := range []struct{ name, sql string }{
		{"move", `UPDATE deadline_obligations SET due_at = due_at + interval '1 second', due_cause = 'bench' WHERE state = 'open'`},
		{"alarm", `UPDATE deadline_obligations SET updated_at = now() WHERE state = 'open'`},
	} {
		for _, name := range []string{"s14", "s13", "s13", "s14"} {
			db := dbs[name]
			b.Run(stmt.name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if err := db.Exec(stmt.sql).Error; err != nil {
						b.Fatalf("update: %v", err)
					}
				}
			})
		}
	}
}
