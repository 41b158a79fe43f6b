package adapters_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracking"
)

// TestTwoAgreementsOnOneAccountAtOnceSeeEachOther attacks the account-reuse
// signal read under the case's lock (RecordAgreement's read): two claims
// whose agreements name the same account, recorded at once, each read the
// account's uses before the other stored its agreement, and so neither saw
// the other. One of them must see the other's use: the reads of an
// account's uses are serialised per account until the reader's transaction
// ends.
func TestTwoAgreementsOnOneAccountAtOnceSeeEachOther(t *testing.T) {
	t.Parallel()
	// The account's uses are read by SignalFacts (an advance's approval)
	// or by Facts with the account's key (an agreement, issue 21's twelfth
	// round: in the round trip that reads the policy).
	for name, read := range map[string]func(f *fixture, ctx context.Context, c domain.Case) (domain.SignalFacts, error){
		"SignalFacts": func(f *fixture, ctx context.Context, c domain.Case) (domain.SignalFacts, error) {
			return f.repo.SignalFacts(ctx, "ak-same", c.ID)
		},
		"Facts": func(f *fixture, ctx context.Context, c domain.Case) (domain.SignalFacts, error) {
			facts, err := f.repo.Facts(ctx, c, app.FactsQuery{Assessment: true, AccountKey: "ak-same"})
			return facts.Account, err
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			twoAgreementsOnOneAccountAtOnce(t, read)
		})
	}
}

func twoAgreementsOnOneAccountAtOnce(t *testing.T, read func(f *fixture, ctx context.Context, c domain.Case) (domain.SignalFacts, error)) {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	claims := []string{"claim-acc-1", "claim-acc-2"}
	for _, id := range claims {
		_, err := f.repo.Open(ctx, inbox.Receipt{}, newCase(id, t0))
		require.NoError(t, err)
	}
	_, full := fullCase("unused")
	var reads sync.WaitGroup
	reads.Add(len(claims))
	bothRead := make(chan struct{})
	go func() { reads.Wait(); close(bothRead) }()
	type outcome struct {
		uses int
		err  error
	}
	done := make(chan outcome, len(claims))
	for _, id := range claims {
		go func() {
			var o outcome
			_, o.err = f.repo.UpdateReading(ctx, id, false, func(ctx context.Context, c domain.Case) error {
				facts, err := read(f, ctx, c)
				o.uses = len(facts.Uses)
				reads.Done()
				// Both read before either stores, unless the second read
				// waits for the first writer (then this one goes on after
				// a while).
				select {
				case <-bothRead:
				case <-time.After(2 * time.Second):
				}
				return err
			}, func(c *domain.Case, _ map[string]int64) (tracking.Effects, error) {
				a := *full.Agreement
				a.AccountKey = "ak-same"
				c.Agreement = &a
				return tracking.Effects{}, nil
			})
			done <- o
		}()
	}
	seen := 0
	for range claims {
		o := <-done
		require.NoError(t, o.err)
		seen += o.uses
	}
	if seen == 0 {
		t.Fatalf("got neither agreement seeing the other's use of the account, want the later one to see the earlier")
	}
}

// TestTwoClaimsOpenedAtOnceWithOneInvoiceSeeEachOther attacks the
// duplicate-invoice check of the straight-through path: two consumer
// batches (postgres.Batch) each open a case with the same invoice and read
// the invoices of other cases before either commits, so that neither saw
// the other and both could be paid on one invoice. One of them must see
// the other's invoice: the reads of an invoice's other uses are serialised
// per invoice until the reader's transaction ends.
func TestTwoClaimsOpenedAtOnceWithOneInvoiceSeeEachOther(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var opened sync.WaitGroup
	opened.Add(2)
	bothOpened := make(chan struct{})
	go func() { opened.Wait(); close(bothOpened) }()
	type outcome struct {
		matches int
		err     error
	}
	done := make(chan outcome, 2)
	for _, id := range []string{"claim-inv-1", "claim-inv-2"} {
		go func() {
			var o outcome
			o.err = postgres.Batch(ctx, f.db, func(ctx context.Context) error {
				c := newCase(id, t0)
				c.Documents = []domain.Document{{DocumentID: "d-" + id, Type: domain.DocMedicalInvoice, SHA256: id, InvoiceNumber: "No 7777", TotalAmountFen: 50_000}}
				if _, err := f.repo.Open(ctx, inbox.Receipt{}, c); err != nil {
					return err
				}
				opened.Done()
				select {
				case <-bothOpened:
				case <-time.After(2 * time.Second):
				}
				matches, err := f.repo.SameInvoices(ctx, c)
				o.matches = len(matches)
				// The reader's batch goes on a while before it commits.
				time.Sleep(200 * time.Millisecond)
				return err
			})
			done <- o
		}()
	}
	seen := 0
	for range 2 {
		o := <-done
		require.NoError(t, o.err)
		seen += o.matches
	}
	if seen == 0 {
		t.Fatalf("got neither claim seeing the other's invoice, want the later reader to see the earlier")
	}
}
