package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/postgres"
)

// TestReadOnlySeesOneSnapshotAndWritesNothing: a row committed by another
// connection between two reads of one ReadOnly call is not seen by the
// second read, and a write inside it is refused.
func TestReadOnlySeesOneSnapshotAndWritesNothing(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE parts (n int)").Error)
	require.NoError(t, db.Exec("INSERT INTO parts VALUES (1)").Error)
	var first, second int64
	err := postgres.ReadOnly(context.Background(), db, func(tx *gorm.DB) error {
		if err := tx.Raw("SELECT count(*) FROM parts").Scan(&first).Error; err != nil {
			return err
		}
		if err := db.Exec("INSERT INTO parts VALUES (2)").Error; err != nil {
			return err
		}
		return tx.Raw("SELECT count(*) FROM parts").Scan(&second).Error
	})
	require.NoError(t, err)
	if first != 1 || second != 1 {
		t.Fatalf("got counts %d then %d inside one ReadOnly, want 1 and 1 (one snapshot)", first, second)
	}
	err = postgres.ReadOnly(context.Background(), db, func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO parts VALUES (3)").Error
	})
	if err == nil {
		t.Fatalf("got a write accepted inside ReadOnly, want it refused")
	}
	if got := countParts(t, db); got != 2 {
		t.Fatalf("got %d rows, want 2", got)
	}
}

func countParts(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Raw("SELECT count(*) FROM parts").Scan(&n).Error)
	return n
}

// TestSnapshotReadsShareOneTransaction: the reads made under a Snapshot's
// context, through the db itself and not through a transaction handed to
// them, run in one transaction (one backend, one transaction start, one
// snapshot: a row committed meanwhile is not seen); a transaction of its
// own started under that context writes and commits as usual; and after
// the Snapshot the same db reads outside any snapshot again.
func TestSnapshotReadsShareOneTransaction(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE parts (n int)").Error)
	require.NoError(t, db.Exec("INSERT INTO parts VALUES (1)").Error)
	type probe struct {
		Pid     int64
		Started time.Time
		Parts   int64
	}
	read := func(ctx context.Context) probe {
		var p probe
		require.NoError(t, db.WithContext(ctx).Raw("SELECT pg_backend_pid() AS pid, now() AS started, (SELECT count(*) FROM parts) AS parts").Scan(&p).Error)
		return p
	}
	var first, second probe
	var counted int64
	err := postgres.Snapshot(context.Background(), db, func(ctx context.Context) error {
		first = read(ctx)
		if err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return tx.Exec("INSERT INTO parts VALUES (2)").Error
		}); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
		second = read(ctx)
		return db.WithContext(ctx).Table("parts").Count(&counted).Error
	})
	require.NoError(t, err)
	if first.Pid != second.Pid || !first.Started.Equal(second.Started) {
		t.Fatalf("got reads on backend %d at %v and %d at %v, want one transaction", first.Pid, first.Started, second.Pid, second.Started)
	}
	if second.Parts != 1 || counted != 1 {
		t.Fatalf("got %d and %d rows read after another transaction's insert, want 1 (the snapshot)", second.Parts, counted)
	}
	if got := read(context.Background()).Parts; got != 2 {
		t.Fatalf("got %d rows after the Snapshot, want 2 (the unit of work under its context committed)", got)
	}
}
