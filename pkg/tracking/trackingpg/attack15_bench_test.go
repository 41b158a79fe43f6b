package trackingpg_test

import (
	"errors"
	"testing"

	"gorm.io/gorm"
)

// BenchmarkSession15sStepRecord measures what session 15 added to the
// honest steps that end obligations: one UPDATE setting 1,000 open
// obligations met with their evidence, rolled back after each run, on a
// database as migrated ("s15": the trigger records each step, tracking
// 0012) and on one where the schema's owner put back session 14's WHEN
// ("s14": a step that moves no due is not recorded), in the order s15, s14,
// s14, s15. Besides the time it reports the WAL bytes written per step
// (wal-B/step), a count the machine's load does not change.
func BenchmarkSession15sStepRecord(b *testing.B) {
	dbs := map[string]*gorm.DB{}
	for _, name := range []string{"s15", "s14"} {
		db, owner := thousandOpen(b)
		if name == "s14" {
			for _, stmt := range []string{`DROP TRIGGER deadline_obligations_due_moves ON deadline_obligations`,
				`CREATE TRIGGER deadline_obligations_due_moves BEFORE UPDATE ON deadline_obligations
				FOR EACH ROW WHEN (NEW.due_at IS DISTINCT FROM OLD.due_at OR NEW.due_date IS DISTINCT FROM OLD.due_date
					OR NEW.clock_start IS DISTINCT FROM OLD.clock_start OR NEW.pauses IS DISTINCT FROM OLD.pauses
					OR NEW.paused_at IS DISTINCT FROM OLD.paused_at
					OR NEW.override_length IS DISTINCT FROM OLD.override_length OR NEW.override_unit IS DISTINCT FROM OLD.override_unit
					OR NEW.due_cause <> '')
				EXECUTE FUNCTION deadline_obligations_due_moved()`} {
				if err := owner.Exec(stmt).Error; err != nil {
					b.Fatalf("%s: %v", stmt, err)
				}
			}
		}
		dbs[name] = db
	}
	const met = `UPDATE deadline_obligations SET state = 'met', done_at = now(), done_evidence = 'decision:' || claim_id, updated_at = now()
		WHERE state = 'open'`
	for _, name := range []string{"s15", "s14", "s14", "s15"} {
		db := dbs[name]
		b.Run("met/"+name, func(b *testing.B) {
			var wal int64
			for b.Loop() {
				err := db.Transaction(func(tx *gorm.DB) error {
					var before, after int64
					if err := tx.Raw(`SELECT pg_current_wal_insert_lsn() - '0/0'`).Scan(&before).Error; err != nil {
						return err
					}
					res := tx.Exec(met)
					if res.Error != nil {
						return res.Error
					}
					if res.RowsAffected != 1000 {
						b.Fatalf("met: got %d rows, want 1000", res.RowsAffected)
					}
					if err := tx.Raw(`SELECT pg_current_wal_insert_lsn() - '0/0'`).Scan(&after).Error; err != nil {
						return err
					}
					wal += after - before
					return errRollback
				})
				if !errors.Is(err, errRollback) {
					b.Fatalf("met: %v", err)
				}
			}
			b.ReportMetric(float64(wal)/float64(b.N)/1000, "wal-B/step")
		})
	}
}

// errRollback ends a benchmark's transaction without committing it.
var errRollback = errors.New("rolled back")
