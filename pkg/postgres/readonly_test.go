package postgres_test

import (
	"context"
	"testing"

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
