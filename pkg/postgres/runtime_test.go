package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// TestPrepareMigratesAsTheOwnerAndRunsAsTheRunTimeRole: a service given
// both DSNs has the owner apply the migrations, then reads and writes the
// rows as its run-time role, which may not change the schema nor the
// record of the migrations applied.
func TestPrepareMigratesAsTheOwnerAndRunsAsTheRunTimeRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := pgtest.NewDatabase(t)
	db := pgtest.Open(t, d.DSN, 2)
	require.NoError(t, postgres.Prepare(ctx, db, d.OwnerDSN, twoMigrations, "TEST", nil))
	require.NoError(t, postgres.Prepare(ctx, db, d.OwnerDSN, twoMigrations, "TEST", nil), "a second start")
	require.NoError(t, postgres.Prepare(ctx, db, "", twoMigrations, "TEST", nil), "a start without the owner's DSN, migrated before")
	require.NoError(t, db.Exec(`INSERT INTO a VALUES (3)`).Error, "a row written")
	require.NoError(t, db.Exec(`UPDATE a SET x = 4 WHERE x = 3`).Error, "a row changed")
	require.NoError(t, db.Exec(`DELETE FROM a WHERE x = 4`).Error, "a row deleted")
	for _, stmt := range []string{
		`CREATE TABLE c (z int)`,
		`ALTER TABLE a ADD COLUMN z int`,
		`TRUNCATE a`,
		`DROP TABLE b`,
		`DELETE FROM schema_migrations WHERE id = 'test/0002_b.sql'`,
		`INSERT INTO schema_migrations (id) VALUES ('test/0003_c.sql')`,
	} {
		require.Error(t, db.Exec(stmt).Error, "%s: got it done as the run-time role, want it refused", stmt)
	}
	require.Equal(t, []string{"test/0001_a.sql", "test/0002_b.sql"}, appliedIDs(t, db), "the migrations applied, read by the run-time role")
}

// TestAttackAServiceGivenTheOwnersRoleRefusesToStart: an operator (or an
// old deployment) hands a service the schema owner's DSN as the one it
// runs with, or the superuser's; the service would then hold a role that
// can disable the triggers keeping its audit. It refuses to start, naming
// what the role may do.
func TestAttackAServiceGivenTheOwnersRoleRefusesToStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := pgtest.NewDatabase(t)
	for _, c := range []struct{ name, dsn, want string }{
		{"the owner", d.OwnerDSN, "owns the database"},
		{"the superuser", pgtest.WithDatabase(t, pgtest.AdminDSN(t), strings.TrimPrefix(pgtest.Open(t, d.DSN, 1).Migrator().CurrentDatabase(), "/")), "superuser"},
	} {
		db := pgtest.Open(t, c.dsn, 1)
		err := postgres.Prepare(ctx, db, d.OwnerDSN, twoMigrations, "TEST", nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "TEST_DATABASE_DSN") {
			t.Errorf("%s as the run-time role: got %v, want an error naming TEST_DATABASE_DSN and %q", c.name, err, c.want)
		}
	}
}

// TestPrepareWithoutTheOwnersDSNRefusesAnUnmigratedDatabase: the
// run-time role cannot migrate, so a service started before the
// migrations were applied says which is missing and how to apply it.
func TestPrepareWithoutTheOwnersDSNRefusesAnUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := pgtest.NewDatabase(t)
	require.NoError(t, postgres.MigrateAs(ctx, d.OwnerDSN, twoMigrations[:1], nil))
	err := postgres.Prepare(ctx, pgtest.Open(t, d.DSN, 1), "", twoMigrations, "TEST", nil)
	if err == nil || !strings.Contains(err.Error(), "test/0002_b.sql") || !strings.Contains(err.Error(), "TEST_MIGRATION_DSN") {
		t.Fatalf("got %v, want an error naming test/0002_b.sql and TEST_MIGRATION_DSN", err)
	}
}
