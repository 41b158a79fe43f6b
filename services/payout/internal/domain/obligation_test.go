package domain_test

import (
	"testing"
	"time"

	"claims.local/payout/internal/domain"
)

func TestObligationLifecycle(t *testing.T) {
	now := time.Date(2026, 10, 9, 15, 30, 0, 0, time.UTC)
	if _, err := domain.NewFinalObligation("o1", "c1", 0, now); err == nil {
		t.Fatalf("got no error for a zero amount, want one")
	}
	o, err := domain.NewFinalObligation("o1", "c1", 123456, now)
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	if o.State != domain.StateScheduled || o.Currency != "CNY" {
		t.Fatalf("got %s %s, want scheduled CNY", o.State, o.Currency)
	}
	o.RetryLater("timeout", now)
	o.RetryLater("timeout", now)
	if got, want := o.NextAttemptAt, now.Add(2*time.Second); !got.Equal(want) {
		t.Fatalf("got next attempt %v, want %v", got, want)
	}
	if err := o.Complete("BANK-1", now); err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	if err := o.Complete("BANK-2", now); err == nil {
		t.Fatalf("got no error completing twice, want one")
	}
	shanghai := time.FixedZone("CST", 8*3600)
	if got, want := o.ValueDate(shanghai), "2026-10-09"; got != want {
		t.Fatalf("got value date %s, want %s", got, want)
	}
	late := o
	t2 := time.Date(2026, 10, 9, 16, 30, 0, 0, time.UTC) // 00:30 the next day in Shanghai
	late.CompletedAt = &t2
	if got, want := late.ValueDate(shanghai), "2026-10-10"; got != want {
		t.Fatalf("got value date %s, want %s", got, want)
	}
	if o.Attempts != 3 {
		t.Fatalf("got %d attempts, want 3", o.Attempts)
	}
}

func TestRetryBackoffIsCapped(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o, _ := domain.NewFinalObligation("o1", "c1", 1, now)
	for i := 0; i < 30; i++ {
		o.RetryLater("timeout", now)
	}
	if got, want := o.NextAttemptAt.Sub(now), 5*time.Minute; got != want {
		t.Fatalf("got backoff %v, want %v", got, want)
	}
}
