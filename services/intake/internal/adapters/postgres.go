// Package adapters holds intake's PostgreSQL repository, the checklist
// files, the file store and the OCR reader.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/inbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/reveal/revealpg"
	"claims.local/pkg/tracking"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations lists intake's schema: the outbox, the inbox, deadline
// tracking, then its own tables.
func Migrations() ([]postgres.Migration, error) {
	return uow.Migrations(migrationFS, "intake", revealpg.Migrations)
}

// Reports is the PostgreSQL implementation of app.Repository.
type Reports struct {
	db          *gorm.DB
	work        *uow.UnitOfWork
	afterCommit func()
	group       *groupCommit
	lists       *sharedChecklists
}

// NewReports returns the repository; afterCommit (may be nil) wakes the
// outbox relay; deadlines applies the deadline steps of the use cases.
func NewReports(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker) *Reports {
	if afterCommit == nil {
		afterCommit = func() {}
	}
	s := &Reports{db: db, work: uow.New(db, deadlines, afterCommit), afterCommit: afterCommit, lists: newSharedChecklists()}
	s.group = &groupCommit{write: s.storeGroup}
	return s
}

// rowOf maps r to its row, naming its checklist, which it returns encoded.
func (s *Reports) rowOf(r domain.IncidentReport) (reportRow, encodedChecklist, error) {
	row, err := toRow(r)
	if err != nil {
		return reportRow{}, encodedChecklist{}, err
	}
	list, err := s.lists.encode(r.Checklist)
	if err != nil {
		return reportRow{}, encodedChecklist{}, err
	}
	list.name(&row)
	return row, list, nil
}

// errAskFirst rolls back a Create that found an open report of the same
// incident the person has not chosen about: nothing is stored, the
// idempotency key included, so that the answer with a choice may reuse it.
var errAskFirst = errors.New("ask first")

// Create stores a new report with its effects in one transaction. The
// idempotency key is claimed first (a concurrent request with the same key
// waits for this one); the open report of the same incident, if any, is
// locked, and domain.ResolveLink decides with choice whether the report is
// stored, linked to it, or answered back as a candidate. The unique index
// of one open report per incident makes concurrent reports of one incident
// find each other. A report that needs no choice (no key, no link choice,
// one event and no deadline steps) is first offered to the group commit,
// which stores it with the reports filed at the same time when its incident
// has no open report, and otherwise leaves it to this transaction.
func (s *Reports) Create(ctx context.Context, r domain.IncidentReport, key *app.IdempotencyKey, eff tracking.Effects, by string, choice domain.LinkChoice) (app.Created, error) {
	if key == nil && choice == (domain.LinkChoice{}) && len(eff.Steps) == 0 && len(eff.Events) == 1 {
		e, err := s.newGroupEntry(ctx, r, eff.Events[0])
		if err != nil {
			return app.Created{}, err
		}
		s.group.store(ctx, e)
		if !e.alone {
			return e.out, e.err
		}
	}
	return s.createAlone(ctx, r, key, eff, by, choice)
}

// createAlone is Create in a transaction of its own.
func (s *Reports) createAlone(ctx context.Context, r domain.IncidentReport, key *app.IdempotencyKey, eff tracking.Effects, by string, choice domain.LinkChoice) (app.Created, error) {
	var out app.Created
	var list encodedChecklist
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		out, list = app.Created{}, encodedChecklist{}
		if key != nil {
			replayed, err := claimKey(tx, *key, &out)
			if err != nil || replayed {
				if replayed {
					out.File, err = load(tx, out.File.Report.ID)
				}
				return tracking.Effects{}, err
			}
		}
		row, encoded, err := s.rowOf(r)
		if err != nil {
			return tracking.Effects{}, err
		}
		id := r.ID
		candidate, err := openCandidate(tx, row)
		if err != nil {
			return tracking.Effects{}, err
		}
		action, err := domain.ResolveLink(candidate, choice)
		if err != nil {
			return tracking.Effects{}, err
		}
		inserted := false
		if action == domain.StoreNew {
			row.DistinctFrom = candidate
			if err := s.lists.ensureStored(tx, encoded); err != nil {
				return tracking.Effects{}, err
			}
			list = encoded
			res := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "policy_number"}, {Name: "insured_name"}, {Name: "incident_type"}, {Name: "incident_date"}},
				TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{
					SQL: "incident_date IS NOT NULL AND claim_closed_at IS NULL AND distinct_from = ''"}}},
				DoNothing: true,
			}, clause.Returning{}).Create(&row)
			if res.Error != nil {
				return tracking.Effects{}, fmt.Errorf("store report: %w", res.Error)
			}
			inserted = res.RowsAffected == 1
			if res.RowsAffected == 0 {
				// A concurrent report of the same incident was stored
				// first: the choice is asked about it.
				if candidate, err = openCandidate(tx, row); err != nil {
					return tracking.Effects{}, err
				}
				if action, err = domain.ResolveLink(candidate, choice); err != nil {
					return tracking.Effects{}, err
				}
			}
		}
		switch action {
		case domain.AskFirst:
			f, err := load(tx, candidate)
			if err != nil {
				return tracking.Effects{}, err
			}
			out.Candidate = &f
			return tracking.Effects{}, errAskFirst
		case domain.LinkToCandidate:
			id, out.Linked, eff = candidate, true, tracking.Effects{}
			if err := tx.Create(&linkRow{ReportID: id, ReporterName: r.Reporter.Name, ReporterRole: string(r.Reporter.Role),
				ReporterRelation: string(r.Reporter.Relation), Description: r.Description, ClaimedAmountFen: r.ClaimedAmountFen,
				LinkedBy: by, LinkedAt: r.ReportedAt}).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("link report: %w", err)
			}
		}
		if key != nil {
			if err := tx.Model(&idempotencyRow{}).Where("principal = ? AND key = ?", key.Principal, key.Key).
				Updates(map[string]any{"report_id": id, "linked": out.Linked}).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("store idempotency key: %w", err)
			}
		}
		if !out.Linked {
			// A report stored by this transaction has no links, documents,
			// waivers or notices yet: its row, as the insert returned it,
			// and the checklist it was given are the whole file (no read
			// at all rather than five).
			if !inserted {
				out.File, err = load(tx, id)
				return eff, err
			}
			stored := row
			stored.Checklist = nil
			if out.File.Report, err = stored.toDomain(); err != nil {
				return tracking.Effects{}, err
			}
			out.File.Report.Checklist = r.Checklist
			return eff, nil
		}
		out.File, err = load(tx, id)
		return eff, err
	})
	if errors.Is(err, errAskFirst) {
		return app.Created{Candidate: out.Candidate}, nil
	}
	if err != nil {
		return app.Created{}, err
	}
	if list.id != "" {
		s.lists.remember(list.id)
	}
	return out, nil
}

// openCandidate locks and returns the id of the open report of row's
// incident (its claim neither rejected nor paid), the oldest when there are
// more (reports confirmed as other incidents); empty when there is none
// or row has no incident date.
func openCandidate(tx *gorm.DB, row reportRow) (string, error) {
	if row.IncidentDate == nil {
		return "", nil
	}
	var found []reportRow
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").
		Where("policy_number = ? AND insured_name = ? AND incident_type = ? AND incident_date = ? AND claim_closed_at IS NULL",
			row.PolicyNumber, row.InsuredName, row.IncidentType, *row.IncidentDate).
		Order("reported_at, id").Limit(1).Find(&found).Error
	if err != nil {
		return "", fmt.Errorf("find the open report of the same incident: %w", err)
	}
	if len(found) == 0 {
		return "", nil
	}
	return found[0].ID, nil
}

// CloseClaim records the closure of a report's claim, once per event; a
// claim closed before keeps its first closure. The event's inbox receipt
// (inboxpg's row) and the closure are one statement, so they commit
// together without a transaction of their own, or with the consumer's
// batch: the closure is written only when the receipt is new.
func (s *Reports) CloseClaim(ctx context.Context, receipt inbox.Receipt, c domain.Closure) error {
	err := s.db.WithContext(ctx).Exec(`WITH receipt AS (
			INSERT INTO inbox (consumer, event_id, event_type, claim_id, processed_at) SELECT ?, ?, ?, ?, ? WHERE ?
			ON CONFLICT DO NOTHING RETURNING 1)
		UPDATE incident_reports SET claim_closed_at = ?, claim_closure = ?
		WHERE claim_id = ? AND claim_closed_at IS NULL AND (EXISTS (SELECT 1 FROM receipt) OR ?)`,
		receipt.Consumer, receipt.EventID, receipt.EventType, receipt.ClaimID, time.Now().UTC(), !receipt.IsZero(),
		c.At, c.Kind, c.ClaimID, receipt.IsZero()).Error
	if err != nil {
		return fmt.Errorf("record the claim's closure: %w", err)
	}
	return nil
}

// Get returns a claim file, read by one statement (one snapshot).
func (s *Reports) Get(ctx context.Context, id string) (domain.ClaimFile, error) {
	return load(s.db.WithContext(ctx), id)
}

// GetByClaim returns the claim file of a claim number.
func (s *Reports) GetByClaim(ctx context.Context, claimID string) (domain.ClaimFile, error) {
	stored, found, err := readFile(s.db.WithContext(ctx), fileByClaimID, claimID)
	if err != nil {
		return domain.ClaimFile{}, err
	}
	if !found {
		return domain.ClaimFile{}, apperr.New(apperr.NotFound, "no incident report of claim %q", claimID)
	}
	f, _, err := stored.claimFile()
	return f, err
}

// load reads a claim file with db (a transaction holding the report's lock,
// or the pool) in one statement.
func load(db *gorm.DB, id string) (domain.ClaimFile, error) {
	stored, found, err := readFile(db, fileByID, id)
	if err != nil {
		return domain.ClaimFile{}, err
	}
	if !found {
		return domain.ClaimFile{}, apperr.New(apperr.NotFound, "no incident report with id %q", id)
	}
	f, _, err := stored.claimFile()
	return f, err
}

// updateAttempts bounds how often Update tries again after a document
// changed under it.
const updateAttempts = 5

// Update changes a claim file under the report's row lock and stores what
// changed with the effects, in one transaction. Documents are also changed
// by readers taking them, without that lock: a document changed meanwhile
// makes the transaction roll back and start again with what is stored.
func (s *Reports) Update(ctx context.Context, id string, change func(*domain.ClaimFile) (tracking.Effects, error)) (domain.ClaimFile, error) {
	for attempt := 1; ; attempt++ {
		f, err := s.update(ctx, id, change)
		if errors.Is(err, errDocumentChanged) && attempt < updateAttempts {
			continue
		}
		if errors.Is(err, errDocumentChanged) {
			return domain.ClaimFile{}, apperr.New(apperr.Conflict, "the documents of report %s keep changing; try again", id)
		}
		return f, err
	}
}

func (s *Reports) update(ctx context.Context, id string, change func(*domain.ClaimFile) (tracking.Effects, error)) (domain.ClaimFile, error) {
	var result domain.ClaimFile
	var list encodedChecklist
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		// The report's row is locked and the file read above the lock, in
		// one statement: documents, which readers change without the lock,
		// with the versions they had at that read.
		stored, found, err := readFile(tx, fileLocked, id)
		if err != nil {
			return tracking.Effects{}, err
		}
		if !found {
			return tracking.Effects{}, apperr.New(apperr.NotFound, "no incident report with id %q", id)
		}
		f, versions, err := stored.claimFile()
		if err != nil {
			return tracking.Effects{}, err
		}
		was, err := toRow(f.Report)
		if err != nil {
			return tracking.Effects{}, err
		}
		// The checklist as the row holds it: a shared one by its id, or
		// its own (a report stored before migration 0012).
		was.ChecklistID, was.Checklist = stored.report.ChecklistID, nil
		if was.ChecklistID == nil {
			was.Checklist = stored.report.Checklist
		}
		before, err := s.lists.encode(f.Report.Checklist)
		if err != nil {
			return tracking.Effects{}, err
		}
		counts := countsOf(f)
		eff, err := change(&f)
		if err != nil {
			return tracking.Effects{}, err
		}
		row, encoded, err := s.rowOf(f.Report)
		if err != nil {
			return tracking.Effects{}, err
		}
		if encoded.id == before.id {
			// The same checklist: the row keeps it as it holds it.
			row.ChecklistID, row.Checklist = was.ChecklistID, was.Checklist
		} else {
			// Another checklist (the fast channel taken): the report
			// names it, stored first, and holds no copy of its own.
			if err := s.lists.ensureStored(tx, encoded); err != nil {
				return tracking.Effects{}, err
			}
			list = encoded
		}
		if err := save(tx, was, row, counts, f, versions); err != nil {
			return tracking.Effects{}, err
		}
		f.Changed = domain.Changes{}
		result = f
		return eff, nil
	})
	if err != nil {
		return domain.ClaimFile{}, err
	}
	if list.id != "" {
		s.lists.remember(list.id)
	}
	return result, nil
}
