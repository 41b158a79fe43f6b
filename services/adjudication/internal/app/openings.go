package app

import (
	"context"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/inflight"
)

// Openings tells when a claim's case opens, in any instance of the
// service (issue 21: a client that filed a claim request need not poll
// adjudication with requests answered 404 until the case opens).
type Openings interface {
	// Watch returns a channel told true when the case of claimID opens
	// after the call, or false when an opening may have been missed (the
	// caller looks again), and stop, called when the caller no longer
	// waits.
	Watch(claimID string) (opened <-chan bool, stop func())
}

// MaxCaseWait bounds how long a request waits for a case to open: a
// waiting request holds a goroutine and its client's connection, but no
// database connection.
const MaxCaseWait = 10 * time.Second

// MaxWaitsPerCaller bounds the waits one caller (a token's subject) holds
// at once: each holds a goroutine, the client's connection and a watch
// for up to MaxCaseWait, and one token sending waits without end held as
// many as the machine's descriptors allowed (red team, session 14). A
// client waits for the claims it has just filed, a few at a time; the
// benchmark's 32 clients share one subject.
const MaxWaitsPerCaller = 64

// DefaultMaxWaits is the waits an instance holds at once over all its
// callers when Deps.MaxWaits is zero: four callers at MaxWaitsPerCaller,
// eight times the benchmark's 32 clients. Someone holding many tokens (or
// a script behind the claimant channel's one) is bounded by it, not by
// the per-caller bound (session 16).
const DefaultMaxWaits = 256

// takeWait counts a wait of caller, or refuses it (apperr.Overloaded)
// when the caller holds MaxWaitsPerCaller already or the instance holds
// Deps.MaxWaits; done ends it.
func (s *Service) takeWait(caller string) (done func(), err error) {
	done, refusal := s.waits.Take(caller)
	switch refusal {
	case inflight.KeyFull:
		return nil, apperr.New(apperr.Overloaded, "%d requests of yours are waiting for cases to open: send this one when one of them is answered, or without wait", MaxWaitsPerCaller)
	case inflight.AllFull:
		return nil, apperr.New(apperr.Overloaded, "this instance holds %d requests waiting for cases to open, its most: send this one again in a moment, or without wait", s.maxWaits)
	}
	return done, nil
}

// CaseWhenOpen returns the case of a claim, waiting up to wait for it to
// open when it is not open yet (apperr.NotFound after that). The caller
// holds at most MaxWaitsPerCaller waits at once, the instance
// Deps.MaxWaits.
func (s *Service) CaseWhenOpen(ctx context.Context, caller, claimID string, wait time.Duration) (domain.Case, error) {
	if err := checkWait(wait); err != nil {
		return domain.Case{}, err
	}
	if wait == 0 || s.openings == nil {
		return s.repo.Get(ctx, claimID)
	}
	done, err := s.takeWait(caller)
	if err != nil {
		return domain.Case{}, err
	}
	defer done()
	var c domain.Case
	err = s.whenOpen(ctx, claimID, wait, func() (bool, error) {
		var err error
		c, err = s.repo.Get(ctx, claimID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return domain.Case{}, err
	}
	if c.ClaimID == "" {
		// Told open, or the wait is over (apperr.NotFound).
		return s.repo.Get(ctx, claimID)
	}
	return c, nil
}

// DecideWhenOpen is Decide after waiting up to wait for the claim's case to
// open: a decision sent right after the claim request takes effect as soon
// as adjudication has opened the case.
func (s *Service) DecideWhenOpen(ctx context.Context, actor domain.Actor, claimID string, in domain.DecisionInput, wait time.Duration) (domain.Case, error) {
	if err := checkWait(wait); err != nil {
		return domain.Case{}, err
	}
	if wait > 0 && s.openings != nil {
		done, err := s.takeWait(actor.Subject)
		if err != nil {
			return domain.Case{}, err
		}
		defer done()
		// One statement to learn whether to wait; the decision's own
		// transaction answers apperr.NotFound after a wait in vain.
		if err := s.whenOpen(ctx, claimID, wait, func() (bool, error) { return s.repo.Exists(ctx, claimID) }); err != nil {
			return domain.Case{}, err
		}
	}
	return s.Decide(ctx, actor, claimID, in)
}

// checkWait refuses a wait beyond MaxCaseWait or below nothing.
func checkWait(wait time.Duration) error {
	if wait < 0 || wait > MaxCaseWait {
		return apperr.InvalidField("wait", "must be between 0s and %s", MaxCaseWait)
	}
	return nil
}

// whenOpen runs look, which reports whether the case of claimID is open,
// until it is, the case is told open, or wait has passed, looking again
// each time an opening may have been missed (Openings). Without Openings, or with no wait, it looks
// once. It returns nil when the wait passed: the caller's own read then
// answers apperr.NotFound.
func (s *Service) whenOpen(ctx context.Context, claimID string, wait time.Duration, look func() (bool, error)) error {
	if wait <= 0 || s.openings == nil {
		_, err := look()
		return err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		// Watched before looking, so that an opening between the look
		// and the wait is not missed.
		opened, stop := s.openings.Watch(claimID)
		open, err := look()
		if err != nil || open {
			stop()
			return err
		}
		select {
		case sure := <-opened:
			stop()
			if sure {
				// The opening committed: no need to look again.
				return nil
			}
		case <-timer.C:
			stop()
			return nil
		case <-ctx.Done():
			stop()
			return ctx.Err()
		}
	}
}
