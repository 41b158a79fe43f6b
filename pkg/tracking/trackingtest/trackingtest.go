// Package trackingtest holds what the tests of a service's deadline
// tracking share: its monitor as the service runs it, and the check that a
// witness proves every honest step.
package trackingtest

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"claims.local/pkg/events"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// Monitor is service's deadline monitor over store, counting with the
// built-in calendar and a risk lead of one working day, at the clock now,
// in batches of 3 (a test's few alarms take several), logging nowhere.
func Monitor(service string, store tracking.MonitorStore, now func() time.Time) *tracking.Monitor {
	return &tracking.Monitor{Service: service, Store: store, Tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1),
		Topics: events.Topics{Prefix: "test."}, Batch: 3, Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// Store is a service's deadline store over db as the service runs it: the
// steps and stops its monitor reads proven by the service's witness w, its
// events stored by a unit of work that wakes no relay.
func Store(db *gorm.DB, w trackingpg.Witness) *trackingpg.Store {
	return trackingpg.NewStore(db, uow.New(db, nil, nil)).WithWitness(w)
}

// ProveAll asks w, in one transaction of db, to prove moves, and fails
// unless it proves every one.
func ProveAll(db *gorm.DB, w trackingpg.Witness, moves []tracking.DueMove) error {
	return db.Transaction(func(tx *gorm.DB) error {
		proofs, err := w.Prove(tx, moves)
		if err != nil {
			return err
		}
		for _, mv := range moves {
			if proofs[mv.Seq] != tracking.Proven {
				return fmt.Errorf("step %d of %s: got %v, want proven", mv.Seq, mv.Obligation.ClaimID, proofs[mv.Seq])
			}
		}
		return nil
	})
}
