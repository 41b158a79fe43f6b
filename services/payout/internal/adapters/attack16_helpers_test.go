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
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// deadlineStore is payout's deadline store as the service runs it: the
// steps its monitor reads proven by its witness.
func deadlineStore(db *gorm.DB) *trackingpg.Store {
	return trackingpg.NewStore(db, uow.New(db, nil, nil)).WithWitness(adapters.DeadlineWitness{})
}

// pay has the bank confirm o's transfer at at, meeting its R6 deadline and
// opening its R9 one as the service does (app.Service.completed), with its
// result notice stored when withNotice is set.
func (d *deadlines) pay(t testing.TB, o domain.Obligation, at time.Time, withNotice bool) {
	t.Helper()
	d.payWith(t, o, at, withNotice, domain.PaymentEvidence(o.ID))
}

// payWith is pay whose R6 step gives evidence: empty as payout's steps
// were before session 16.
func (d *deadlines) payWith(t testing.TB, o domain.Obligation, at time.Time, withNotice bool, evidence string) {
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
