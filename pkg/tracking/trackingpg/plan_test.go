package trackingpg_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/deadline"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
)

// lockReadBlocks returns the pages the steps' locking read of
// deadline_obligations has touched so far in the database of db, and how
// many times it ran (pgtest.StatementBlocks).
func lockReadBlocks(t *testing.T, admin, db *gorm.DB) (blocks, calls int64) {
	t.Helper()
	return pgtest.StatementBlocks(t, admin, db, `SELECT % FROM %deadline_obligations%FOR UPDATE%`)
}

// TestTheLockingReadStaysAnIndexLookupAfterTheTableGrew is the surge of
// issue 21 against the steps' locking read: a service starts with few
// obligations, locks some on its connections (each connection prepares the
// statement and, after five runs, PostgreSQL keeps one generic plan for
// it, made for the table as it was then: a scan of its few pages), and
// then tens of thousands of claims arrive. Unless the read is planned for
// the table as it is, each step reads every page of the table, and a
// surge's cost per claim grows with the claims before it. Autovacuum,
// whose ANALYZE would replace the plan, is off for the table here, as it
// is in effect while a busy machine has not got to it.
func TestTheLockingReadStaysAnIndexLookupAfterTheTableGrew(t *testing.T) {
	// One connection: the one that prepared the read is the one measured.
	db, owner := pgtest.NewMigratedWithOwner(t, 1, func() ([]postgres.Migration, error) { return uow.Shared() })
	admin := pgtest.Open(t, pgtest.AdminDSN(t), 1)
	require.NoError(t, admin.Exec(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).Error)
	require.NoError(t, owner.Exec(`ALTER TABLE deadline_obligations SET (autovacuum_enabled = false)`).Error)
	f := &fixture{db: db, tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1), now: at(t, "2026-03-02T03:00:00Z")}
	a := f.track(t, deadline.Decision, "2026-03-02T10:00:00+08:00")
	later := f.now.Add(time.Hour)
	for range 10 {
		f.apply(t, tracking.Complete(a.Subject, a.Rule, later))
	}

	// Grown to a few thousand rows and analyzed, the read once joined the
	// keys (taken for a hundred rows) to a scan of the table even when
	// planned for it; grown to tens of thousands, a plan kept from before
	// still scanned it.
	grown := 0
	for _, size := range []int{3_000, 20_000} {
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			return tx.Exec(`INSERT INTO deadline_obligations
				SELECT (jsonb_populate_record(o, jsonb_build_object('id', 'grown-' || i, 'claim_id', 'grown-' || i, 'subject', 'claim/grown-' || i))).*
				FROM deadline_obligations o, generate_series(?::int, ?::int) AS i WHERE o.id = ?`, grown+1, size, a.ID).Error
		}))
		grown = size
		if size == 3_000 {
			// As autovacuum would, some time into the surge.
			require.NoError(t, owner.Exec(`ANALYZE deadline_obligations`).Error)
		}
		var pages int64
		require.NoError(t, db.Raw(`SELECT pg_relation_size('deadline_obligations') / current_setting('block_size')::bigint`).Row().Scan(&pages))

		blocksBefore, callsBefore := lockReadBlocks(t, admin, db)
		f.apply(t, tracking.Complete(a.Subject, a.Rule, later))
		blocksAfter, callsAfter := lockReadBlocks(t, admin, db)
		require.Equal(t, callsBefore+1, callsAfter, "got %d runs of the locking read, want 1", callsAfter-callsBefore)
		// An index lookup of one key touches a handful of pages (the index's
		// levels and the row's page), however large the table.
		if got := blocksAfter - blocksBefore; got > 20 {
			t.Errorf("the locking read of one obligation touched %d pages of a table of %d pages (%d rows); want at most 20 (an index lookup)",
				got, pages, grown+1)
		}
	}
}
