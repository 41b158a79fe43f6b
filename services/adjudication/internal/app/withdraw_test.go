package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
)

// TestClosingAnUndecidedCaseAnnouncesTheWithdrawal: intake learns from
// claim-withdrawn that the claim's report is closed (issue 20); closing a
// decided case withdraws nothing and announces nothing.
func TestClosingAnUndecidedCaseAnnouncesTheWithdrawal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Microsecond)
	f.clock.Set(now)
	f.open(t, request("wd-undecided", now.Add(-time.Hour)))
	f.open(t, withAuthorisation(request("wd-decided", now.Add(-time.Hour))))

	_, err := f.app.Close(ctx, handler, "wd-undecided", "申请人撤回索赔申请")
	require.NoError(t, err)
	require.Equal(t, int64(1), countEvents(t, f, events.ClaimWithdrawn), "claim-withdrawn events after the withdrawal")
	var d events.ClaimWithdrawnData
	e := outboxData(t, f, events.ClaimWithdrawn, &d)
	assert.Equal(t, "wd-undecided", e.ClaimID)
	assert.Equal(t, "wd-undecided", d.ClaimID)
	assert.NotEmpty(t, d.CaseID)
	assert.Equal(t, events.WithdrawalClosedUndecided, d.ReasonCode)
	assert.Equal(t, "申请人撤回索赔申请", d.Reason)
	assert.True(t, d.WithdrawnAt.Equal(now.UTC()), "withdrawn_at: got %v, want %v", d.WithdrawnAt, now.UTC())

	_, err = f.app.Decide(ctx, handler, "wd-decided", approve(100_000))
	require.NoError(t, err)
	_, err = f.app.RecordAgreement(ctx, handler, "wd-decided", agreementInput())
	require.NoError(t, err)
	_, err = f.app.Close(ctx, handler, "wd-decided", "已达成协议，转支付")
	require.NoError(t, err)
	assert.Equal(t, int64(1), countEvents(t, f, events.ClaimWithdrawn), "claim-withdrawn events after closing a decided case")
}
