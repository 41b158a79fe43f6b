package adapters_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// pauseAfter makes the first statement of db starting with prefix (an Exec)
// tell paused and wait for goOn once it ran, holding what it locked; the
// statements are counted.
type pauseAfter struct {
	mu     sync.Mutex
	runs   int
	paused chan struct{}
	goOn   chan struct{}
}

func pauseAfterExec(t *testing.T, db *gorm.DB, prefix string) *pauseAfter {
	t.Helper()
	p := &pauseAfter{paused: make(chan struct{}), goOn: make(chan struct{})}
	require.NoError(t, db.Callback().Raw().After("gorm:raw").Register("test:pause-after", func(tx *gorm.DB) {
		if !strings.HasPrefix(tx.Statement.SQL.String(), prefix) {
			return
		}
		p.mu.Lock()
		p.runs++
		first := p.runs == 1
		p.mu.Unlock()
		if first {
			close(p.paused)
			<-p.goOn
		}
	}))
	return p
}

// TestAttackTheEmployeeRegistryPickedAsADeadlocksVictimIsReplacedOnce: the
// registry's replacement (PUT /v1/employees, a transaction opened by the
// adapter itself) has deleted the registry's rows, e1 among them, when
// another transaction, holding a new row e9 it inserted, asks for e1; the
// replacement then inserts its own e9 and waits for the other: a circle.
// The other waits first, with a long deadlock_timeout, so that PostgreSQL
// picks the replacement (40P01). The request must not fail for it (it
// answered 500 when the adapter ran gorm's Transaction itself): the
// replacement runs again from its start once the other committed, and the
// registry is the one sent, e1 and the other's e9 replaced.
func TestAttackTheEmployeeRegistryPickedAsADeadlocksVictimIsReplacedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, f.repo.PutEmployees(ctx, map[string]string{"e1": "k1"}, "admin-1", now))
	pause := pauseAfterExec(t, f.db, "DELETE FROM employees")

	var name string
	require.NoError(t, f.db.Raw("SELECT current_database()").Scan(&name).Error)
	// The other transaction runs as the database's superuser: only it may
	// set deadlock_timeout for itself.
	admin := pgtest.Open(t, pgtest.WithDatabase(t, pgtest.AdminDSN(t), name), 3)

	replaced := make(chan error, 1)
	go func() {
		replaced <- f.repo.PutEmployees(ctx, map[string]string{"e2": "k2", "e9": "k9"}, "admin-2", now)
	}()
	<-pause.paused // the replacement holds the deleted rows

	other := admin.Begin()
	require.NoError(t, other.Error)
	defer other.Rollback()
	require.NoError(t, other.Exec("SET LOCAL deadlock_timeout = '60s'").Error)
	require.NoError(t, other.Exec("INSERT INTO employees (employee_id, account_key, loaded_by, loaded_at) VALUES ('e9', 'k-other', 'other', now())").Error)
	var pid int64
	require.NoError(t, other.Raw("SELECT pg_backend_pid()").Scan(&pid).Error)
	otherDone := make(chan error, 1)
	go func() {
		if err := other.Exec("SELECT 1 FROM employees WHERE employee_id = 'e1' FOR UPDATE").Error; err != nil {
			otherDone <- err
			return
		}
		otherDone <- other.Commit().Error
	}()
	apitest.Eventually(t, 30*time.Second, "the other transaction waiting for row e1", func() bool {
		return pgtest.Count(t, admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'", pid) == 1
	})
	close(pause.goOn) // the replacement now inserts e9: a circle

	err := <-replaced
	require.NoError(t, <-otherDone, "the other transaction (not the victim: its deadlock_timeout is longer)")
	if err != nil {
		t.Fatalf("got %v replacing the registry, want it replaced (the deadlock's victim run again)", err)
	}
	pause.mu.Lock()
	runs := pause.runs
	pause.mu.Unlock()
	if runs < 2 || runs > postgres.TxAttempts {
		t.Errorf("got the replacement's delete run %d times, want 2 to %d (the victim's, then the retries')", runs, postgres.TxAttempts)
	}
	var rows []struct{ EmployeeID, AccountKey, LoadedBy string }
	require.NoError(t, f.db.Raw("SELECT employee_id, account_key, loaded_by FROM employees ORDER BY employee_id").Scan(&rows).Error)
	got := make([]string, len(rows))
	for i, r := range rows {
		got[i] = r.EmployeeID + ":" + r.AccountKey + ":" + r.LoadedBy
	}
	if want := "e2:k2:admin-2,e9:k9:admin-2"; strings.Join(got, ",") != want {
		t.Errorf("got the registry %v, want %s (the replacement's, once)", got, want)
	}
}
