package domain_test

import (
	"errors"
	"testing"
	"time"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
)

var t0 = time.Date(2026, 10, 9, 15, 30, 0, 0, time.UTC)

func agreement() domain.Agreement {
	return domain.Agreement{ClaimID: "c1", CaseID: "k1", PolicyNumber: "P-1", AmountFen: 123456, AdvancedFen: 20000,
		Currency: "CNY", AgreedAt: t0.Add(-time.Hour),
		Payee: domain.Payee{Name: " 李四 ", Role: "beneficiary", BankName: "中国工商银行", AccountNumber: "6222 0202-0011 2233 445"}}
}

func obligation(t *testing.T) domain.Obligation {
	t.Helper()
	o, err := domain.NewFinalObligation("o1", agreement(), t0)
	if err != nil {
		t.Fatalf("NewFinalObligation: got %v, want no error", err)
	}
	return o
}

func TestFinalObligationPaysTheAgreedAmountLessAdvances(t *testing.T) {
	o := obligation(t)
	if o.AmountFen != 103456 || o.AgreedAmountFen != 123456 || o.AdvancedFen != 20000 || o.Type != domain.PayoutFinal ||
		o.State != domain.StateScheduled || o.Currency != "CNY" || !o.NextAttemptAt.Equal(t0) {
		t.Fatalf("got %+v, want 103456 fen scheduled now", o)
	}
	if o.Payee.Name != "李四" || o.Payee.AccountNumber != "6222020200112233445" {
		t.Fatalf("got payee %+v, want the name trimmed and the account normalized", o.Payee)
	}
}

func TestFinalObligationRefusesWhatItCannotPay(t *testing.T) {
	tests := []struct {
		name   string
		change func(*domain.Agreement)
		field  string
	}{
		{"no claim", func(a *domain.Agreement) { a.ClaimID = "" }, "claim_id"},
		{"zero amount", func(a *domain.Agreement) { a.AmountFen = 0 }, "amount_fen"},
		{"negative advance", func(a *domain.Agreement) { a.AdvancedFen = -1 }, "advanced_fen"},
		{"advances above the amount", func(a *domain.Agreement) { a.AdvancedFen = a.AmountFen + 1 }, "advanced_fen"},
		{"other currency", func(a *domain.Agreement) { a.Currency = "USD" }, "currency"},
		{"no agreement time", func(a *domain.Agreement) { a.AgreedAt = time.Time{} }, "agreed_at"},
		{"negative period", func(a *domain.Agreement) { a.PaymentPeriodDays = -1 }, "payment_period_days"},
		{"no payee name", func(a *domain.Agreement) { a.Payee.Name = " " }, "payee.name"},
		{"unknown role", func(a *domain.Agreement) { a.Payee.Role = "friend" }, "payee.role"},
		{"no bank", func(a *domain.Agreement) { a.Payee.BankName = "" }, "payee.bank_name"},
		{"letters in the account", func(a *domain.Agreement) { a.Payee.AccountNumber = "6222x" }, "payee.account_number"},
		{"short account", func(a *domain.Agreement) { a.Payee.AccountNumber = "12345" }, "payee.account_number"},
		{"agent for no one", func(a *domain.Agreement) { a.Payee.Role = "agent" }, "payee.on_behalf_of"},
		{"someone else for a beneficiary", func(a *domain.Agreement) {
			a.Payee.OnBehalfOf = &domain.Person{Name: "王五", Relation: "spouse"}
		}, "payee.on_behalf_of"},
		{"agent for an unnamed person", func(a *domain.Agreement) {
			a.Payee.Role, a.Payee.OnBehalfOf = "agent", &domain.Person{Relation: "spouse"}
		}, "payee.on_behalf_of.name"},
	}
	for _, tt := range tests {
		a := agreement()
		tt.change(&a)
		_, err := domain.NewFinalObligation("o1", a, t0)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || e.Field != tt.field {
			t.Errorf("%s: got %v, want invalid field %s", tt.name, err, tt.field)
		}
	}
	a := agreement()
	a.AdvancedFen = a.AmountFen
	if _, err := domain.NewFinalObligation("o1", a, t0); !errors.Is(err, domain.ErrNothingToPay) {
		t.Errorf("advances equal to the amount: got %v, want ErrNothingToPay", err)
	}
}

func TestObligationMovesOnlyAlongItsStates(t *testing.T) {
	settled := t0.Add(3 * time.Second)
	type step struct {
		name string
		do   func(*domain.Obligation) error
		want domain.State
		ok   bool
	}
	submit := step{"submit", func(o *domain.Obligation) error { return o.Submit(t0) }, domain.StateSent, true}
	complete := step{"complete", func(o *domain.Obligation) error { return o.Complete("REF-1", settled) }, domain.StateCompleted, true}
	fail := step{"fail", func(o *domain.Obligation) error { return o.Fail("invalid_account") }, domain.StateFailed, true}
	retry := step{"retry", func(o *domain.Obligation) error { return o.RetryLater("timeout", t0) }, domain.StateScheduled, true}
	correct := step{"correct", func(o *domain.Obligation) error {
		return o.CorrectPayee(domain.Payee{Name: "李四", Role: "beneficiary", BankName: "中国银行", AccountNumber: "6216600000000001"}, "h1", domain.DefaultPayeeConfirmationThresholdFen, t0)
	}, domain.StateScheduled, true}
	reverse := step{"reverse", func(o *domain.Obligation) error { return o.Reverse("退汇", settled.Add(time.Hour)) }, domain.StateReversed, true}
	held := step{"held as not executed", func(o *domain.Obligation) error { return o.NotExecuted("no execution at the bank") }, domain.StateFailed, true}
	refused := func(s step, in domain.State) step { s.want, s.ok = in, false; return s }
	tests := []struct {
		name  string
		steps []step
	}{
		{"paid", []step{submit, complete}},
		{"transient then paid", []step{submit, retry, submit, complete}},
		{"refused, corrected, paid", []step{submit, fail, correct, submit, complete}},
		{"paid then returned", []step{submit, complete, reverse}},
		{"never completed twice", []step{submit, complete, refused(complete, domain.StateCompleted)}},
		{"not completed before sent", []step{refused(complete, domain.StateScheduled)}},
		{"not submitted twice", []step{submit, refused(submit, domain.StateSent)}},
		{"payee corrected only when failed", []step{refused(correct, domain.StateScheduled), submit, refused(correct, domain.StateSent)}},
		{"only a completed one reversed", []step{submit, fail, refused(reverse, domain.StateFailed)}},
		{"failed is not retried", []step{submit, fail, refused(retry, domain.StateFailed)}},
		{"paid by no bank, held, corrected, paid", []step{submit, complete, held, correct, submit, complete}},
		{"only a completed one held", []step{refused(held, domain.StateScheduled), submit, refused(held, domain.StateSent), complete, reverse,
			refused(held, domain.StateReversed)}},
	}
	for _, tt := range tests {
		o := obligation(t)
		for i, s := range tt.steps {
			err := s.do(&o)
			if (err == nil) != s.ok || o.State != s.want {
				t.Fatalf("%s, step %d (%s): got %v and state %s, want ok=%v and %s", tt.name, i, s.name, err, o.State, s.ok, s.want)
			}
			if !s.ok && apperr.CodeOf(err) != apperr.Conflict {
				t.Fatalf("%s, step %d (%s): got %v, want a conflict", tt.name, i, s.name, err)
			}
		}
	}
}

func TestAttemptsBackoffAndChecks(t *testing.T) {
	o := obligation(t)
	if err := o.Submit(t0); err != nil || o.Attempts != 1 || !o.NextAttemptAt.Equal(t0.Add(domain.UnansweredCheck)) {
		t.Fatalf("got %v, %d attempts, next %v; want attempt 1 checked after %v", err, o.Attempts, o.NextAttemptAt, domain.UnansweredCheck)
	}
	tests := []struct {
		waited, want time.Duration
	}{
		{0, domain.FirstCheck}, {100 * time.Millisecond, domain.FirstCheck}, {10 * time.Second, 5 * time.Second},
		{time.Hour, domain.MaxCheck},
	}
	for _, tt := range tests {
		o.Pending(t0.Add(tt.waited))
		if got := o.NextAttemptAt.Sub(t0.Add(tt.waited)); got != tt.want {
			t.Errorf("pending after %v: got next check in %v, want %v", tt.waited, got, tt.want)
		}
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if err := o.RetryLater("timeout", t0); err != nil {
			t.Fatal(err)
		}
		if got := o.NextAttemptAt.Sub(t0); got != want {
			t.Errorf("retry %d: got backoff %v, want %v", i+1, got, want)
		}
		if err := o.Submit(t0); err != nil {
			t.Fatal(err)
		}
	}
	for range 30 {
		_ = o.RetryLater("timeout", t0)
		_ = o.Submit(t0)
	}
	_ = o.RetryLater("timeout", t0)
	if got := o.NextAttemptAt.Sub(t0); got != domain.MaxBackoff {
		t.Fatalf("got backoff %v after many attempts, want the cap %v", got, domain.MaxBackoff)
	}
}

func TestReversalAndReplacement(t *testing.T) {
	o := obligation(t)
	_ = o.Submit(t0)
	_ = o.Complete("REF-1", t0.Add(time.Second))
	if err := o.Reverse("退汇", t0); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("return before completion: got %v, want invalid", err)
	}
	if err := o.Reverse(" ", t0.Add(time.Hour)); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("return without reason: got %v, want invalid", err)
	}
	if _, err := o.Replacement("o2", t0); err == nil {
		t.Fatalf("replacement of a completed obligation: got no error, want one")
	}
	if err := o.Reverse("退汇：账户已销户", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r, err := o.Replacement("o2", t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "o2" || r.Replaces != "o1" || r.State != domain.StateFailed || r.AmountFen != o.AmountFen || r.Attempts != 0 ||
		r.Payee != o.Payee || r.BankReference != "" || r.CompletedAt != nil || r.LastError == "" {
		t.Fatalf("got replacement %+v, want a failed copy of o1's payment waiting for payee details", r)
	}
	if o.ValueDate(time.FixedZone("CST", 8*3600)) != "2026-10-09" {
		t.Fatalf("got value date %q of the reversed payment, want it kept", o.ValueDate(time.FixedZone("CST", 8*3600)))
	}
}

func TestValueDateIsTheShanghaiDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		settled time.Time
		want    string
	}{
		{time.Date(2026, 10, 9, 15, 59, 59, 0, time.UTC), "2026-10-09"},
		{time.Date(2026, 10, 9, 16, 0, 0, 0, time.UTC), "2026-10-10"},
	}
	for _, tt := range tests {
		o := obligation(t)
		if got := o.ValueDate(shanghai); got != "" {
			t.Fatalf("got value date %q before payment, want none", got)
		}
		_ = o.Submit(t0)
		_ = o.Complete("REF", tt.settled)
		if got := o.ValueDate(shanghai); got != tt.want {
			t.Errorf("settled %v: got value date %s, want %s", tt.settled, got, tt.want)
		}
	}
}
