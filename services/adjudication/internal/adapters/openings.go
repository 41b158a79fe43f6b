package adapters

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"gorm.io/gorm"

	"claims.local/pkg/postgres"
)

// openedChannel is the channel the case_opened_notify trigger (migration
// 0025) notifies, with the claim id, when a case's opening commits.
const openedChannel = "case_opened"

// Openings tells the callers watching a claim when its case opens, in
// this instance or another (app.Openings): it LISTENs on one connection
// of db while Run runs.
type Openings struct {
	db  *gorm.DB
	log *slog.Logger
	mu  sync.Mutex
	// watching holds, per claim id, a channel for each watcher, told
	// true when the case opens, false when the listening connection was
	// (re)opened and an opening may have been missed.
	watching map[string]map[chan bool]struct{}
}

// NewOpenings returns the watch of cases opening over db.
func NewOpenings(db *gorm.DB, log *slog.Logger) *Openings {
	return &Openings{db: db, log: log, watching: map[string]map[chan bool]struct{}{}}
}

// Watch returns a channel told true when the case of claimID opens after
// the call, or false when a notification may have been missed (the caller
// then looks again), and stop, which the caller calls when it no longer
// waits.
func (o *Openings) Watch(claimID string) (opened <-chan bool, stop func()) {
	ch := make(chan bool, 1)
	o.mu.Lock()
	if o.watching[claimID] == nil {
		o.watching[claimID] = map[chan bool]struct{}{}
	}
	o.watching[claimID][ch] = struct{}{}
	o.mu.Unlock()
	return ch, func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if w, ok := o.watching[claimID]; ok {
			if _, ok := w[ch]; ok {
				delete(w, ch)
				if len(w) == 0 {
					delete(o.watching, claimID)
				}
			}
		}
	}
}

// opened wakes the watchers of claimID, or every watcher when all is set.
func (o *Openings) opened(claimID string, all bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, w := range o.watching {
		if !all && id != claimID {
			continue
		}
		for ch := range w {
			ch <- !all
		}
		delete(o.watching, id)
	}
}

// Run listens until ctx ends. A lost connection is opened again after a
// second; every watcher is woken when it is (re)opened, since a
// notification may have been missed meanwhile: each looks again.
func (o *Openings) Run(ctx context.Context) error {
	return postgres.Listener{
		DB: o.db, Channel: openedChannel, Log: o.log, What: "case openings",
		Listening: func() { o.opened("", true) },
		Notified:  func(claimID string) { o.opened(claimID, false) },
	}.Run(ctx)
}

// Exists tells whether the case of a claim is open, in one statement.
func (s *Cases) Exists(ctx context.Context, claimID string) (bool, error) {
	var exists bool
	if err := s.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM cases WHERE claim_id = ?)`, claimID).Row().Scan(&exists); err != nil {
		return false, fmt.Errorf("case of claim %s: %w", claimID, err)
	}
	return exists, nil
}
