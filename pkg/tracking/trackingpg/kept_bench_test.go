package trackingpg_test

import (
	"testing"

	"gorm.io/gorm"

	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
)

// BenchmarkTheKeptTriggerOnOwedObligations measures what the trigger of
// tracking migration 0004 (a done obligation is final) costs the monitor's
// statements on owed ones: one UPDATE of 1,000 open obligations beside
// 1,000 met ones, on a database with the trigger and one without it, in the
// same run and in alternating order (kept, bare, kept, bare). Its WHEN
// clause is evaluated for each row updated; the function runs for none.
func BenchmarkTheKeptTriggerOnOwedObligations(b *testing.B) {
	dbs := map[string]*gorm.DB{}
	for _, name := range []string{"kept", "bare"} {
		db, owner := pgtest.NewMigratedWithOwner(b, 2, func() ([]postgres.Migration, error) { return uow.Shared() })
		if err := db.Exec(`INSERT INTO deadline_obligations (id, claim_id, subject, rule, clock_start, due_date, due_at, at_risk_from,
			basis, explanation, provisional, calendar_version, calendar_seq, state, done_at, created_at, updated_at)
			SELECT 'o' || i, 'c' || i, 'claim/c' || i, 'decision', now(), current_date + 7, now() + interval '7 days', now() + interval '5 days',
				'Reg. art. 23', 'bench', false, 'v1', 0, CASE WHEN i % 2 = 0 THEN 'open' ELSE 'met' END,
				CASE WHEN i % 2 = 0 THEN NULL ELSE now() END, now(), now()
			FROM generate_series(1, 2000) AS i`).Error; err != nil {
			b.Fatalf("seed obligations: %v", err)
		}
		if name == "bare" {
			if err := owner.Exec(`DROP TRIGGER deadline_obligations_done_final ON deadline_obligations`).Error; err != nil {
				b.Fatalf("drop the trigger: %v", err)
			}
		}
		dbs[name] = db
	}
	for _, name := range []string{"kept", "bare", "kept-again", "bare-again"} {
		db := dbs[name[:4]]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := db.Exec(`UPDATE deadline_obligations SET updated_at = now() WHERE state = 'open'`).Error; err != nil {
					b.Fatalf("update: %v", err)
				}
			}
		})
	}
}
