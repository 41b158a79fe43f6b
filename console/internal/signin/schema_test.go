package signin

import (
	"testing"

	"claims.local/pkg/postgres/pgtest"
)

// TestAttackTheConsolesTablesCannotBeAlteredThroughTheRunTimeRole is an
// insider holding the console's database credential who would rather
// change the schema than the rows: truncate or drop the refresh tokens
// (every revoked family with them), create a table of their own, grant the
// tokens to PUBLIC or take the table. The console's run-time role owns
// nothing and may only read and write rows: every attempt is refused and
// the revoked token is still there.
func TestAttackTheConsolesTablesCannotBeAlteredThroughTheRunTimeRole(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	if err := db.Exec(`INSERT INTO refresh_tokens (id, family, subject, issued_at, expires_at, revoked_at)
		VALUES ('hash-1', 'f1', 'handler-1', now(), now() + interval '12 hours', now())`).Error; err != nil {
		t.Fatalf("a revoked token: got %v, want it stored", err)
	}
	pgtest.AttackTheSchema(t, db, "refresh_tokens", "id = 'hash-1' AND revoked_at IS NOT NULL")
}
