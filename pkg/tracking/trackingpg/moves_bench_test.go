package trackingpg_test

import (
	"testing"

	"gorm.io/gorm"

	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
)

// BenchmarkTheRecordOfDueMoves measures what the trigger of tracking
// migration 0005 (every move of an owed obligation's due recorded) costs:
// "move" is one UPDATE moving the due of 1,000 open obligations (each row
// writes a record), "alarm" one UPDATE of the same rows that moves no due
// (the monitor's alarms: the trigger's WHEN is false), each on a database
// with the trigger ("recorded") and one without it ("bare"), in the same
// run and in alternating order.
func BenchmarkTheRecordOfDueMoves(b *testing.B) {
	benchObligationUpdates(b, "recorded", "bare", `DROP TRIGGER deadline_obligations_due_moves ON deadline_obligations`)
}

// thousandOpen returns a migrated database (and its owner's connection)
// holding 1,000 open decision deadlines.
func thousandOpen(b *testing.B) (db, owner *gorm.DB) {
	b.Helper()
	db, owner = pgtest.NewMigratedWithOwner(b, 2, func() ([]postgres.Migration, error) { return uow.Shared() })
	if err := db.Exec(`INSERT INTO deadline_obligations (id, claim_id, subject, rule, clock_start, due_date, due_at, at_risk_from,
		basis, explanation, provisional, calendar_version, calendar_seq, state, created_at, updated_at)
		SELECT 'o' || i, 'c' || i, 'claim/c' || i, 'decision', now(), current_date + 7, now() + interval '7 days', now() + interval '5 days',
			'Reg. art. 23', 'bench', false, 'v1', 0, 'open', now(), now()
		FROM generate_series(1, 1000) AS i`).Error; err != nil {
		b.Fatalf("seed obligations: %v", err)
	}
	return db, owner
}

// benchObligationUpdates runs the two UPDATEs of 1,000 open obligations
// ("move" and "alarm") on a database as migrated (named with) and on one
// where the schema's owner ran the statements of undo first (named without), in the order
// with, without, without, with: a drift of the machine's load over the run
// falls on both alike.
func benchObligationUpdates(b *testing.B, with, without string, undo ...string) {
	b.Helper()
	dbs := map[string]*gorm.DB{}
	for _, name := range []string{with, without} {
		db, owner := thousandOpen(b)
		if name == without {
			for _, stmt := range undo {
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
		for _, name := range []string{with, without, without, with} {
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
