package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/postgres/pgtest"
)

// TestEachClaimRequestIsConfirmedAndOneHandedOverAgainOpensNothingNew is
// adjudication's half of red team session 17: every claim request it
// records gets its receipt (claims.adjudication.claim-request-received),
// signed with adjudication's key, in the transaction that records it, so
// that intake can hold each hand-over to it. A request redelivered under
// its own id is absorbed by the inbox (no second receipt); one handed over
// again by intake after its alarm (a new request of the same claim, a new
// event id) opens nothing new, one case and its deadlines as they were,
// and is confirmed naming the case already open.
func TestEachClaimRequestIsConfirmedAndOneHandedOverAgainOpensNothingNew(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)
	first := claimRequested(t, request("claim-again", at))
	require.NoError(t, f.app.OpenCase(ctx, first))
	obligations := pgtest.Count(t, f.db, "SELECT count(*) FROM deadline_obligations WHERE claim_id = 'claim-again'")
	require.NoError(t, f.app.OpenCase(ctx, first), "redelivered")
	again := claimRequested(t, request("claim-again", at))
	require.NoError(t, f.app.OpenCase(ctx, again), "handed over again")

	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM cases WHERE claim_id = 'claim-again'"); got != 1 {
		t.Fatalf("got %d cases, want 1", got)
	}
	if got := pgtest.Count(t, f.db, "SELECT count(*) FROM deadline_obligations WHERE claim_id = 'claim-again'"); got != obligations {
		t.Errorf("got %d obligations after the request handed over again, want the %d of the first", got, obligations)
	}
	c, err := f.app.Case(ctx, "claim-again")
	require.NoError(t, err)
	trusted, err := signing.ParseTrusted("adjudication", instructionKey(t).Public())
	require.NoError(t, err)
	var payloads [][]byte
	require.NoError(t, f.db.Raw("SELECT payload FROM outbox WHERE event_type = ? AND msg_key = ? ORDER BY id",
		events.ClaimRequestReceived.Name, "claim-again").Scan(&payloads).Error)
	var requests []string
	for _, p := range payloads {
		e, err := events.Decode(p)
		require.NoError(t, err)
		if err := trusted.Verify(e); err != nil {
			t.Errorf("receipt %s: got %v, want it signed with adjudication's key", e.ID, err)
		}
		var d events.ClaimRequestReceivedData
		require.NoError(t, events.DecodeData(e, events.ClaimRequestReceived, &d))
		if d.ClaimID != "claim-again" || d.ReportID != "r-claim-again" || d.CaseID != c.ID {
			t.Errorf("got receipt %+v, want one of claim-again, report r-claim-again, case %s", d, c.ID)
		}
		requests = append(requests, d.RequestEventID)
	}
	if want := []string{first.ID, again.ID}; len(requests) != 2 || requests[0] != want[0] || requests[1] != want[1] {
		t.Fatalf("got receipts of the requests %v, want one of each, %v", requests, want)
	}
}
