package postgres_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// BenchmarkTheRunTimeRolesStatements times the statements a service makes
// most (an INSERT, a read by key, an UPDATE, one transaction) as the
// schema's owner and as the run-time role on the same table, alternating
// (owner, run-time, owner, run-time): the run-time role's rights are
// checked from the table's ACL where the owner's are implied, which is
// all that changed per statement when services stopped owning their
// tables (red team, session 13). Compare the two as a ratio within a run.
func BenchmarkTheRunTimeRolesStatements(b *testing.B) {
	d := pgtest.NewDatabase(b)
	ctx := context.Background()
	if err := postgres.MigrateAs(ctx, d.OwnerDSN, []postgres.Migration{{ID: "bench/0001_rows.sql",
		SQL: "CREATE TABLE rows (id bigserial PRIMARY KEY, claim_id text NOT NULL, state text NOT NULL)"}}, nil); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	dbs := map[string]*gorm.DB{"owner": pgtest.Open(b, d.OwnerDSN, 1), "run-time": pgtest.Open(b, d.DSN, 1)}
	for _, name := range []string{"owner", "run-time", "owner-again", "run-time-again"} {
		db := dbs[strings.TrimSuffix(name, "-again")]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := db.Transaction(func(tx *gorm.DB) error {
					var id int64
					if err := tx.Raw(`INSERT INTO rows (claim_id, state) VALUES ('c', 'open') RETURNING id`).Row().Scan(&id); err != nil {
						return err
					}
					var state string
					if err := tx.Raw(`SELECT state FROM rows WHERE id = ?`, id).Row().Scan(&state); err != nil {
						return err
					}
					return tx.Exec(`UPDATE rows SET state = 'done' WHERE id = ?`, id).Error
				}); err != nil {
					b.Fatalf("%s: %v", name, err)
				}
			}
		})
	}
}
