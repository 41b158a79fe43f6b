package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/postgres/pgtest"
)

func TestOpenCaseOncePerEventAndPerClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 9, 30, 8, 20, 0, 5000, time.UTC)

	e := claimRequested(t, request("claim-1", at))
	require.NoError(t, f.app.OpenCase(ctx, e))
	require.NoError(t, f.app.OpenCase(ctx, e), "redelivered event")
	f.open(t, request("claim-1", at.Add(time.Hour)))
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM cases"); got != 1 {
		t.Fatalf("got %d cases, want 1", got)
	}
	c, err := f.app.Case(ctx, "claim-1")
	require.NoError(t, err)
	if !c.FirstReceivedAt.Equal(at) || c.State != domain.StateReceived || c.ReportID != "r-claim-1" {
		t.Fatalf("got case %+v, want the first request's, received at %v", c, at)
	}
	timeline, err := f.app.Timeline(ctx, "claim-1")
	require.NoError(t, err)
	require.Len(t, timeline, 1, "opened once")
	assert.Equal(t, domain.Change{Action: domain.ActionOpened, To: domain.StateReceived, Actor: "system:intake", At: c.OpenedAt,
		Details: map[string]any{"documents": float64(0), "supplements": float64(0)}}, timeline[0])
}

func TestOpenCaseRefusesAnEventItCannotRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	// Each signed by intake as it is: unreadable, not forged.
	newer := claimRequested(t, request("claim-1", time.Now()))
	newer.SchemaVersion = 2
	newer = eventstest.SignRequest(t, newer)
	if err := f.app.OpenCase(ctx, newer); !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("schema version 2: got %v, want ErrMalformed", err)
	}
	other := claimRequested(t, request("claim-1", time.Now()))
	other.Type = events.ClaimDecided.Name
	other = eventstest.SignRequest(t, other)
	if err := f.app.OpenCase(ctx, other); !errors.Is(err, events.ErrMalformed) {
		t.Fatalf("other type: got %v, want ErrMalformed", err)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM cases") + pgtest.Count(t, f.db, "SELECT count(*) FROM inbox WHERE consumer <> ?", app.RefusedRequestsConsumer); got != 0 {
		t.Fatalf("got %d cases and receipts, want 0", got)
	}
	// The newer version's refusal is alarmed, once
	// (TestAClaimRequestOfAnUnknownSchemaVersionIsParkedWithTheAlarm).
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM inbox WHERE consumer = ?", app.RefusedRequestsConsumer); got != 1 {
		t.Fatalf("got %d refusals recorded, want 1 (schema version 2)", got)
	}
}

func TestOpenCaseKeepsWhatTheRequestBrings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := request("claim-full", received)
	d.IncidentPlace = "110102"
	d.ClaimedAmountFen = 150_000
	d.Beneficiary = &events.Person{Name: "李四", Relation: "spouse"}
	d.Documents = []events.ClaimDocument{
		{DocumentID: "doc-1", Type: "medical_invoice", SHA256: "9f86d0", InvoiceNumber: "04412345", TotalAmountFen: 150_000, EventDate: "2026-09-28"},
		{DocumentID: "doc-2", Type: "id_card", SHA256: "60303a"},
	}
	f.open(t, d)
	c, err := f.app.Case(ctx, "claim-full")
	require.NoError(t, err)
	assert.Equal(t, "110102", c.IncidentPlace)
	assert.Equal(t, int64(150_000), c.ClaimedAmountFen)
	assert.Equal(t, &domain.Person{Name: "李四", Relation: "spouse"}, c.Beneficiary)
	assert.Equal(t, []domain.Document{
		{DocumentID: "doc-1", Type: "medical_invoice", SHA256: "9f86d0", InvoiceNumber: "04412345", TotalAmountFen: 150_000, EventDate: "2026-09-28"},
		{DocumentID: "doc-2", Type: "id_card", SHA256: "60303a"},
	}, c.Documents)
	assert.Equal(t, 1, c.Version)
}
