package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/payout/internal/adapters"
	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
	"claims.local/pkg/tracking/trackingtest"
)

// deadlineStore is payout's deadline store as the service runs it: the
// steps its monitor reads proven by its witness.
func deadlineStore(db *gorm.DB) *trackingpg.Store {
	return trackingtest.Store(db, witness(db))
}

// witness is payout's deadline witness as the service runs it, asking the
// bank (its simulator, over db) about the payments.
func witness(db *gorm.DB) trackingpg.Witness {
	return &adapters.DeadlineWitness{Bank: adapters.NewBankSimulator(db, 0, time.Now)}
}

// newDeadlines returns payout's deadline tracking over a new fixture an
// hour after the payments it owes are agreed, and that time: 09:00 in
// Beijing on 2026-03-03, their R6 due 03-13.
func newDeadlines(t testing.TB) (*deadlines, time.Time) {
	t.Helper()
	agreed := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)
	return &deadlines{f: newFixture(t), now: agreed.Add(time.Hour)}, agreed
}

// pay has the bank execute o's transfer and confirm it at at, meeting its
// R6 deadline and opening its R9 one as the service does
// (app.Service.completed), with its result notice stored when withNotice
// is set.
func (d *deadlines) pay(t testing.TB, o domain.Obligation, at time.Time, withNotice bool) {
	t.Helper()
	d.payWith(t, o, at, withNotice, domain.PaymentEvidence(o.ID))
}

// payWith is pay whose R6 step gives evidence: empty as payout's steps
// were before session 16.
func (d *deadlines) payWith(t testing.TB, o domain.Obligation, at time.Time, withNotice bool, evidence string) {
	t.Helper()
	d.transfer(t, o, o.AmountFen)
	d.record(t, o, at, withNotice, evidence)
}

// transfer has the bank (its simulator, over the fixture's database)
// execute a transfer of fen under o's key now, as the executor asks it
// (app.Service.Pay), and settle it.
func (d *deadlines) transfer(t testing.TB, o domain.Obligation, fen int64) {
	t.Helper()
	ctx := context.Background()
	bank := adapters.NewBankSimulator(d.f.db, 0, func() time.Time { return d.now })
	_, err := bank.SubmitAll(ctx, []app.TransferRequest{{IdempotencyKey: o.ID, Attempt: 1, AmountFen: fen, Currency: domain.Currency,
		PayeeName: o.Payee.Name, BankName: o.Payee.BankName, AccountNumber: o.Payee.AccountNumber}})
	require.NoError(t, err)
	got, err := bank.StatusAll(ctx, []string{o.ID})
	require.NoError(t, err)
	require.Equal(t, app.TransferSucceeded, got[0].State, "the bank's transfer of %s", o.ClaimID)
}

// record writes what the service writes when the bank confirms o's
// transfer at at (app.Service.completed): o completed, its R6 deadline met
// with evidence, its R9 deadline opened, its result notice stored when
// withNotice is set; the bank is not asked.
func (d *deadlines) record(t testing.TB, o domain.Obligation, at time.Time, withNotice bool, evidence string) {
	t.Helper()
	_, err := d.f.repo.Update(context.Background(), o.ID, at, func(x *domain.Obligation) (app.Effects, error) {
		if err := x.Submit(at); err != nil {
			return app.Effects{}, err
		}
		if err := x.Complete("REF-"+x.ID[:8], at); err != nil {
			return app.Effects{}, err
		}
		r9, err := d.f.tracker.New(tracking.Spec{ClaimID: x.ClaimID, Subject: tracking.PaymentSubject(x.ID), Rule: deadline.ResultNotification,
			ClockStart: *x.CompletedAt}, at)
		if err != nil {
			return app.Effects{}, err
		}
		eff := app.Effects{Steps: []tracking.Step{tracking.Complete(tracking.PaymentSubject(x.ID), deadline.Payment, *x.CompletedAt).
			Proven(evidence), tracking.Open(r9)}}
		if withNotice {
			eff.Notices = append(eff.Notices, notice(t, *x, domain.NoticeResult))
		}
		return eff, nil
	})
	require.NoError(t, err)
}

// resultNoticeSent is the step that meets n's R9 deadline when it is
// handed to the gateway at at, with its evidence.
func resultNoticeSent(n domain.Notice, at time.Time) tracking.Step {
	return tracking.Complete(tracking.PaymentSubject(n.ObligationID), deadline.ResultNotification, at).
		Proven(domain.ResultNoticeEvidence(n.ID))
}
