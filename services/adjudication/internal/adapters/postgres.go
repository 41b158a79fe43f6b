// Package adapters holds adjudication's PostgreSQL repositories.
package adapters

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/document"
	"claims.local/pkg/events"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/redact"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists adjudication's schema: the shared tables (uow.Shared),
// then its own.
func Migrations() ([]postgres.Migration, error) {
	return uow.Migrations(migrationFS, "adjudication")
}

// Cases is the PostgreSQL implementation of app.Repository.
type Cases struct {
	db   *gorm.DB
	work *uow.UnitOfWork
}

// NewCases returns the repository; afterCommit (may be nil) wakes the
// outbox relay; deadlines applies the deadline steps.
func NewCases(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker) *Cases {
	return &Cases{db: db, work: uow.New(db, deadlines, afterCommit)}
}

// Open stores a new case once per claim and once per event, with its
// documents, its audit entries and its deadline steps.
func (s *Cases) Open(ctx context.Context, receipt inbox.Receipt, c domain.Case, steps ...tracking.Step) (bool, error) {
	return s.OpenConfirmed(ctx, receipt, c, nil, steps...)
}

// OpenConfirmed is Open that stores, once per event, the receipt confirm
// returns for the id of the claim's case (the new one, or the one already
// open), in the same transaction (red team, session 17).
func (s *Cases) OpenConfirmed(ctx context.Context, receipt inbox.Receipt, c domain.Case, confirm app.Confirm, steps ...tracking.Step) (bool, error) {
	created := false
	err := s.work.DoAt(ctx, c.OpenedAt, func(tx *gorm.DB) (tracking.Effects, error) {
		first, err := inboxpg.Record(tx, receipt)
		if err != nil || !first {
			return tracking.Effects{}, err
		}
		row, err := toRow(c)
		if err != nil {
			return tracking.Effects{}, err
		}
		res := tx.Omit(clause.Associations).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "claim_id"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return tracking.Effects{}, fmt.Errorf("open case: %w", res.Error)
		}
		created = res.RowsAffected == 1
		var confirmed []events.Outgoing
		if confirm != nil {
			caseID := c.ID
			if !created {
				if err := tx.Raw(`SELECT id FROM cases WHERE claim_id = ?`, c.ClaimID).Scan(&caseID).Error; err != nil {
					return tracking.Effects{}, fmt.Errorf("open case: the case already open: %w", err)
				}
			}
			e, err := confirm(caseID)
			if err != nil {
				return tracking.Effects{}, err
			}
			confirmed = append(confirmed, e)
		}
		if !created {
			return tracking.Effects{Events: confirmed}, nil
		}
		if docs := documentRows(c); len(docs) > 0 {
			if err := tx.Create(&docs).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("store documents: %w", err)
			}
		}
		if err := storeAdvances(tx, nil, c); err != nil {
			return tracking.Effects{}, err
		}
		if a := c.Advance; a != nil {
			if err := tx.Create(&advanceAgreementRow{CaseID: c.ID, Channel: a.Channel, AgreedAt: a.AgreedAt, PayeeRole: a.PayeeRole,
				BankName: a.BankName, AccountLast4: a.AccountLast4, AccountFingerprint: a.AccountFingerprint, NameFingerprint: a.NameFingerprint,
				AccountKey: a.AccountKey, Sealed: a.Sealed, EnteredBy: a.EnteredBy, EnteredVia: a.EnteredVia,
				HolderVerified: a.HolderVerified, HolderVerificationRef: a.HolderVerificationRef}).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("store advance agreement: %w", err)
			}
		}
		if err := storeVisits(tx, c.NewVisits); err != nil {
			return tracking.Effects{}, err
		}
		if err := appendAudit(tx, c); err != nil {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Steps: steps, Events: confirmed}, nil
	})
	return created, err
}

// RecordRefusal records the refusal of a claim request once per event id,
// its alarm in the outbox in the same transaction.
func (s *Cases) RecordRefusal(ctx context.Context, receipt inbox.Receipt, at time.Time, alarm events.Outgoing) (bool, error) {
	first := false
	err := s.work.DoAt(ctx, at, func(tx *gorm.DB) (_ tracking.Effects, err error) {
		if first, err = inboxpg.Record(tx, receipt); err != nil || !first {
			return tracking.Effects{}, err
		}
		return tracking.Effects{Events: []events.Outgoing{alarm}}, nil
	})
	return first, err
}

// load reads the case of a claim with everything but its letter's PDF in
// one statement (loadSQL), under a row lock when lock is set.
//
// Under the lock, a writer that held it when the statement began commits
// before the statement goes on: READ COMMITTED then locks the row as that
// writer left it, but reads the parts as of the statement's start, without
// what the writer stored. Every writer that holds the lock changes the row
// (update stores the version), so a row other than the one the statement
// saw at its start (its xmin differs: "stale") means the parts may be old;
// they are read again, the lock held, by a statement that sees the writer's.
func load(tx *gorm.DB, claimID string, lock bool) (caseRow, error) {
	row, stale, err := loadOnce(tx, claimID, lock)
	if err == nil && stale {
		row, _, err = loadOnce(tx, claimID, lock)
	}
	return row, err
}

// loadSQL reads a case row with its parts as one JSON object (caseRow.Parts,
// the keys of caseRow's json tags, each part's keys its columns): one round
// trip instead of one per part (issue 21). The letter's PDF is left out.
// %s is where loadOnce adds the "stale" key under a lock.
const loadSQL = `SELECT c.*, json_build_object(
	'decision', (SELECT row_to_json(d) FROM (SELECT x.*, (SELECT json_agg(l ORDER BY l.line_no) FROM decision_lines l WHERE l.case_id = x.case_id) AS lines
		FROM decisions x WHERE x.case_id = c.id) d),
	'rejection_letter', (SELECT row_to_json(r) FROM (SELECT case_id, channel, sent_by, sent_at, letter_number, issue_date, sha256, generated_at, generated_by
		FROM rejection_letters WHERE case_id = c.id) r),
	'agreement', (SELECT row_to_json(a) FROM agreements a WHERE a.case_id = c.id),
	'advance', (SELECT row_to_json(a) FROM advance_agreements a WHERE a.case_id = c.id),
	'advances', (SELECT json_agg(v ORDER BY v.position) FROM case_advances v WHERE v.case_id = c.id),
	'overrides', (SELECT json_agg(o ORDER BY o.id) FROM check_overrides o WHERE o.case_id = c.id),
	'signals', (SELECT json_agg(s ORDER BY s.id) FROM case_signals s WHERE s.case_id = c.id),
	'documents', (SELECT json_agg(d ORDER BY d.position) FROM case_documents d WHERE d.case_id = c.id)%s
) AS parts FROM cases c WHERE c.claim_id = ?`

// loadOnce runs loadSQL once; stale tells, under a lock, that the row
// locked is not the one the statement's parts were read with.
func loadOnce(tx *gorm.DB, claimID string, lock bool) (row caseRow, stale bool, err error) {
	query := fmt.Sprintf(loadSQL, "")
	if lock {
		query = fmt.Sprintf(loadSQL, `,
	'stale', c.xmin <> (SELECT x.xmin FROM cases x WHERE x.id = c.id)`) + " FOR UPDATE OF c"
	}
	res := tx.Raw(query, claimID).Scan(&row)
	if res.Error != nil {
		return caseRow{}, false, fmt.Errorf("load case: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return caseRow{}, false, apperr.New(apperr.NotFound, "no case for claim %q", claimID)
	}
	parts := struct {
		*caseRow
		Stale bool `json:"stale"`
	}{caseRow: &row}
	if err := json.Unmarshal(row.Parts, &parts); err != nil {
		return caseRow{}, false, fmt.Errorf("load case of claim %s: parts: %w", claimID, err)
	}
	row.Parts = nil
	return row, parts.Stale, nil
}

// preload adds a case's parts to q, the letter without its PDF.
func preload(q *gorm.DB) *gorm.DB {
	return q.Preload("Decision").Preload("Decision.Lines", func(db *gorm.DB) *gorm.DB { return db.Order("line_no") }).
		Preload("RejectionLetter", func(db *gorm.DB) *gorm.DB { return db.Omit("pdf") }).
		Preload("Agreement").
		Preload("Advance").
		Preload("Advances", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
		Preload("Overrides", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Signals", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Documents", func(db *gorm.DB) *gorm.DB { return db.Order("position") })
}

// Get returns the case of a claim, read in one statement and so at one
// snapshot.
func (s *Cases) Get(ctx context.Context, claimID string) (domain.Case, error) {
	row, err := load(s.db.WithContext(ctx), claimID, false)
	if err != nil {
		return domain.Case{}, err
	}
	return row.toDomain()
}

// List returns cases, oldest request first.
func (s *Cases) List(ctx context.Context, f app.ListFilter) ([]domain.Case, error) {
	q := preload(s.db.WithContext(ctx)).Order("first_received_at, id")
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.Assignee != "" {
		q = q.Where("assignee = ?", f.Assignee)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []caseRow
	if err := q.Limit(limit).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return postgres.FromRows(rows, caseRow.toDomain)
}

// CountTagged counts the cases tagged with catastrophe code over the whole
// table, all of them and those in one of the undecided states.
func (s *Cases) CountTagged(ctx context.Context, code string) (tagged, undecided int64, err error) {
	states := make([]string, 0, len(domain.UndecidedStates()))
	for _, st := range domain.UndecidedStates() {
		states = append(states, string(st))
	}
	var n struct {
		Tagged, Undecided int64
	}
	err = s.db.WithContext(ctx).Raw(`SELECT count(*) AS tagged, count(*) FILTER (WHERE state IN ?) AS undecided
		FROM cases WHERE catastrophe_code = ?`, states, code).Scan(&n).Error
	if err != nil {
		return 0, 0, fmt.Errorf("count tagged cases: %w", err)
	}
	return n.Tagged, n.Undecided, nil
}

// Update changes a case under a row lock. Two handlers deciding at once are
// serialised here: the second sees the first's decision and is refused. The
// version check makes a lost update impossible even without the lock.
func (s *Cases) Update(ctx context.Context, claimID string, change func(*domain.Case) (tracking.Effects, error)) (domain.Case, error) {
	return s.update(ctx, claimID, false, nil, func(c *domain.Case, _ map[string]int64) (tracking.Effects, *app.StoredAssessment, error) {
		eff, err := change(c)
		return eff, nil, err
	})
}

// UpdateUsingPolicy changes a case as Update does, holding the lock on its
// policy's benefit usage until the transaction ends and giving change the
// amounts approved per benefit on the policy's other cases, read under
// that lock. Two decisions on two claims of one policy are serialised
// here: the second sees what the first approved, so that together they
// never exceed the sum insured (issue 14, contract limits are hard).
func (s *Cases) UpdateUsingPolicy(ctx context.Context, claimID string, change func(*domain.Case, map[string]int64) (tracking.Effects, error)) (domain.Case, error) {
	return s.update(ctx, claimID, true, nil, storingNoAssessment(change))
}

// storingNoAssessment is change as update takes it: it stores no
// assessment.
func storingNoAssessment(change func(*domain.Case, map[string]int64) (tracking.Effects, error)) func(*domain.Case, map[string]int64) (tracking.Effects, *app.StoredAssessment, error) {
	return func(c *domain.Case, used map[string]int64) (tracking.Effects, *app.StoredAssessment, error) {
		eff, err := change(c, used)
		return eff, nil, err
	}
}

// UpdateReading changes a case as UpdateUsingPolicy does (usage) or as
// Update does, after read: read gets the case as locked, and a context
// under which the reads of the service's database are made in the
// transaction holding the lock (postgres.ReadingIn), before the policy's
// usage is locked. A use case whose change rests on reads of the case and
// of other records reads them so, once, instead of reading the case in a
// snapshot of its own first and again under the lock (issue 21).
func (s *Cases) UpdateReading(ctx context.Context, claimID string, usage bool, read func(context.Context, domain.Case) error,
	change func(*domain.Case, map[string]int64) (tracking.Effects, error)) (domain.Case, error) {
	return s.update(ctx, claimID, usage, read, storingNoAssessment(change))
}

// UpdateAssessing is UpdateReading with the policy's usage whose change
// also returns the straight-through assessment of the claim, stored in the
// same transaction as the decision it made (nil: none). The deductible the
// assessment applied counts as used on the policy (Straight.UsedDeductible)
// exactly when the decision commits: a claim of the same policy waiting for
// the policy's lock reads it as soon as it gets the lock.
func (s *Cases) UpdateAssessing(ctx context.Context, claimID string, read func(context.Context, domain.Case) error,
	change func(*domain.Case, map[string]int64) (tracking.Effects, *app.StoredAssessment, error)) (domain.Case, error) {
	return s.update(ctx, claimID, true, read, change)
}

func (s *Cases) update(ctx context.Context, claimID string, usage bool, read func(context.Context, domain.Case) error,
	change func(*domain.Case, map[string]int64) (tracking.Effects, *app.StoredAssessment, error)) (domain.Case, error) {
	var result domain.Case
	unchanged := false
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		unchanged = false
		row, err := load(tx, claimID, true)
		if err != nil {
			return tracking.Effects{}, err
		}
		c, err := row.toDomain()
		if err != nil {
			return tracking.Effects{}, err
		}
		before, err := row.toDomain()
		if err != nil {
			return tracking.Effects{}, err
		}
		if read != nil {
			seen, err := row.toDomain()
			if err != nil {
				return tracking.Effects{}, err
			}
			if err := read(postgres.ReadingIn(ctx, tx), seen); err != nil {
				var keep app.NotDecided
				if !errors.As(err, &keep) {
					return tracking.Effects{}, err
				}
				// The case stays as it is; the assessment is kept.
				unchanged = true
				return tracking.Effects{}, storeAssessment(tx, keep.Assessment)
			}
		}
		var used map[string]int64
		if usage {
			if used, err = lockPolicyUsage(tx, c); err != nil {
				return tracking.Effects{}, err
			}
		}
		eff, assessed, err := change(&c, used)
		if err != nil {
			return tracking.Effects{}, err
		}
		c.Version = row.Version + 1
		if err := store(tx, row, before, c); err != nil {
			return tracking.Effects{}, err
		}
		if assessed != nil {
			if err := storeAssessment(tx, *assessed); err != nil {
				return tracking.Effects{}, err
			}
		}
		if err := storeVisits(tx, c.NewVisits); err != nil {
			return tracking.Effects{}, err
		}
		c.Changes, c.NewVisits = nil, nil
		if l := c.RejectionLetter; l != nil {
			l.PDF = nil
		}
		result = c
		return eff, nil
	})
	if err != nil || unchanged {
		return domain.Case{}, err
	}
	return result, nil
}

// store writes what change made of the case: the case's row, a new
// decision (with its lines and review sample), a new agreement and the new
// audit entries in one statement (caseWrite), then what else changed, each
// in statements of its own.
func store(tx *gorm.DB, row caseRow, before, c domain.Case) error {
	next, err := toRow(c)
	if err != nil {
		return err
	}
	w := newCaseWrite(row.ID, row.Version, map[string]any{
		"state": next.State, "version": c.Version, "assignee": next.Assignee, "supplements": next.Supplements,
		"complex_reason": next.ComplexReason, "complex_by": next.ComplexBy, "complex_at": next.ComplexAt,
		"closed_reason": next.ClosedReason, "closed_by": next.ClosedBy, "closed_at": next.ClosedAt,
		// A case filed before its catastrophe was activated is tagged later.
		"catastrophe_code": next.CatastropheCode, "target_working_days": next.TargetWorkingDays, "target_due_date": next.TargetDueDate,
		"target_due_at": next.TargetDueAt, "target_at_risk_from": next.TargetAtRiskFrom,
	})
	if before.Decision == nil && c.Decision != nil {
		if err := w.decision(c, *c.Decision); err != nil {
			return err
		}
	}
	if c.Agreement != nil && before.Agreement == nil {
		if err := w.agreement(c, *c.Agreement); err != nil {
			return err
		}
	}
	if err := w.audit(c); err != nil {
		return err
	}
	if err := w.run(tx, c.ClaimID); err != nil {
		return err
	}
	if err := storeDecision(tx, before.Decision, c); err != nil {
		return err
	}
	if err := storeLetter(tx, before.RejectionLetter, c); err != nil {
		return err
	}
	if err := storeAdvances(tx, before.Advances, c); err != nil {
		return err
	}
	for _, s := range c.Signals[len(before.Signals):] {
		params, err := json.Marshal(s.Params)
		if err != nil || s.Params == nil {
			params = []byte("{}")
		}
		if err := tx.Create(&signalRow{CaseID: c.ID, Kind: string(s.Kind), Explanation: s.Explanation, Params: params, Blocking: s.Blocking,
			RaisedBy: s.RaisedBy, RaisedAt: s.At}).Error; err != nil {
			return fmt.Errorf("store signal: %w", err)
		}
	}
	for _, o := range c.Overrides[len(before.Overrides):] {
		if err := tx.Create(&overrideRow{CaseID: c.ID, CheckName: string(o.Check), Reason: o.Reason, OverriddenBy: o.By, OverriddenAt: o.At, BySenior: o.Senior}).Error; err != nil {
			return fmt.Errorf("store check override: %w", err)
		}
	}
	return nil
}

// storeDecision stores a decision discarded or approved; a new one is
// stored with the case (caseWrite).
func storeDecision(tx *gorm.DB, before *domain.Decision, c domain.Case) error {
	d := c.Decision
	switch {
	case before != nil && d == nil:
		if err := tx.Where("case_id = ?", c.ID).Delete(&decisionRow{}).Error; err != nil {
			return fmt.Errorf("discard decision: %w", err)
		}
		// A discarded decision is no longer reviewed.
		if err := tx.Where("claim_id = ? AND outcome = ''", c.ClaimID).Delete(&reviewRow{}).Error; err != nil {
			return fmt.Errorf("discard the decision's review: %w", err)
		}
	case before != nil && d.ApprovedAt != nil && before.ApprovedAt == nil:
		if err := tx.Model(&decisionRow{}).Where("case_id = ?", c.ID).
			Updates(map[string]any{"approved_by": d.ApprovedBy, "approved_at": *d.ApprovedAt}).Error; err != nil {
			return fmt.Errorf("store approval: %w", err)
		}
	}
	return nil
}

func storeLetter(tx *gorm.DB, before *domain.RejectionLetter, c domain.Case) error {
	l := c.RejectionLetter
	switch {
	case l == nil:
	case before == nil:
		row := toLetterRow(c.ID, *l)
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("store rejection letter: %w", err)
		}
	case before.Sent == nil && l.Sent != nil:
		if err := tx.Model(&letterRow{}).Where("case_id = ?", c.ID).
			Updates(map[string]any{"channel": l.Sent.Channel, "sent_by": l.Sent.SentBy, "sent_at": l.Sent.SentAt}).Error; err != nil {
			return fmt.Errorf("store rejection letter: %w", err)
		}
	}
	return nil
}

// storeAdvances inserts the advances of c that before did not have and
// stores the ones whose state or amount changed (an offer approved).
func storeAdvances(tx *gorm.DB, before []domain.Advance, c domain.Case) error {
	for i, a := range c.Advances {
		row := toAdvanceRow(c.ID, i, a)
		switch {
		case i >= len(before):
			if err := tx.Create(&row).Error; err != nil {
				return fmt.Errorf("store advance: %w", err)
			}
		case before[i].State != a.State || before[i].AmountFen != a.AmountFen:
			if err := tx.Select("*").Save(&row).Error; err != nil {
				return fmt.Errorf("store advance: %w", err)
			}
		}
	}
	return nil
}

// appendAudit appends the case's new audit entries.
func appendAudit(tx *gorm.DB, c domain.Case) error {
	if len(c.Changes) == 0 {
		return nil
	}
	rows := make([]auditRow, len(c.Changes))
	for i, ch := range c.Changes {
		details, err := json.Marshal(ch.Details)
		if err != nil {
			return fmt.Errorf("audit details: %w", err)
		}
		if ch.Details == nil {
			details = []byte("{}")
		}
		rows[i] = auditRow{CaseID: c.ID, ClaimID: c.ClaimID, At: ch.At, Actor: ch.Actor, Action: ch.Action,
			FromState: string(ch.From), ToState: string(ch.To), Reason: ch.Reason, Details: details}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// Timeline returns the audit of a claim's case, oldest first.
func (s *Cases) Timeline(ctx context.Context, claimID string) ([]domain.Change, error) {
	db := s.db.WithContext(ctx)
	if _, err := caseID(db, claimID); err != nil {
		return nil, err
	}
	var rows []auditRow
	if err := db.Where("claim_id = ?", claimID).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	out := make([]domain.Change, len(rows))
	for i, r := range rows {
		var details map[string]any
		if err := json.Unmarshal(r.Details, &details); err != nil {
			return nil, fmt.Errorf("audit entry %d: %w", r.Seq, err)
		}
		out[i] = domain.Change{Action: r.Action, From: domain.State(r.FromState), To: domain.State(r.ToState), Actor: r.Actor,
			Reason: r.Reason, At: r.At.UTC(), Details: details}
	}
	return out, nil
}

func caseID(db *gorm.DB, claimID string) (string, error) {
	var ids []string
	if err := db.Model(&caseRow{}).Where("claim_id = ?", claimID).Pluck("id", &ids).Error; err != nil {
		return "", fmt.Errorf("find case: %w", err)
	}
	if len(ids) == 0 {
		return "", apperr.New(apperr.NotFound, "no case for claim %q", claimID)
	}
	return ids[0], nil
}

// LetterPDF returns the stored PDF of a claim's rejection letter.
func (s *Cases) LetterPDF(ctx context.Context, claimID string) ([]byte, error) {
	db := s.db.WithContext(ctx)
	id, err := caseID(db, claimID)
	if err != nil {
		return nil, err
	}
	var pdfs [][]byte
	if err := db.Model(&letterRow{}).Where("case_id = ? AND pdf IS NOT NULL", id).Pluck("pdf", &pdfs).Error; err != nil {
		return nil, fmt.Errorf("read letter: %w", err)
	}
	if len(pdfs) == 0 {
		return nil, apperr.New(apperr.NotFound, "no stored rejection letter for claim %q", claimID)
	}
	return pdfs[0], nil
}

// NextLetterNumber draws from the sequence of rejection letter numbers.
func (s *Cases) NextLetterNumber(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Raw("SELECT nextval('rejection_letter_numbers')").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("draw letter number: %w", err)
	}
	return n, nil
}

// Evidence returns the amounts approved per benefit on the policy's other
// cases (decisions in effect or awaiting approval), and the invoices of
// other cases with one of c's invoice numbers.
func (s *Cases) Evidence(ctx context.Context, c domain.Case) (map[string]int64, []domain.InvoiceMatch, error) {
	out, err := usedOnPolicy(s.db.WithContext(ctx), c)
	if err != nil {
		return nil, nil, err
	}
	invoices, err := s.SameInvoices(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return out, invoices, nil
}

// SameInvoices returns the invoices of other cases with one of c's invoice
// numbers.
//
// It first takes the transaction's lock on each of c's invoice keys, in
// key order and in a statement of its own, so that the read after it sees
// what the key's previous holder committed: two consumer batches that open
// a case each with one invoice and check it before either commits are
// serialised, and the later one sees the earlier one's case (the attack
// review of issue 21). Outside a transaction the locks end with their
// statement and serialise nothing.
func (s *Cases) SameInvoices(ctx context.Context, c domain.Case) ([]domain.InvoiceMatch, error) {
	db := s.db.WithContext(ctx)
	keys := c.InvoiceKeys()
	if len(keys) == 0 {
		return nil, nil
	}
	if err := postgres.LockKeys(db, "adjudication.invoice", keys); err != nil {
		return nil, fmt.Errorf("lock the invoices of claim %s: %w", c.ClaimID, err)
	}
	var matches []struct {
		ClaimID        string
		InvoiceNumber  string
		TotalAmountFen int64
	}
	if err := db.Raw(`SELECT c.claim_id, d.invoice_number, d.total_amount_fen FROM case_documents d JOIN cases c ON c.id = d.case_id
		WHERE d.invoice_key IN ? AND d.case_id <> ? ORDER BY c.claim_id, d.position`, keys, c.ID).Scan(&matches).Error; err != nil {
		return nil, fmt.Errorf("invoices on other claims: %w", err)
	}
	invoices := make([]domain.InvoiceMatch, len(matches))
	for i, m := range matches {
		invoices[i] = domain.InvoiceMatch{ClaimID: m.ClaimID, InvoiceNumber: m.InvoiceNumber, AmountFen: m.TotalAmountFen}
	}
	return invoices, nil
}

// InvoicesAlike returns the medical invoices on the other cases of c's
// policy or of an insured of the same name with the total and the date of
// one of c's medical invoices, whatever their numbers. Names are compared
// as domain.NormalizeName compares them (sameNameSQL): an insured whose
// name another policy writes with a space or in full-width letters is the
// same insured.
func (s *Cases) InvoicesAlike(ctx context.Context, c domain.Case) ([]domain.InvoiceMatch, error) {
	type key struct {
		fen  int64
		date string
	}
	want := map[key]bool{}
	var totals []int64
	for _, d := range c.Documents {
		if d.Type == domain.DocMedicalInvoice && d.TotalAmountFen > 0 && d.EventDate != "" {
			want[key{d.TotalAmountFen, d.EventDate}] = true
			totals = append(totals, d.TotalAmountFen)
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	var rows []struct {
		ClaimID        string
		InvoiceNumber  string
		TotalAmountFen int64
		EventDate      string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT c.claim_id, d.invoice_number, d.total_amount_fen, d.event_date FROM case_documents d JOIN cases c ON c.id = d.case_id
		WHERE d.type = ? AND d.total_amount_fen IN ? AND d.case_id <> ? AND (c.policy_number = ? OR `+sameNameSQL("c.insured_name")+` = ?)
		ORDER BY c.claim_id, d.position`, domain.DocMedicalInvoice, totals, c.ID, c.PolicyNumber, domain.NormalizeName(c.InsuredName)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("invoices alike on other claims: %w", err)
	}
	var out []domain.InvoiceMatch
	for _, r := range rows {
		if want[key{r.TotalAmountFen, r.EventDate}] {
			out = append(out, domain.InvoiceMatch{ClaimID: r.ClaimID, InvoiceNumber: r.InvoiceNumber, AmountFen: r.TotalAmountFen, EventDate: r.EventDate})
		}
	}
	return out, nil
}

// sameNameSQL is domain.NormalizeName of column in SQL: NFKC, then every
// white space character removed (those NFKC leaves other than the space:
// tab to carriage return, U+0085, U+1680, U+2028 and U+2029).
func sameNameSQL(column string) string {
	return `regexp_replace(normalize(` + column + `, NFKC), '[ \t\n\v\f\r\u0085\u1680\u2028\u2029]', '', 'g')`
}

// usedOnPolicy returns the amounts approved per benefit on the other cases
// of c's policy (decisions in effect or awaiting approval).
func usedOnPolicy(db *gorm.DB, c domain.Case) (map[string]int64, error) {
	var used []struct {
		Benefit string
		Fen     int64
	}
	if err := db.Raw(`SELECT l.benefit, sum(l.approved_fen) AS fen FROM decision_lines l JOIN cases c ON c.id = l.case_id
		WHERE c.policy_number = ? AND c.id <> ? GROUP BY l.benefit`, c.PolicyNumber, c.ID).Scan(&used).Error; err != nil {
		return nil, fmt.Errorf("amounts used on policy: %w", err)
	}
	out := make(map[string]int64, len(used))
	for _, u := range used {
		out[u.Benefit] = u.Fen
	}
	return out, nil
}

// lockPolicyUsage takes the transaction's advisory lock on the benefit
// usage of c's policy, held until the transaction ends, and then reads
// what the policy's other cases approved. Every transaction that approves
// an amount on a policy takes it after its case's row lock, so the order
// of locks is the same everywhere.
func lockPolicyUsage(tx *gorm.DB, c domain.Case) (map[string]int64, error) {
	if err := postgres.LockKeys(tx, "adjudication.policy-usage", []string{c.PolicyNumber}); err != nil {
		return nil, fmt.Errorf("lock the usage of policy %s: %w", c.PolicyNumber, err)
	}
	return usedOnPolicy(tx, c)
}

// queueRow is a queued case's id with the deadline it owes.
type queueRow struct {
	ID        string
	Rule      *string
	DueAt     *time.Time
	DueDate   *string
	State     *string
	RiskFrom  *time.Time
	RankOrder int
}

// Queue returns the cases with work left, each with the decision (R4) or
// rejection notice (R5) deadline it owes: tagged cases first (R8), soonest
// internal target first; then open deadlines soonest due first,
// then paused ones (the claimant has the documents to send), then cases
// owing none (waiting for the claimant's agreement), oldest request first.
func (s *Cases) Queue(ctx context.Context, f app.QueueFilter, now time.Time) ([]app.QueueItem, error) {
	db := s.db.WithContext(ctx)
	q := queueQuery(db, f, now)
	var rows []queueRow
	if err := q.Order(queueOrder(f)).Limit(f.Limit).Offset(f.Offset).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("work queue: %w", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var cases []caseRow
	if err := preload(db).Where("id IN ?", ids).Find(&cases).Error; err != nil {
		return nil, fmt.Errorf("work queue: load cases: %w", err)
	}
	byID := make(map[string]caseRow, len(cases))
	for _, c := range cases {
		byID[c.ID] = c
	}
	out := make([]app.QueueItem, len(rows))
	for i, r := range rows {
		c, err := byID[r.ID].toDomain()
		if err != nil {
			return nil, err
		}
		out[i] = app.QueueItem{Case: c}
		if r.Rule == nil {
			continue
		}
		due, err := calendar.ParseDate((*r.DueDate)[:min(len(*r.DueDate), 10)])
		if err != nil {
			return nil, fmt.Errorf("work queue: due date of claim %s: %w", c.ClaimID, err)
		}
		o := tracking.Deadline{State: tracking.State(*r.State), DueAt: r.DueAt.In(calendar.Location()), AtRiskFrom: *r.RiskFrom}
		out[i].Deadline = &app.QueueDeadline{Rule: deadline.RuleID(*r.Rule), DueAt: o.DueAt, DueDate: due, State: o.State, Risk: o.RiskAt(now)}
	}
	return out, nil
}

// queueQuery selects the cases of the queue f asks for, each joined (as o)
// with the deadline it owes.
func queueQuery(db *gorm.DB, f app.QueueFilter, now time.Time) *gorm.DB {
	states := f.States
	if len(states) == 0 {
		for _, st := range domain.States() {
			if st != domain.StateAgreed && st != domain.StateClosed {
				states = append(states, st)
			}
		}
	}
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = string(st)
	}
	q := db.Table("cases AS c").
		Select(`c.id, o.rule, o.due_at, o.due_date, o.state, o.at_risk_from AS risk_from,
			CASE o.state WHEN 'open' THEN 0 WHEN 'paused' THEN 1 ELSE 2 END AS rank_order`).
		Joins(`LEFT JOIN LATERAL (SELECT d.rule, d.due_at, d.due_date, d.state, d.at_risk_from FROM deadline_obligations d
			WHERE d.subject = 'claim/' || c.claim_id AND d.state IN ('open', 'paused') ORDER BY d.due_at LIMIT 1) o ON true`).
		Where("c.state IN ?", names)
	switch {
	case f.Unassigned:
		q = q.Where("c.assignee = ''")
	case f.Assignee != "":
		q = q.Where("c.assignee = ?", f.Assignee)
	}
	if f.Risk != "" {
		// The lateral join keeps only owed obligations: no row means none.
		cond, args := trackingpg.RiskCondition("o.", f.Risk, now)
		q = q.Where(cond, args...)
	}
	if term := strings.TrimSpace(f.Search); term != "" {
		like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(term))
		// An ID number typed in full is masked as intake masked the
		// identity cards' numbers: the number itself is never stored.
		masked := ""
		if document.ValidIDNumber(strings.ToUpper(term)) {
			masked = redact.IDNumber(strings.ToUpper(term))
		}
		q = q.Where(`(lower(c.claim_id) = ? OR lower(c.id) = ? OR lower(c.policy_number) LIKE ? OR lower(c.insured_name) LIKE ?
			OR (? <> '' AND EXISTS (SELECT 1 FROM case_documents d WHERE d.case_id = c.id AND d.id_number_masked = ?)))`,
			strings.ToLower(term), strings.ToLower(term), like+"%", "%"+like+"%", masked, masked)
	}
	if f.IncidentType != "" {
		q = q.Where("c.incident_type = ?", f.IncidentType)
	}
	switch f.Catastrophe {
	case "":
	case app.CatastropheAny:
		q = q.Where("c.catastrophe_code <> ''")
	case app.CatastropheNone:
		q = q.Where("c.catastrophe_code = ''")
	default:
		q = q.Where("c.catastrophe_code = ?", f.Catastrophe)
	}
	if f.Complex != nil {
		q = q.Where("(c.complex_at IS NOT NULL) = ?", *f.Complex)
	}
	return q
}

// queueOrder is the ORDER BY of a queue: the work order by default (tagged
// cases first, R8, soonest internal target first; then by the deadline
// owed), else the column asked for, the work order breaking ties.
func queueOrder(f app.QueueFilter) string {
	const work = "c.catastrophe_code = '', c.target_due_at, rank_order, o.due_at, c.first_received_at, c.id"
	dir := " ASC NULLS LAST"
	if f.Desc {
		dir = " DESC NULLS LAST"
	}
	col := map[string]string{
		"due": "o.due_at", "target": "c.target_due_at", "received": "c.first_received_at", "claim_id": "c.claim_id",
		"policy_number": "c.policy_number", "insured_name": "c.insured_name", "incident_type": "c.incident_type",
		"state": "c.state", "assignee": "c.assignee",
	}[f.Sort]
	if col == "" {
		if f.Desc {
			return "c.catastrophe_code <> '', c.target_due_at DESC NULLS LAST, rank_order DESC, o.due_at DESC NULLS LAST, c.first_received_at DESC, c.id DESC"
		}
		return work
	}
	return col + dir + ", " + work
}

// QueueTotal counts the cases of the queue f selects, every page.
func (s *Cases) QueueTotal(ctx context.Context, f app.QueueFilter, now time.Time) (int, error) {
	var n int64
	if err := queueQuery(s.db.WithContext(ctx), f, now).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("work queue: count: %w", err)
	}
	return int(n), nil
}

// Workloads counts the open cases of every handler holding one, with those
// whose owed deadline is at risk or breached, most cases first.
func (s *Cases) Workloads(ctx context.Context, now time.Time) ([]app.Workload, error) {
	var rows []struct {
		Assignee string
		Open     int
		AtRisk   int
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT c.assignee, count(*) AS open,
		       count(*) FILTER (WHERE o.state = 'open' AND o.at_risk_from <= ?) AS at_risk
		  FROM cases c
		  LEFT JOIN LATERAL (SELECT d.state, d.at_risk_from FROM deadline_obligations d
		        WHERE d.subject = 'claim/' || c.claim_id AND d.state IN ('open', 'paused') ORDER BY d.due_at LIMIT 1) o ON true
		 WHERE c.assignee <> '' AND c.state NOT IN ?
		 GROUP BY c.assignee ORDER BY open DESC, c.assignee`, now, []string{string(domain.StateAgreed), string(domain.StateClosed)}).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("workloads: %w", err)
	}
	out := make([]app.Workload, len(rows))
	for i, r := range rows {
		out[i] = app.Workload{Assignee: r.Assignee, Open: r.Open, AtRisk: r.AtRisk}
	}
	return out, nil
}

// PaymentAuthorisations lists the agreements recorded and the advances
// approved in [from, to), oldest first: what payout's three-way
// reconciliation matches its payments against.
func (r *Cases) PaymentAuthorisations(ctx context.Context, from, to time.Time) ([]app.PaymentAuthorisation, error) {
	var out []app.PaymentAuthorisation
	err := r.db.WithContext(ctx).Raw(`
		SELECT 'agreement' AS kind, c.claim_id, c.id AS reference_id, a.amount_fen,
		       LEAST(COALESCE((SELECT sum(v.amount_fen) FROM case_advances v WHERE v.case_id = c.id AND v.state = 'approved'), 0), a.amount_fen) AS advanced_fen,
		       a.account_fingerprint, a.agreed_at AS authorised_at
		  FROM agreements a JOIN cases c ON c.id = a.case_id
		 WHERE a.agreed_at >= ? AND a.agreed_at < ?
		UNION ALL
		SELECT 'advance', c.claim_id, v.id, v.amount_fen, 0, v.account_fingerprint, v.approved_at
		  FROM case_advances v JOIN cases c ON c.id = v.case_id
		 WHERE v.state = 'approved' AND v.approved_at >= ? AND v.approved_at < ?
		 ORDER BY authorised_at, reference_id`, from, to, from, to).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("payment authorisations: %w", err)
	}
	for i := range out {
		out[i].AuthorisedAt = out[i].AuthorisedAt.UTC()
	}
	return out, nil
}

// SignalFacts returns what the fraud signals read of an account, by its
// keyed hash: the other claims it is paid on (agreements and approved
// advances) with their insured, and the employee it belongs to.
//
// Read in the transaction that stores an agreement (UpdateReading), it
// first takes that transaction's lock on the account, and reads in a
// statement of account_uses' own after it, which sees what the account's
// previous holder committed: two agreements naming one account on two claims at once are
// serialised, and the later one sees the earlier one's use (the attack
// review of issue 21). Outside a transaction the lock ends with its
// statement and serialises nothing.
func (s *Cases) SignalFacts(ctx context.Context, accountKey, caseID string) (domain.SignalFacts, error) {
	f := domain.SignalFacts{AccountKey: accountKey}
	if accountKey == "" {
		return f, nil
	}
	// One round trip (account_uses, migration 0026): the lock, then the
	// uses as a JSON array and the employee beside them, read in a
	// statement of their own under the lock.
	var raw []byte
	if err := s.db.WithContext(ctx).Raw(`SELECT account_uses(?, ?)`, accountKey, caseID).Row().Scan(&raw); err != nil {
		return f, fmt.Errorf("account uses and employee: %w", err)
	}
	return signalFactsOf(accountKey, raw)
}

// signalFactsOf reads what account_uses returned for accountKey.
func signalFactsOf(accountKey string, raw []byte) (domain.SignalFacts, error) {
	f := domain.SignalFacts{AccountKey: accountKey}
	var row struct {
		Uses     json.RawMessage `json:"uses"`
		Employee *string         `json:"employee"`
	}
	if err := json.Unmarshal(raw, &row); err != nil {
		return f, fmt.Errorf("account uses: %w", err)
	}
	var uses []struct {
		ClaimID     string `json:"claim_id"`
		InsuredName string `json:"insured_name"`
	}
	if present(row.Uses) {
		if err := json.Unmarshal(row.Uses, &uses); err != nil {
			return f, fmt.Errorf("account uses: %w", err)
		}
	}
	for _, u := range uses {
		f.Uses = append(f.Uses, domain.AccountUse{ClaimID: u.ClaimID, InsuredName: u.InsuredName})
	}
	if row.Employee != nil {
		f.Employee = *row.Employee
	}
	return f, nil
}

// RecentClaims counts the other cases of an insured received since.
func (s *Cases) RecentClaims(ctx context.Context, c domain.Case, since time.Time) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&caseRow{}).
		Where("insured_name = ? AND id <> ? AND first_received_at >= ?", c.InsuredName, c.ID, since).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("recent claims: %w", err)
	}
	return int(n), nil
}

// PutEmployees replaces the employee registry with employees (id to the
// keyed hash of their account).
func (s *Cases) PutEmployees(ctx context.Context, employees map[string]string, by string, now time.Time) error {
	return postgres.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM employees").Error; err != nil {
			return fmt.Errorf("clear employees: %w", err)
		}
		if len(employees) == 0 {
			return nil
		}
		rows := make([]employeeRow, 0, len(employees))
		for id, key := range employees {
			rows = append(rows, employeeRow{EmployeeID: id, AccountKey: key, LoadedBy: by, LoadedAt: now})
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("store employees: %w", err)
		}
		return nil
	})
}
