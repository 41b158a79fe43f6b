package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracking"
)

// payeeChangeRow is one entry of the payee audit trail (append-only: a
// trigger refuses updates and deletes).
type payeeChangeRow struct {
	ID           string `gorm:"primaryKey"`
	ObligationID string
	ClaimID      string
	Action       string
	By           string
	Reason       string
	BeforeMasked []byte
	AfterMasked  []byte
	At           time.Time
}

func (payeeChangeRow) TableName() string { return "payee_changes" }

type maskedPayeeJSON struct {
	Name          string      `json:"name"`
	Role          string      `json:"role"`
	BankName      string      `json:"bank_name"`
	AccountNumber string      `json:"account_number"`
	OnBehalfOf    *personJSON `json:"on_behalf_of,omitempty"`
}

func maskedJSON(m *domain.MaskedPayee) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	j := maskedPayeeJSON{Name: m.Name, Role: string(m.Role), BankName: m.BankName, AccountNumber: m.AccountNumber}
	if m.OnBehalfOf != nil {
		j.OnBehalfOf = &personJSON{Name: m.OnBehalfOf.Name, Relation: m.OnBehalfOf.Relation}
	}
	return json.Marshal(j)
}

func maskedFromJSON(b []byte) (*domain.MaskedPayee, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var j maskedPayeeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	m := &domain.MaskedPayee{Name: j.Name, Role: domain.Role(j.Role), BankName: j.BankName, AccountNumber: j.AccountNumber}
	if j.OnBehalfOf != nil {
		m.OnBehalfOf = &domain.Person{Name: j.OnBehalfOf.Name, Relation: j.OnBehalfOf.Relation}
	}
	return m, nil
}

func storePayeeChanges(tx *gorm.DB, changes []domain.PayeeChange) error {
	for _, c := range changes {
		row := payeeChangeRow{ID: c.ID, ObligationID: c.ObligationID, ClaimID: c.ClaimID, Action: c.Action, By: c.By, Reason: c.Reason, At: c.At}
		var err error
		if row.BeforeMasked, err = maskedJSON(c.Before); err != nil {
			return err
		}
		if row.AfterMasked, err = maskedJSON(c.After); err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("store payee change: %w", err)
		}
	}
	return nil
}

// payeeChangesArg returns changes as the JSON array of payee_changes rows
// that insertWithReceipt's statement stores (jsonb_populate_recordset):
// times to the microsecond, as pgx sends them, the masked payees as the
// JSON storePayeeChanges stores.
func payeeChangesArg(changes []domain.PayeeChange) (string, error) {
	type item struct {
		ID           string          `json:"id"`
		ObligationID string          `json:"obligation_id"`
		ClaimID      string          `json:"claim_id"`
		Action       string          `json:"action"`
		By           string          `json:"by"`
		Reason       string          `json:"reason"`
		BeforeMasked json.RawMessage `json:"before_masked"`
		AfterMasked  json.RawMessage `json:"after_masked"`
		At           time.Time       `json:"at"`
	}
	items := make([]item, len(changes))
	for i, c := range changes {
		items[i] = item{ID: c.ID, ObligationID: c.ObligationID, ClaimID: c.ClaimID, Action: c.Action, By: c.By, Reason: c.Reason,
			At: c.At.UTC().Truncate(time.Microsecond)}
		for _, m := range []struct {
			from *domain.MaskedPayee
			to   *json.RawMessage
		}{{c.Before, &items[i].BeforeMasked}, {c.After, &items[i].AfterMasked}} {
			raw, err := maskedJSON(m.from)
			if err != nil {
				return "", err
			}
			if raw == nil {
				raw = []byte("null")
			}
			*m.to = raw
		}
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return "", fmt.Errorf("encode payee changes: %w", err)
	}
	return string(raw), nil
}

// PayeeChanges returns the payee audit trail of an obligation, oldest first.
func (s *Obligations) PayeeChanges(ctx context.Context, obligationID string) ([]domain.PayeeChange, error) {
	var rows []payeeChangeRow
	if err := s.db.WithContext(ctx).Where("obligation_id = ?", obligationID).Order("at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("payee changes: %w", err)
	}
	out := make([]domain.PayeeChange, len(rows))
	for i, r := range rows {
		c := domain.PayeeChange{ID: r.ID, ObligationID: r.ObligationID, ClaimID: r.ClaimID, Action: r.Action, By: r.By, Reason: r.Reason, At: r.At.UTC()}
		var err error
		if c.Before, err = maskedFromJSON(r.BeforeMasked); err != nil {
			return nil, err
		}
		if c.After, err = maskedFromJSON(r.AfterMasked); err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// ListInState returns obligations, newest first, of one claim when claimID
// is set and in state when it is set. One whose payee does not open is
// listed with PayeeUnreadable set and no payee (toDue), so that a handler
// finds it and supplies it.
func (s *Obligations) ListInState(ctx context.Context, claimID string, state domain.State, limit int) ([]domain.Obligation, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := s.db.WithContext(ctx).Order("scheduled_at DESC, id").Limit(limit)
	if claimID != "" {
		q = q.Where("claim_id = ?", claimID)
	}
	if state != "" {
		q = q.Where("state = ?", string(state))
	}
	var rows []obligationRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list obligations: %w", err)
	}
	return postgres.FromRows(rows, s.toDue)
}

// ThreeWayObligations returns the obligations scheduled, sent or completed
// in p, those whose R6 deadline was met in p, and those whose id is one of
// keys (executed by the bank in p). The first three times are the
// obligation's own, which payout's run-time role writes: a payment set
// completed on a day already reconciled would be in no report. When its
// R6 step was recorded is the record of due moves' (tracking 0005: the
// trigger's time of the step's transaction, in a table the role may only
// add to), so a payment faked paid is reconciled the day it was faked (red
// team, session 17).
func (s *Obligations) ThreeWayObligations(ctx context.Context, p domain.Period, keys []string) ([]domain.Obligation, error) {
	start, end := p.From.UTC(), p.End().UTC()
	q := s.db.WithContext(ctx).Where(`(scheduled_at >= @start AND scheduled_at < @end) OR (sent_at >= @start AND sent_at < @end)
		OR (completed_at >= @start AND completed_at < @end)
		OR id IN (SELECT substr(d.subject, CAST(@from AS int)) FROM deadline_due_moves m JOIN deadline_obligations d ON d.id = m.obligation_id
			WHERE m.rule = @rule AND m.state = 'met' AND m.moved_at >= @start AND m.moved_at < @end AND starts_with(d.subject, @subject))`,
		map[string]any{"start": start, "end": end, "rule": string(deadline.Payment), "subject": tracking.PaymentSubject(""),
			"from": len(tracking.PaymentSubject("")) + 1})
	if len(keys) > 0 {
		q = q.Or("id IN ?", keys)
	}
	var rows []obligationRow
	if err := q.Order("claim_id, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("obligations to reconcile: %w", err)
	}
	return s.toDomains(rows)
}

type alarmRow struct {
	Day       string
	LineKey   string
	ClaimID   string
	AmountFen int64
	Issues    []byte
	RaisedAt  time.Time
}

func (alarmRow) TableName() string { return "reconciliation_alarms" }

// RaiseAlarms records each line of date not recorded before, with its
// event in the outbox, in one transaction; a line another run or instance
// recorded is skipped (the primary key decides).
func (s *Obligations) RaiseAlarms(ctx context.Context, date string, lines []domain.ThreeWayLine, announce func(domain.ThreeWayLine) (events.Outgoing, error)) ([]domain.ThreeWayLine, error) {
	var raised []domain.ThreeWayLine
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		raised = nil
		var out []events.Outgoing
		for _, l := range lines {
			issues, err := json.Marshal(l.Issues)
			if err != nil {
				return tracking.Effects{}, err
			}
			key := l.ObligationID
			if key == "" {
				key = "bank:" + l.BankKey
			}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&alarmRow{Day: date, LineKey: key, ClaimID: l.ClaimID,
				AmountFen: l.AmountFen, Issues: issues, RaisedAt: time.Now().UTC()})
			if res.Error != nil {
				return tracking.Effects{}, fmt.Errorf("record alarm: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				continue
			}
			o, err := announce(l)
			if err != nil {
				return tracking.Effects{}, err
			}
			out = append(out, o)
			raised = append(raised, l)
		}
		return tracking.Effects{Events: out}, nil
	})
	return raised, err
}

// Page returns up to f.Limit (1 to 500, else 100) obligations f selects
// from f.Offset, newest first, and the count and sum of all it selects,
// in one snapshot; one whose payee does not open comes as ListInState
// lists it.
func (s *Obligations) Page(ctx context.Context, f domain.ObligationFilter) ([]domain.Obligation, domain.ListTotals, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []obligationRow
	var totals struct {
		N   int64
		Fen int64
	}
	err := postgres.ReadOnly(ctx, s.db, func(tx *gorm.DB) error {
		where := func() *gorm.DB {
			q := tx.Model(&obligationRow{})
			if f.ClaimID != "" {
				q = q.Where("claim_id = ?", f.ClaimID)
			}
			if f.State != "" {
				q = q.Where("state = ?", string(f.State))
			}
			if f.Paid != nil {
				q = q.Where("value_date BETWEEN CAST(? AS date) AND CAST(? AS date)", f.Paid.From.Format(time.DateOnly), f.Paid.To.Format(time.DateOnly))
			}
			return q
		}
		if err := where().Select("count(*) AS n, COALESCE(sum(amount_fen), 0)::bigint AS fen").Scan(&totals).Error; err != nil {
			return err
		}
		return where().Order("scheduled_at DESC, id").Limit(limit).Offset(max(f.Offset, 0)).Find(&rows).Error
	})
	if err != nil {
		return nil, domain.ListTotals{}, fmt.Errorf("list obligations: %w", err)
	}
	list, err := postgres.FromRows(rows, s.toDue)
	return list, domain.ListTotals{Count: totals.N, AmountFen: totals.Fen}, err
}
