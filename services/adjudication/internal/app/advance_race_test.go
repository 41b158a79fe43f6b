package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
)

// meetingFacts is a cases' repository whose SignalFacts lets no caller read
// before the other has come to it too (or a few seconds have passed): two
// approvals naming one account read its uses at the same moment. With
// readFirst, each caller reads first and returns only once the other has
// read too (or a few seconds have passed): neither can store its use
// before the other read.
type meetingFacts struct {
	app.Repository
	readFirst bool
	mu        sync.Mutex
	arrived   int
	met       chan struct{}
}

func (m *meetingFacts) SignalFacts(ctx context.Context, accountKey, caseID string) (domain.SignalFacts, error) {
	if m.readFirst {
		f, err := m.Repository.SignalFacts(ctx, accountKey, caseID)
		m.meet()
		return f, err
	}
	m.meet()
	return m.Repository.SignalFacts(ctx, accountKey, caseID)
}

// meet returns once two callers came to it, or after a few seconds.
func (m *meetingFacts) meet() {
	m.mu.Lock()
	if m.arrived++; m.arrived == 2 {
		close(m.met)
	}
	m.mu.Unlock()
	select {
	case <-m.met:
	case <-time.After(5 * time.Second):
	}
}

// TestAttackTwoAdvancesOnOneAccountAtOnceSeeEachOther: two handlers approve
// at the same moment advances on the claims of two unrelated insureds,
// both paid into one account. Each approval must see the other's use of
// the account (the shared_account signal), as two agreements do: the
// account's uses are read in the transaction that stores the advance,
// under the account's lock, not before it.
func TestAttackTwoAdvancesOnOneAccountAtOnceSeeEachOther(t *testing.T) {
	t.Parallel()
	meeting := &meetingFacts{met: make(chan struct{})}
	f := newFixtureWith(t, func(d *app.Deps) {
		meeting.Repository, d.Cases = d.Cases, meeting
		d.SignalKey = []byte("test-signal-key")
	})
	ctx := context.Background()
	f.clock.Set(received.Add(time.Minute))
	insureds := map[string]string{"adv-race-a": "张三", "adv-race-b": "李四"}
	for id, name := range insureds {
		d := request(id, received)
		d.InsuredName = name
		f.open(t, d)
	}
	f.clock.Set(at(20, 2, time.November))
	var wg sync.WaitGroup
	errs := map[string]error{}
	var mu sync.Mutex
	for id, name := range insureds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payee := domain.PayeeInput{Name: name, Role: "insured", BankName: "中国工商银行", AccountNumber: "6222020200199887766"}
			_, err := f.app.RecordAdvance(ctx, handler, id, domain.AdvanceInput{AmountFen: 100_000, Reason: "门诊费用已确定", Payee: payee})
			mu.Lock()
			errs[id] = err
			mu.Unlock()
		}()
	}
	wg.Wait()
	shared := 0
	for id := range insureds {
		require.NoError(t, errs[id], id)
		c, err := f.app.Case(ctx, id)
		require.NoError(t, err)
		for _, s := range c.Signals {
			if s.Kind == domain.SignalSharedAccount {
				shared++
			}
		}
	}
	if shared == 0 {
		t.Fatalf("shared_account signals on the two claims: got 0, want at least 1 (each approval read the account's uses before the other stored its advance)")
	}
}
