package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/postgres"
)

// claimState reads the state of claim id through db under ctx, as a use
// case reads before its unit of work: in a Snapshot, and in ReadOnly.
func claimState(t *testing.T, ctx context.Context, db *gorm.DB, id string) (snapshot, readOnly string) {
	t.Helper()
	require.NoError(t, postgres.Snapshot(ctx, db, func(ctx context.Context) error {
		return db.WithContext(ctx).Raw("SELECT coalesce((SELECT state FROM claims WHERE id = ?), 'none')", id).Scan(&snapshot).Error
	}))
	require.NoError(t, postgres.ReadOnly(ctx, db, func(tx *gorm.DB) error {
		return tx.Raw("SELECT coalesce((SELECT state FROM claims WHERE id = ?), 'none')", id).Scan(&readOnly).Error
	}))
	return snapshot, readOnly
}

// TestBatchSecondEventOfAClaimSeesTheFirstsEffect: two events of one claim
// applied in one Batch: the second's reads (a Snapshot, a ReadOnly) see the
// first's uncommitted write, which no other connection sees before the
// batch commits; the batch is one transaction (one backend, one
// transaction id), and its AfterCommit functions run after the commit.
func TestBatchSecondEventOfAClaimSeesTheFirstsEffect(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
	var xids []int64
	var afterSaw []string
	err := postgres.Batch(context.Background(), db, func(ctx context.Context) error {
		txid := func() {
			var x int64
			require.NoError(t, db.WithContext(ctx).Raw("SELECT txid_current()").Scan(&x).Error)
			xids = append(xids, x)
		}
		err, broken := postgres.Step(ctx, func(ctx context.Context) error {
			txid()
			return postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
				return tx.Exec("INSERT INTO claims VALUES ('c1', 'opened')").Error
			})
		})
		require.NoError(t, err)
		require.NoError(t, broken)
		postgres.AfterCommit(ctx, func() { afterSaw = append(afterSaw, stateOutside(t, db, "c1")) })
		err, broken = postgres.Step(ctx, func(ctx context.Context) error {
			txid()
			snap, ro := claimState(t, ctx, db, "c1")
			if snap != "opened" || ro != "opened" {
				t.Errorf("second event: got state %q in a Snapshot and %q in ReadOnly, want \"opened\" in both (the first event's effect)", snap, ro)
			}
			if got := stateOutside(t, db, "c1"); got != "none" {
				t.Errorf("another connection during the batch: got state %q, want none (not committed)", got)
			}
			// A write outside a unit of work joins the batch too.
			return db.WithContext(ctx).Exec("UPDATE claims SET state = 'decided' WHERE id = 'c1'").Error
		})
		require.NoError(t, err)
		return broken
	})
	require.NoError(t, err)
	if len(xids) != 2 || xids[0] != xids[1] {
		t.Fatalf("got transaction ids %v for the two events, want one transaction", xids)
	}
	if len(afterSaw) != 1 || afterSaw[0] != "decided" {
		t.Fatalf("AfterCommit saw %v, want [decided]: it runs once, after the commit", afterSaw)
	}
}

// stateOutside reads claim id's state on a connection of its own.
func stateOutside(t *testing.T, db *gorm.DB, id string) string {
	t.Helper()
	var s string
	require.NoError(t, db.Raw("SELECT coalesce((SELECT state FROM claims WHERE id = ?), 'none')", id).Scan(&s).Error)
	return s
}

// TestBatchStepThatFailsUndoesOnlyItsOwnPart: of three events in a batch
// one fails after writing (in its unit of work and outside one): its
// writes and its AfterCommit function are dropped, the others' commit.
// The first step is its own case (issue 21): it takes no savepoint, so its
// failure rolls the transaction back and the next statement begins another.
func TestBatchStepThatFailsUndoesOnlyItsOwnPart(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		failing   string
		wantRows  []string
		wantAfter []string
	}{
		{"c1", []string{"c2", "c2-x", "c3", "c3-x"}, []string{"c2", "c3"}},
		{"c2", []string{"c1", "c1-x", "c3", "c3-x"}, []string{"c1", "c3"}},
	} {
		t.Run(tt.failing, func(t *testing.T) {
			t.Parallel()
			db := openDB(t)
			require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
			refused := errors.New("refused")
			var after []string
			err := postgres.Batch(context.Background(), db, func(ctx context.Context) error {
				for _, id := range []string{"c1", "c2", "c3"} {
					err, broken := postgres.Step(ctx, func(ctx context.Context) error {
						if err := db.WithContext(ctx).Exec("INSERT INTO claims VALUES (?, 'outside')", id+"-x").Error; err != nil {
							return err
						}
						postgres.AfterCommit(ctx, func() { after = append(after, id) })
						return postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
							if err := tx.Exec("INSERT INTO claims VALUES (?, 'opened')", id).Error; err != nil {
								return err
							}
							if id == tt.failing {
								return refused
							}
							return nil
						})
					})
					if broken != nil {
						return broken
					}
					if (id == tt.failing) != errors.Is(err, refused) {
						t.Errorf("event %s: got %v, want the refusal only for %s", id, err, tt.failing)
					}
				}
				return nil
			})
			require.NoError(t, err)
			var ids []string
			require.NoError(t, db.Raw("SELECT id FROM claims ORDER BY id").Scan(&ids).Error)
			require.Equal(t, tt.wantRows, ids, "rows after the batch")
			require.Equal(t, tt.wantAfter, after, "AfterCommit functions run")
		})
	}
}

// TestBatchStepThatSwallowsAFailedStatementBreaksTheBatch: a step whose
// statement failed (the transaction aborted) while the step itself
// returned no error cannot be released: Step reports the batch broken, and
// the batch commits nothing, not even the steps before it, and runs no
// AfterCommit function.
func TestBatchStepThatSwallowsAFailedStatementBreaksTheBatch(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
	ran := false
	err := postgres.Batch(context.Background(), db, func(ctx context.Context) error {
		_, broken := postgres.Step(ctx, func(ctx context.Context) error {
			postgres.AfterCommit(ctx, func() { ran = true })
			return db.WithContext(ctx).Exec("INSERT INTO claims VALUES ('c1', 'opened')").Error
		})
		require.NoError(t, broken)
		_, broken = postgres.Step(ctx, func(ctx context.Context) error {
			_ = db.WithContext(ctx).Exec("SELECT 1/0").Error // handled as an answer
			return nil
		})
		if !errors.Is(broken, postgres.ErrBatchBroken) {
			t.Errorf("got %v from the step, want ErrBatchBroken", broken)
		}
		return broken
	})
	if !errors.Is(err, postgres.ErrBatchBroken) {
		t.Fatalf("got %v from the batch, want ErrBatchBroken", err)
	}
	if got := stateOutside(t, db, "c1"); got != "none" || ran {
		t.Fatalf("after the broken batch: got c1 %q and AfterCommit run %v, want none and false", got, ran)
	}
}

// TestBatchOfEventsThatMakeNoStatementBeginsNoTransaction: a consumer's
// batch of events of no concern to it (their steps make no statement)
// takes no connection and commits no transaction; its AfterCommit
// functions still run. The first statement begins it.
func TestBatchOfEventsThatMakeNoStatementBeginsNoTransaction(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	ran := false
	var inUse []int
	err = postgres.Batch(context.Background(), db, func(ctx context.Context) error {
		for range 2 {
			err, broken := postgres.Step(ctx, func(ctx context.Context) error {
				postgres.AfterCommit(ctx, func() { ran = true })
				return nil
			})
			require.NoError(t, err)
			require.NoError(t, broken)
			inUse = append(inUse, sqlDB.Stats().InUse)
		}
		var x int64
		require.NoError(t, db.WithContext(ctx).Raw("SELECT 1").Scan(&x).Error)
		inUse = append(inUse, sqlDB.Stats().InUse)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []int{0, 0, 1}, inUse, "connections in use after each step, then after a statement")
	if !ran {
		t.Fatalf("got the AfterCommit function not run, want it run")
	}
}

// claimRow is a model of the claims table, written through gorm's Create,
// Updates and Delete rather than Exec.
type claimRow struct {
	ID    string `gorm:"primaryKey"`
	State string
}

func (claimRow) TableName() string { return "claims" }

// TestBatchModelWritesOutsideAUnitOfWorkJoinTheBatch: a repository's
// Create, Updates and Delete of a model, made outside a unit of work under
// a Batch's context, are statements of the batch's transaction: no other
// connection sees them before the commit, and a failing Step undoes them.
// (They ran on a connection of their own once, committed at once: a
// claim's assessment was stored while its case was not, and stayed when
// the batch rolled back.)
func TestBatchModelWritesOutsideAUnitOfWorkJoinTheBatch(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
	require.NoError(t, db.Create(&claimRow{ID: "kept", State: "opened"}).Error)
	require.NoError(t, db.Create(&claimRow{ID: "gone", State: "opened"}).Error)
	err := postgres.Batch(context.Background(), db, func(ctx context.Context) error {
		err, broken := postgres.Step(ctx, func(ctx context.Context) error {
			if err := db.WithContext(ctx).Create(&claimRow{ID: "c1", State: "assessed"}).Error; err != nil {
				return err
			}
			if err := db.WithContext(ctx).Model(&claimRow{}).Where("id = ?", "kept").Updates(map[string]any{"state": "decided"}).Error; err != nil {
				return err
			}
			if err := db.WithContext(ctx).Where("id = ?", "gone").Delete(&claimRow{}).Error; err != nil {
				return err
			}
			for id, want := range map[string]string{"c1": "none", "kept": "opened", "gone": "opened"} {
				if got := stateOutside(t, db, id); got != want {
					t.Errorf("another connection during the batch: got %s %q, want %q (not committed)", id, got, want)
				}
			}
			return errors.New("the event fails after its writes")
		})
		require.Error(t, err)
		return broken
	})
	require.NoError(t, err)
	for id, want := range map[string]string{"c1": "none", "kept": "opened", "gone": "opened"} {
		if got := stateOutside(t, db, id); got != want {
			t.Errorf("after the failed step: got %s %q, want %q (undone with its step)", id, got, want)
		}
	}
}

// TestReadingInReadsThroughTheTransaction: reads of db under ReadingIn's
// context, a model's and a raw one, run in the transaction given: they see
// its uncommitted write, which another connection does not.
func TestReadingInReadsThroughTheTransaction(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
	ctx := context.Background()
	require.NoError(t, db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		require.NoError(t, tx.Exec("INSERT INTO claims VALUES ('c1', 'opened')").Error)
		in := postgres.ReadingIn(ctx, tx)
		var raw string
		require.NoError(t, db.WithContext(in).Raw("SELECT coalesce((SELECT state FROM claims WHERE id = ?), 'none')", "c1").Scan(&raw).Error)
		var n int64
		require.NoError(t, db.WithContext(in).Table("claims").Where("id = ?", "c1").Count(&n).Error)
		if raw != "opened" || n != 1 {
			t.Errorf("got state %q and %d rows under ReadingIn, want \"opened\" and 1 (the transaction's own write)", raw, n)
		}
		if got := stateOutside(t, db, "c1"); got != "none" {
			t.Errorf("another connection: got state %q, want none (not committed)", got)
		}
		return nil
	}))
}

// TestBatchFirstStepThatSwallowsAFailedStatementCommitsNothing: the step
// that begins the batch's transaction swallows a failed statement (its
// error handled as an answer) after a write. Alone in its batch, the batch
// must fail and keep nothing (its AfterCommit function not run); followed
// by another step, a step reports the batch broken. Either way the
// consumer applies the events one by one (kafkabus applyBatch).
func TestBatchFirstStepThatSwallowsAFailedStatementCommitsNothing(t *testing.T) {
	t.Parallel()
	for _, steps := range []int{1, 2} {
		db := openDB(t)
		require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
		ran := false
		var brokenAt []int
		err := postgres.Batch(context.Background(), db, func(ctx context.Context) error {
			for i := range steps {
				_, broken := postgres.Step(ctx, func(ctx context.Context) error {
					postgres.AfterCommit(ctx, func() { ran = true })
					if i > 0 {
						return db.WithContext(ctx).Exec("INSERT INTO claims VALUES ('c2', 'opened')").Error
					}
					if err := db.WithContext(ctx).Exec("INSERT INTO claims VALUES ('c1', 'opened')").Error; err != nil {
						return err
					}
					_ = db.WithContext(ctx).Exec("SELECT 1/0").Error // handled as an answer
					return nil
				})
				if broken != nil {
					brokenAt = append(brokenAt, i)
					return broken
				}
			}
			return nil
		})
		if err == nil {
			t.Fatalf("%d steps: got no error from the batch, want its commit refused", steps)
		}
		if steps == 2 && (len(brokenAt) != 1 || !errors.Is(err, postgres.ErrBatchBroken)) {
			t.Errorf("2 steps: got broken at steps %v and %v, want a step to report ErrBatchBroken", brokenAt, err)
		}
		for _, id := range []string{"c1", "c2"} {
			if got := stateOutside(t, db, id); got != "none" {
				t.Errorf("%d steps: got %s %q after the batch, want none", steps, id, got)
			}
		}
		if ran {
			t.Errorf("%d steps: got the AfterCommit function run, want it not run", steps)
		}
	}
}

// TestBatchFirstStepTakesNoSavepoint: rolling the batch's transaction back
// undoes the step that began it as well as a savepoint would, so only the
// steps after it take one (issue 21: a batch of one event costs BEGIN, its
// statements and COMMIT, no SAVEPOINT and RELEASE).
func TestBatchFirstStepTakesNoSavepoint(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
	var savepoints []string
	require.NoError(t, db.Callback().Raw().After("gorm:raw").Register("test:savepoints", func(tx *gorm.DB) {
		if sql := tx.Statement.SQL.String(); strings.HasPrefix(sql, "SAVEPOINT") || strings.HasPrefix(sql, "RELEASE") {
			savepoints = append(savepoints, sql)
		}
	}))
	for _, n := range []int{1, 3} {
		savepoints = nil
		require.NoError(t, postgres.Batch(context.Background(), db, func(ctx context.Context) error {
			for i := range n {
				err, broken := postgres.Step(ctx, func(ctx context.Context) error {
					return db.WithContext(ctx).Exec("INSERT INTO claims VALUES (?, 'opened')", fmt.Sprintf("n%d-%d", n, i)).Error
				})
				require.NoError(t, err)
				if broken != nil {
					return broken
				}
			}
			return nil
		}))
		if want := 2 * (n - 1); len(savepoints) != want {
			t.Errorf("a batch of %d steps: got %d savepoint statements %v, want %d", n, len(savepoints), savepoints, want)
		}
	}
	var count int
	require.NoError(t, db.Raw("SELECT count(*) FROM claims").Scan(&count).Error)
	require.Equal(t, 4, count, "rows committed")
}

// TestAttackAFailedUnitOfWorkThatBeganTheBatchLeavesNothingWhenItsStepGoesOn:
// a unit of work (Transaction) that begins the batch's transaction takes
// no savepoint of its own (issue 21), so its failure must undo it by other
// means: its step handles the failure as an answer and goes on to write,
// and the batch commits. What the failed unit wrote must not be committed
// with the rest, and what the step wrote after it must be.
func TestAttackAFailedUnitOfWorkThatBeganTheBatchLeavesNothingWhenItsStepGoesOn(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
	refused := errors.New("refused after its write")
	require.NoError(t, postgres.Batch(context.Background(), db, func(ctx context.Context) error {
		for _, id := range []string{"a", "b"} {
			err, broken := postgres.Step(ctx, func(ctx context.Context) error {
				err := postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
					if err := tx.Exec("INSERT INTO claims VALUES (?, 'failed-unit')", id+"1").Error; err != nil {
						return err
					}
					return refused
				})
				if !errors.Is(err, refused) {
					return fmt.Errorf("got %v from the failed unit of work, want its own error", err)
				}
				return postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
					return tx.Exec("INSERT INTO claims VALUES (?, 'opened')", id+"2").Error
				})
			})
			require.NoError(t, err)
			if broken != nil {
				return broken
			}
		}
		return nil
	}))
	for id, want := range map[string]string{"a1": "none", "a2": "opened", "b1": "none", "b2": "opened"} {
		if got := stateOutside(t, db, id); got != want {
			t.Errorf("got claim %s %q after the batch, want %q", id, got, want)
		}
	}
}

// TestAUnitOfWorkThatBeginsTheBatchTakesNoSavepoint: the batch's
// transaction holds nothing but the unit of work that began it, so rolling
// it back undoes the unit as a savepoint would (issue 21): a batch of one
// event whose unit of work makes its statements costs BEGIN, them and
// COMMIT; a second unit in the same step takes its savepoint.
func TestAUnitOfWorkThatBeginsTheBatchTakesNoSavepoint(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	require.NoError(t, db.Exec("CREATE TABLE claims (id text PRIMARY KEY, state text NOT NULL)").Error)
	var savepoints []string
	require.NoError(t, db.Callback().Raw().After("gorm:raw").Register("test:savepoints", func(tx *gorm.DB) {
		if sql := tx.Statement.SQL.String(); strings.HasPrefix(sql, "SAVEPOINT") || strings.HasPrefix(sql, "RELEASE") {
			savepoints = append(savepoints, sql)
		}
	}))
	for units, want := range map[int]int{1: 0, 2: 1} {
		savepoints = nil
		require.NoError(t, postgres.Batch(context.Background(), db, func(ctx context.Context) error {
			err, broken := postgres.Step(ctx, func(ctx context.Context) error {
				for i := range units {
					if err := postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
						return tx.Exec("INSERT INTO claims VALUES (?, 'opened')", fmt.Sprintf("u%d-%d", units, i)).Error
					}); err != nil {
						return err
					}
				}
				return nil
			})
			require.NoError(t, err)
			return broken
		}))
		if len(savepoints) != want {
			t.Errorf("%d units of work in a batch's one step: got %d savepoint statements %v, want %d", units, len(savepoints), savepoints, want)
		}
	}
}
