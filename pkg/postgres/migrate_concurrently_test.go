package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/postgres"
)

// writeWhileAnIndexIsBuilt applies index (a migration building an index of
// the table busy) while another transaction has written to the table and
// not yet committed, as a payment in flight has, and then tries one more
// write. It returns that write's error (nil when the table took it) and
// the migration's error once the first transaction has committed.
func writeWhileAnIndexIsBuilt(t *testing.T, index postgres.Migration) (writeErr, migrateErr error) {
	t.Helper()
	ctx := context.Background()
	db := openDB(t)
	require.NoError(t, postgres.Migrate(ctx, db, []postgres.Migration{
		{ID: "test/0001_busy.sql", SQL: "CREATE TABLE busy (id bigserial PRIMARY KEY, state text NOT NULL); INSERT INTO busy (state) SELECT 'scheduled' FROM generate_series(1, 1000);"},
	}, nil))
	sqlDB, err := db.DB()
	require.NoError(t, err)

	inFlight, err := sqlDB.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer inFlight.Rollback() //nolint:errcheck
	_, err = inFlight.ExecContext(ctx, "INSERT INTO busy (state) VALUES ('sent')")
	require.NoError(t, err)

	migrated := make(chan error, 1)
	go func() {
		migrated <- postgres.Migrate(ctx, db, []postgres.Migration{
			{ID: "test/0001_busy.sql"}, index,
		}, nil)
	}()
	// The migration is under way once its statement waits for a lock: a
	// plain CREATE INDEX for the table's SHARE lock, a concurrent one for
	// the transaction in flight to end.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		require.NoError(t, sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%INDEX%'`).Scan(&waiting))
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got no migration waiting for a lock after 30 s, want the index's build under way")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The next write waits at most 3 s for its lock: a write that waits
	// behind the index's build is refused with lock_not_available.
	write, err := sqlDB.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = write.ExecContext(ctx, "SET LOCAL lock_timeout = '3s'")
	require.NoError(t, err)
	_, writeErr = write.ExecContext(ctx, "INSERT INTO busy (state) VALUES ('scheduled')")
	if writeErr == nil {
		writeErr = write.Commit()
	} else {
		_ = write.Rollback()
	}
	require.NoError(t, inFlight.Commit())
	select {
	case migrateErr = <-migrated:
	case <-time.After(60 * time.Second):
		t.Fatalf("got the migration still running 60 s after the transaction in flight committed, want it done")
	}
	return writeErr, migrateErr
}

func isLockNotAvailable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

// TestAttackAPlainIndexBuildHoldsOffTheTablesWrites is the hazard the
// migrations run without a transaction close: a plain CREATE INDEX queues
// for the table's SHARE lock behind a transaction in flight, and every
// write after it queues behind the build (on a busy table, payments
// refused for as long as the index takes).
func TestAttackAPlainIndexBuildHoldsOffTheTablesWrites(t *testing.T) {
	t.Parallel()
	writeErr, migrateErr := writeWhileAnIndexIsBuilt(t, postgres.Migration{
		ID: "test/0002_index.sql", SQL: "CREATE INDEX busy_state ON busy (state, id);",
	})
	require.NoError(t, migrateErr)
	if !isLockNotAvailable(writeErr) {
		t.Fatalf("got %v for a write while a plain CREATE INDEX waited, want lock_not_available (55P03): the write held off", writeErr)
	}
}

// TestAMigrationWithoutTransactionBuildsAnIndexWhileTheTableIsWritten: a
// migration starting with postgres.WithoutTransactionHeader builds its
// index CONCURRENTLY while the table takes writes, and is recorded once
// its last statement has run.
func TestAMigrationWithoutTransactionBuildsAnIndexWhileTheTableIsWritten(t *testing.T) {
	t.Parallel()
	writeErr, migrateErr := writeWhileAnIndexIsBuilt(t, postgres.Migration{
		ID: "test/0002_index.sql", SQL: postgres.WithoutTransactionHeader + `
-- built beside the table's writes
DROP INDEX CONCURRENTLY IF EXISTS busy_state_new;
CREATE INDEX CONCURRENTLY busy_state_new
    ON busy (state, id);
DROP INDEX CONCURRENTLY IF EXISTS busy_state;
ALTER INDEX busy_state_new RENAME TO busy_state;
`,
	})
	require.NoError(t, writeErr, "a write while the index was built concurrently")
	require.NoError(t, migrateErr)
}

// TestAMigrationWithoutTransactionRunsAgainAfterAFailure: a statement that
// fails leaves the migration unrecorded, the statements before it done;
// the next start runs it again from its first statement, so each must be
// safe to run twice.
func TestAMigrationWithoutTransactionRunsAgainAfterAFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	first := postgres.Migration{ID: "test/0001_t.sql", SQL: "CREATE TABLE t (x int); CREATE TABLE log (n int);"}
	index := postgres.Migration{ID: "test/0002_index.sql", SQL: postgres.WithoutTransactionHeader + `
INSERT INTO log VALUES (1);
CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);
SELECT 1 / (SELECT count(*) FROM t)::int;
`}
	err := postgres.Migrate(ctx, db, []postgres.Migration{first, index}, nil)
	if err == nil || !strings.Contains(err.Error(), "statement 3") {
		t.Fatalf("got %v, want the third statement's division by zero", err)
	}
	require.Equal(t, []string{"test/0001_t.sql"}, appliedIDs(t, db), "recorded after the failure")
	require.True(t, tableExists(t, db, "t_x"), "the index built before the failure")

	require.NoError(t, db.Exec("INSERT INTO t VALUES (1)").Error)
	require.NoError(t, postgres.Migrate(ctx, db, []postgres.Migration{first, index}, nil))
	require.Equal(t, []string{"test/0001_t.sql", "test/0002_index.sql"}, appliedIDs(t, db), "recorded after the second start")
	var runs int
	require.NoError(t, db.Raw("SELECT count(*) FROM log").Scan(&runs).Error)
	require.Equal(t, 2, runs, "first statement's runs: once a start")
	require.NoError(t, postgres.Migrate(ctx, db, []postgres.Migration{first, index}, nil))
	require.NoError(t, db.Raw("SELECT count(*) FROM log").Scan(&runs).Error)
	require.Equal(t, 2, runs, "first statement's runs after a third start: none, the migration is recorded")
}

// TestAMigrationWithoutTransactionIsRefusedWhenItsStatementsAreUnclear: a
// dollar-quoted body (which could hold a semicolon at a line's end) and a
// last statement without its semicolon are refused before anything runs.
func TestAMigrationWithoutTransactionIsRefusedWhenItsStatementsAreUnclear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct{ name, sql, want string }{
		{"dollar quoted", "CREATE TABLE u (x int);\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;", "dollar-quoted"},
		{"no semicolon", "CREATE TABLE u (x int);\nCREATE INDEX CONCURRENTLY u_x ON u (x)", "semicolon"},
	} {
		db := openDB(t)
		err := postgres.Migrate(ctx, db, []postgres.Migration{{ID: "test/0001_u.sql", SQL: postgres.WithoutTransactionHeader + "\n" + c.sql}}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming the %s", c.name, err, c.want)
		}
		if tableExists(t, db, "u") {
			t.Errorf("%s: got table u created, want nothing run", c.name)
		}
	}
}
