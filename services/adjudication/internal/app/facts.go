package app

import (
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/catastrophe"
)

// FactsQuery says which of a case's facts Repository.Facts reads, besides
// the case's policy and its product, which it always reads.
type FactsQuery struct {
	// BurstSince, when set, counts the other cases of the insured received
	// since then (the burst signal).
	BurstSince *time.Time
	// Assessment reads the claim's stored straight-through assessment;
	// Switch the latest change of the straight-through switch.
	Assessment bool
	Switch     bool
	// Used reads the amounts approved per benefit on the policy's other
	// cases. LockUsage first takes the transaction's lock on the policy's
	// usage (the lock UpdateUsingPolicy takes), and reads them under it:
	// what the lock's previous holder approved is counted. It is taken
	// after the reads above, in the lock order of every use case (the
	// case, the invoices, the account, the policy's usage), so a caller
	// that locks invoices or an account does so before.
	Used, LockUsage bool
	// Catastrophes reads the declared catastrophes, the latest declared
	// first (at most 1,000, as CatastropheStore.List).
	Catastrophes bool
	// AccountKey, when set (a keyed account hash), takes the
	// transaction's lock on the account after the reads above and before
	// the policy's usage, and reads the account's uses and employee under
	// it, as Repository.SignalFacts does (Facts.Account).
	AccountKey string
}

// Facts are what a use case reads of a case besides the case itself, read
// in one round trip (issue 21). Policy and Product are nil when the policy
// is not in adjudication's data.
type Facts struct {
	Policy     *domain.Policy
	Product    *domain.Product
	Assessment *StoredAssessment
	// Recent is the count of FactsQuery.BurstSince.
	Recent int
	// Switch is the latest change of the switch, nil when none was made
	// (or it was not asked for).
	Switch *bool
	// UsedFen is what FactsQuery.Used read, per benefit.
	UsedFen map[string]int64
	// Catastrophes is what FactsQuery.Catastrophes read.
	Catastrophes []catastrophe.Catastrophe
	// Account is what FactsQuery.AccountKey read (its AccountKey the key;
	// no uses nor employee when none was asked for).
	Account domain.SignalFacts
}

// burstOf is burst with the recent claims counted (Facts.Recent), nil when
// the signal is off.
func (s *Service) burstOf(c domain.Case, recent int) *domain.Signal {
	if s.signals.BurstClaims < 2 {
		return nil
	}
	return domain.BurstSignal(&c, recent, s.signals)
}

// burstSince is when the recent claims the burst signal counts for c begin,
// nil when the signal is off.
func (s *Service) burstSince(c domain.Case) *time.Time {
	if s.signals.BurstClaims < 2 {
		return nil
	}
	since := c.FirstReceivedAt.Add(-s.signals.BurstWindow)
	return &since
}
