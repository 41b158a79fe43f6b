package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
)

// pgError is PostgreSQL's error of SQLSTATE code, as the driver returns it.
func pgError(code string) error {
	return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "sqlstate " + code}
}

// TestRetryableIsADeadlockOrASerializationFailure: only a transaction that
// lost to a concurrent one is worth running again; the error may come
// wrapped by the layers above the statement.
func TestRetryableIsADeadlockOrASerializationFailure(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"deadlock_detected", pgError("40P01"), true},
		{"serialization_failure", pgError("40001"), true},
		{"deadlock wrapped by a repository", fmt.Errorf("lock the usage of policy P-1: %w", pgError("40P01")), true},
		{"serialization failure inside an apperr", &apperr.Error{Code: apperr.Conflict, Err: pgError("40001")}, true},
		{"transaction_rollback of another kind", pgError("40002"), false},
		{"unique_violation", pgError("23505"), false},
		{"lock_not_available (NOWAIT)", pgError("55P03"), false},
		{"query_canceled (a statement timeout)", pgError("57014"), false},
		{"a plain error naming a deadlock", errors.New("deadlock detected (SQLSTATE 40P01)"), false},
		{"an apperr", apperr.New(apperr.Conflict, "decided already"), false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := postgres.Retryable(tt.err); got != tt.want {
				t.Errorf("Retryable(%v): got %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestTransactionRunsALosersTransactionAgainFromItsStart: each attempt
// writes a row and then fails as the case says; what stands at the end is
// the one attempt that committed, or nothing, and a transaction that lost
// every time answers Busy (503), not an internal error. Within a Batch the
// step is a savepoint and is not run again there.
func TestTransactionRunsALosersTransactionAgainFromItsStart(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	tests := []struct {
		name     string
		failures []error // what attempt n fails with (none after them)
		batch    bool
		attempts int
		rows     int64
		code     apperr.Code // of the error returned; "" for none
	}{
		{"a deadlock's victim once", []error{pgError("40P01")}, false, 2, 1, ""},
		{"a serialization failure twice", []error{pgError("40001"), fmt.Errorf("wrapped: %w", pgError("40001"))}, false, 3, 1, ""},
		{"a deadlock's victim every time", []error{pgError("40P01"), pgError("40P01"), pgError("40P01")}, false, postgres.TxAttempts, 0, apperr.Busy},
		{"a unique violation", []error{pgError("23505")}, false, 1, 0, apperr.Internal},
		{"an answer", []error{apperr.New(apperr.Conflict, "decided already")}, false, 1, 0, apperr.Conflict},
		{"a deadlock's victim in a batch", []error{pgError("40P01")}, true, 1, 0, apperr.Internal},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := fmt.Sprintf("attempts_%d", i)
			require.NoError(t, db.Exec("CREATE TABLE "+table+" (attempt int NOT NULL)").Error)
			attempts := 0
			run := func(ctx context.Context) error {
				return postgres.Transaction(ctx, db, func(tx *gorm.DB) error {
					attempts++
					if err := tx.Exec("INSERT INTO "+table+" VALUES (?)", attempts).Error; err != nil {
						return err
					}
					if attempts <= len(tt.failures) {
						return tt.failures[attempts-1]
					}
					return nil
				})
			}
			var err error
			if tt.batch {
				err = postgres.Batch(context.Background(), db, func(ctx context.Context) error {
					err, broken := postgres.Step(ctx, run)
					require.NoError(t, broken)
					return err
				})
			} else {
				err = run(context.Background())
			}
			if attempts != tt.attempts {
				t.Errorf("got %d attempts, want %d", attempts, tt.attempts)
			}
			if n := pgtest.Count(t, db, "SELECT count(*) FROM "+table); n != tt.rows {
				t.Errorf("got %d rows written, want %d (only a committed attempt's)", n, tt.rows)
			}
			switch {
			case tt.code == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.code != "" && apperr.CodeOf(err) != tt.code:
				t.Errorf("got error %v of code %s, want code %s", err, apperr.CodeOf(err), tt.code)
			}
		})
	}
}
