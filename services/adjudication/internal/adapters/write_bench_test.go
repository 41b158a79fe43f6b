package adapters_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/postgres/pgtest"
)

// BenchmarkCaseWriteAgainstSeparateStatements measures what PostgreSQL
// spends on a handler's approval written as one statement (caseWrite: the
// case's update, the decision, its line, the review sample, the audit)
// against the same rows written as the five statements of before, taking
// turns on one connection, each write in a transaction rolled back (so
// every write finds the case at its version). It reports the backend's
// CPU a write (from /proc/<pid>/stat of the connection's backend: the
// benchmark runs on the database's machine) and the client's (this
// process: gorm and pgx), and the ratios.
func BenchmarkCaseWriteAgainstSeparateStatements(b *testing.B) {
	db := pgtest.NewMigrated(b, 1, adapters.Migrations)
	f := &fixture{db: db}
	f.repo = adapters.NewCases(db, nil, nil)
	before, after := decidedCopy(b, f, "claim-bench", 120_000, false)
	after.Decision.ForReview = "sampled"
	var pid int
	require.NoError(b, db.Raw("SELECT pg_backend_pid()").Scan(&pid).Error)
	separate := func(tx *gorm.DB) error { return writeSeparately(tx, before, after) }
	one := func(tx *gorm.DB) error { return adapters.StoreAt(tx, before.Version, before, after) }
	const n = 300
	cpu, client := map[string]float64{}, map[string]float64{}
	b.ResetTimer()
	for range b.N {
		for round := 0; round < 4; round++ {
			for _, v := range []struct {
				name  string
				write func(*gorm.DB) error
			}{{"separate", separate}, {"one", one}} {
				start, self := backendCPU(b, pid), processCPU(b)
				for range n {
					tx := db.Begin()
					require.NoError(b, v.write(tx))
					require.NoError(b, tx.Rollback().Error)
				}
				cpu[v.name] += backendCPU(b, pid) - start
				client[v.name] += processCPU(b) - self
			}
		}
	}
	b.StopTimer()
	writes := float64(4 * n * b.N)
	b.ReportMetric(cpu["one"]*1000/writes, "pg-cpu-ms/write-one")
	b.ReportMetric(cpu["separate"]*1000/writes, "pg-cpu-ms/write-separate")
	b.ReportMetric(cpu["one"]/cpu["separate"], "one/separate")
	b.ReportMetric(client["one"]*1000/writes, "client-cpu-ms/write-one")
	b.ReportMetric(client["separate"]*1000/writes, "client-cpu-ms/write-separate")
	b.ReportMetric(client["one"]/client["separate"], "client-one/separate")
}

// processCPU is the CPU seconds this process (the client: gorm, pgx) has
// used.
func processCPU(b *testing.B) float64 {
	b.Helper()
	var u syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &u))
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}

// backendCPU is the CPU seconds the backend pid has used.
func backendCPU(b *testing.B, pid int) float64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(b, err)
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	user, _ := strconv.ParseFloat(fields[11], 64)
	system, _ := strconv.ParseFloat(fields[12], 64)
	return (user + system) / 100 // clock ticks (USER_HZ 100)
}

// writeSeparately writes what caseWrite writes for a new decision as the
// statements of before issue 21's twelfth round: the update, the decision,
// its lines, the review, the audit.
func writeSeparately(tx *gorm.DB, before, c domain.Case) error {
	d := c.Decision
	res := tx.Exec(`UPDATE cases SET state = ?, version = ?, assignee = ?, supplements = ?, complex_reason = ?, complex_by = ?, complex_at = ?,
		closed_reason = ?, closed_by = ?, closed_at = ?, catastrophe_code = ?, target_working_days = ?, target_due_date = ?, target_due_at = ?,
		target_at_risk_from = ? WHERE id = ? AND version = ?`, string(c.State), c.Version, c.Assignee, []byte("[]"), nil, nil, nil, nil, nil, nil,
		"", nil, nil, nil, nil, before.ID, before.Version)
	if res.Error != nil || res.RowsAffected != 1 {
		return fmt.Errorf("update: %v (%d rows)", res.Error, res.RowsAffected)
	}
	if err := tx.Exec(`INSERT INTO decisions (case_id, outcome, amount_fen, reason, reasons, decided_by, decided_at, needs_approval, approved_by,
		approved_at, ex_gratia, rules_version, computed_fen, deductible_fen, amount_reason, for_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, string(d.Outcome), d.AmountFen, d.Note, "[]", d.DecidedBy, d.DecidedAt, d.NeedsApproval, nil, nil, d.ExGratia, d.RulesVersion,
		d.ComputedFen, d.DeductibleFen, d.AmountReason, d.ForReview).Error; err != nil {
		return err
	}
	for i, l := range d.Lines {
		if err := tx.Exec(`INSERT INTO decision_lines (case_id, line_no, benefit, claimed_fen, approved_fen) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (case_id, line_no) DO UPDATE SET case_id = excluded.case_id`, c.ID, i, l.Benefit, l.ClaimedFen, l.ApprovedFen).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec(`INSERT INTO auto_reviews (claim_id, reason, amount_fen, decided_by, sampled_at, outcome, note, reviewed_by, reviewed_at)
		VALUES (?, ?, ?, ?, ?, '', '', '', NULL) ON CONFLICT DO NOTHING`, c.ClaimID, d.ForReview, d.AmountFen, d.DecidedBy, d.DecidedAt).Error; err != nil {
		return err
	}
	// The audit entries in one statement, as gorm created a slice.
	values := make([]string, len(c.Changes))
	var args []any
	for i, ch := range c.Changes {
		values[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
		args = append(args, c.ID, c.ClaimID, ch.At, ch.Actor, ch.Action, string(ch.From), string(ch.To), ch.Reason, "{}")
	}
	if err := tx.Exec(`INSERT INTO case_audit (case_id, claim_id, at, actor, action, from_state, to_state, reason, details) VALUES `+
		strings.Join(values, ", ")+` RETURNING seq`, args...).Error; err != nil {
		return err
	}
	return nil
}
