package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// openDB opens a new database as its owner: these tests migrate and make
// tables of their own, as only the owner may.
func openDB(t *testing.T) *gorm.DB {
	t.Helper()
	return pgtest.Open(t, pgtest.NewDatabase(t).OwnerDSN, 5)
}

func appliedIDs(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var ids []string
	require.NoError(t, db.Raw("SELECT id FROM schema_migrations ORDER BY id").Scan(&ids).Error)
	return ids
}

func tableExists(t *testing.T, db *gorm.DB, name string) bool {
	t.Helper()
	var reg *string
	require.NoError(t, db.Raw("SELECT to_regclass(?)::text", name).Scan(&reg).Error)
	return reg != nil
}

var twoMigrations = []postgres.Migration{
	{ID: "test/0001_a.sql", SQL: "CREATE TABLE a (x int NOT NULL); INSERT INTO a VALUES (1);"},
	{ID: "test/0002_b.sql", SQL: "CREATE TABLE b (y text); INSERT INTO a VALUES (2);"},
}

func TestMigrateAppliesEachMigrationOnce(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()

	require.NoError(t, postgres.Migrate(ctx, db, twoMigrations, nil))
	require.Equal(t, []string{"test/0001_a.sql", "test/0002_b.sql"}, appliedIDs(t, db), "schema_migrations after the first run")

	// A second run applies nothing: the inserts would double the rows, the
	// CREATE TABLEs would fail.
	require.NoError(t, postgres.Migrate(ctx, db, twoMigrations, nil), "second run")
	require.Equal(t, []string{"test/0001_a.sql", "test/0002_b.sql"}, appliedIDs(t, db), "schema_migrations after the second run")
	var xs []int
	require.NoError(t, db.Raw("SELECT x FROM a ORDER BY x").Scan(&xs).Error)
	require.Equal(t, []int{1, 2}, xs, "rows inserted by the migrations")

	// A new migration appended later is the only one applied.
	more := append(append([]postgres.Migration{}, twoMigrations...), postgres.Migration{ID: "test/0003_c.sql", SQL: "INSERT INTO a VALUES (3)"})
	require.NoError(t, postgres.Migrate(ctx, db, more, nil))
	require.NoError(t, db.Raw("SELECT x FROM a ORDER BY x").Scan(&xs).Error)
	require.Equal(t, []int{1, 2, 3}, xs, "rows after adding a third migration")
}

func TestFailingMigrationIsNotRecordedAndLeavesNoTrace(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	broken := []postgres.Migration{
		twoMigrations[0],
		{ID: "test/0002_broken.sql", SQL: "CREATE TABLE half (x int); SELECT * FROM no_such_table;"},
		{ID: "test/0003_after.sql", SQL: "CREATE TABLE after_broken (x int);"},
	}

	err := postgres.Migrate(ctx, db, broken, nil)
	if err == nil {
		t.Fatal("got no error from a failing migration, want one")
	}
	if !strings.Contains(err.Error(), "test/0002_broken.sql") {
		t.Fatalf("got error %q, want it to name the failing migration test/0002_broken.sql", err)
	}
	require.Equal(t, []string{"test/0001_a.sql"}, appliedIDs(t, db), "only the migration before the failure is recorded")
	if tableExists(t, db, "half") {
		t.Fatal("got table half created by the failing migration, want it rolled back")
	}
	if tableExists(t, db, "after_broken") {
		t.Fatal("got the migration after the failing one applied, want Migrate to stop at the failure")
	}

	// Once fixed, the migration and those after it apply.
	broken[1].SQL = "CREATE TABLE half (x int);"
	require.NoError(t, postgres.Migrate(ctx, db, broken, nil))
	require.Equal(t, []string{"test/0001_a.sql", "test/0002_broken.sql", "test/0003_after.sql"}, appliedIDs(t, db))
}

func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = postgres.Migrate(ctx, db, twoMigrations, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Migrate #%d: got %v, want no error", i, err)
		}
	}
	var xs []int
	require.NoError(t, db.Raw("SELECT x FROM a ORDER BY x").Scan(&xs).Error)
	require.Equal(t, []int{1, 2}, xs, "rows inserted by migrations run from four goroutines")
}

func TestMigrationsFromFSReadsSQLFilesInNameOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_second.sql": {Data: []byte("SELECT 2")},
		"m/0001_first.sql":  {Data: []byte("SELECT 1")},
		"m/README.md":       {Data: []byte("not a migration")},
		"m/sub/0000.sql":    {Data: []byte("in a subfolder")},
	}
	got, err := postgres.MigrationsFromFS(fsys, "m", "svc")
	require.NoError(t, err)
	want := []postgres.Migration{{ID: "svc/0001_first.sql", SQL: "SELECT 1"}, {ID: "svc/0002_second.sql", SQL: "SELECT 2"}}
	require.Equal(t, want, got)

	if _, err := postgres.MigrationsFromFS(fsys, "missing", "svc"); err == nil {
		t.Fatal("got no error for a missing folder, want one")
	}
}

func TestOpenFailsOnAnUnreachableServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// Port 1 on loopback refuses connections at once.
	db, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", 1)
	if err == nil {
		_ = postgres.Close(db)
		t.Fatal("got a connection to 127.0.0.1:1, want an error")
	}
}

func TestPingAnswersWhileOpenAndFailsAfterClose(t *testing.T) {
	t.Parallel()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t).DSN, 2)
	require.NoError(t, err)
	require.NoError(t, postgres.Ping(context.Background(), db), "ping an open pool")
	require.NoError(t, postgres.Close(db))
	if err := postgres.Ping(context.Background(), db); err == nil {
		t.Fatal("got no error pinging a closed pool, want one")
	}
}

func TestCollectConcatenatesInOrderAndStopsAtAnError(t *testing.T) {
	set := func(ids ...string) func() ([]postgres.Migration, error) {
		return func() ([]postgres.Migration, error) {
			var out []postgres.Migration
			for _, id := range ids {
				out = append(out, postgres.Migration{ID: id, SQL: "SELECT 1"})
			}
			return out, nil
		}
	}
	got, err := postgres.Collect(set("outbox/1", "outbox/2"), set(), set("svc/1"))
	require.NoError(t, err)
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID)
	}
	require.Equal(t, []string{"outbox/1", "outbox/2", "svc/1"}, ids, "migration ids in source order")

	broken := errors.New("unreadable")
	called := false
	_, err = postgres.Collect(set("a"), func() ([]postgres.Migration, error) { return nil, broken },
		func() ([]postgres.Migration, error) { called = true; return nil, nil })
	if !errors.Is(err, broken) {
		t.Fatalf("got %v, want the failing source's error", err)
	}
	if called {
		t.Fatal("got the source after the failing one read, want Collect to stop")
	}
}
