package adapters

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
)

// payoutCompletionRow is a row of payout_completions (ObligationID is the
// primary key).
type payoutCompletionRow struct {
	ObligationID, ClaimID, PayoutType string
	AmountFen                         int64
	CompletedAt, RecordedAt           time.Time
}

func (payoutCompletionRow) TableName() string { return "payout_completions" }

// factRow is what the indicators read of one case.
type factRow struct {
	ClaimID, Branch, InsuredName, IncidentType, CatastropheCode string
	IncidentTime, FirstReceivedAt                               time.Time
	ClaimedAmountFen, LinesClaimed                              int64
	Outcome, DecidedBy                                          *string
	AmountFen                                                   *int64
	DecidedAt, WithdrawnAt, PaidAt                              *time.Time
}

// factsQuery selects the facts of cases: the decision only once it took
// effect (a pending one counts as none), the closure only of a case closed
// undecided (withdrawn), and the completion of the final payment.
const factsQuery = `SELECT c.claim_id, c.branch, c.insured_name, c.incident_type, c.catastrophe_code,
	c.incident_time, c.first_received_at, c.claimed_amount_fen,
	COALESCE((SELECT sum(l.claimed_fen) FROM decision_lines l WHERE l.case_id = c.id), 0) AS lines_claimed,
	d.outcome, d.decided_by, d.amount_fen, COALESCE(d.approved_at, d.decided_at) AS decided_at,
	CASE WHEN d.case_id IS NULL AND c.state = 'closed' THEN c.closed_at END AS withdrawn_at,
	(SELECT max(p.completed_at) FROM payout_completions p WHERE p.claim_id = c.claim_id AND p.payout_type = ?) AS paid_at
FROM cases c LEFT JOIN decisions d ON d.case_id = c.id AND (NOT d.needs_approval OR d.approved_at IS NOT NULL)`

// IndicatorStore is the PostgreSQL implementation of app.Indicators.
type IndicatorStore struct {
	db   *gorm.DB
	work *uow.UnitOfWork
}

// NewIndicatorStore returns the store of the indicators' facts; deadlines
// applies the steps a payment takes (R7 met by a paid advance).
func NewIndicatorStore(db *gorm.DB, deadlines *tracking.Tracker) *IndicatorStore {
	return &IndicatorStore{db: db, work: uow.New(db, deadlines, nil)}
}

// RecordPayout stores p once, with steps: a redelivered event is skipped by
// the inbox, a second event of the same payment by the primary key.
func (s *IndicatorStore) RecordPayout(ctx context.Context, receipt inbox.Receipt, p app.PayoutCompletion, steps []tracking.Step) error {
	return s.work.DoAt(ctx, p.RecordedAt, func(tx *gorm.DB) (tracking.Effects, error) {
		first, err := inboxpg.Record(tx, receipt)
		if err != nil || !first {
			return tracking.Effects{}, err
		}
		row := payoutCompletionRow{ObligationID: p.ObligationID, ClaimID: p.ClaimID, PayoutType: p.PayoutType,
			AmountFen: p.AmountFen, CompletedAt: p.CompletedAt, RecordedAt: p.RecordedAt}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("store payout completion: %w", err)
		}
		return tracking.Effects{Steps: steps}, nil
	})
}

// DecidedOrWithdrawn returns the facts of the cases decided or withdrawn in
// [from, to).
func (s *IndicatorStore) DecidedOrWithdrawn(ctx context.Context, from, to time.Time) ([]domain.ClaimFacts, error) {
	return s.facts(ctx, `SELECT * FROM (`+factsQuery+`) f
		WHERE (f.decided_at >= ? AND f.decided_at < ?) OR (f.withdrawn_at >= ? AND f.withdrawn_at < ?)
		ORDER BY f.claim_id`, events.PayoutTypeFinal, from, to, from, to)
}

// Tagged returns the facts of the cases tagged with catastrophe code.
func (s *IndicatorStore) Tagged(ctx context.Context, code string) ([]domain.ClaimFacts, error) {
	return s.facts(ctx, factsQuery+` WHERE c.catastrophe_code = ? ORDER BY c.claim_id`, events.PayoutTypeFinal, code)
}

func (s *IndicatorStore) facts(ctx context.Context, query string, args ...any) ([]domain.ClaimFacts, error) {
	db := s.db.WithContext(ctx)
	var rows []factRow
	if err := db.Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("indicator facts: %w", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ClaimID
	}
	var advances []payoutCompletionRow
	if len(ids) > 0 {
		if err := db.Where("claim_id IN ? AND payout_type = ?", ids, events.PayoutTypeAdvance).Order("completed_at").
			Find(&advances).Error; err != nil {
			return nil, fmt.Errorf("indicator facts: advances: %w", err)
		}
	}
	byClaim := map[string][]domain.PaymentFact{}
	for _, a := range advances {
		byClaim[a.ClaimID] = append(byClaim[a.ClaimID], domain.PaymentFact{At: a.CompletedAt.UTC(), AmountFen: a.AmountFen})
	}
	out := make([]domain.ClaimFacts, len(rows))
	for i, r := range rows {
		f := domain.ClaimFacts{ClaimID: r.ClaimID, Branch: r.Branch, InsuredName: r.InsuredName, IncidentType: r.IncidentType,
			CatastropheCode: r.CatastropheCode, IncidentAt: r.IncidentTime.UTC(), RequestedAt: r.FirstReceivedAt.UTC(),
			ClaimedFen: r.ClaimedAmountFen, DecidedAt: utc(r.DecidedAt), WithdrawnAt: utc(r.WithdrawnAt), PaidAt: utc(r.PaidAt),
			Advances: byClaim[r.ClaimID]}
		// The amount claimed is the decision's, benefit by benefit, once
		// there is one; before, the request's.
		if r.LinesClaimed > 0 {
			f.ClaimedFen = r.LinesClaimed
		}
		if r.Outcome != nil {
			f.Outcome, f.Handler = domain.Outcome(*r.Outcome), *r.DecidedBy
		}
		if r.AmountFen != nil {
			f.ApprovedFen = *r.AmountFen
		}
		out[i] = f
	}
	return out, nil
}

// utc returns t in UTC, or nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
