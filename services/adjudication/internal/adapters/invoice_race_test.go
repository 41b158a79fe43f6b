package adapters_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres"
)

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
