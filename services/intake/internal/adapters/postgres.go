// Package adapters holds intake's PostgreSQL repository, the checklist
// files, the file store and the OCR reader.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
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
	db   *gorm.DB
	work *uow.UnitOfWork
}

// NewReports returns the repository; afterCommit (may be nil) wakes the
// outbox relay; deadlines applies the deadline steps of the use cases.
func NewReports(db *gorm.DB, afterCommit func(), deadlines *tracking.Tracker) *Reports {
	return &Reports{db: db, work: uow.New(db, deadlines, afterCommit)}
}

// Create stores a new report with its effects in one transaction. The
// idempotency key is claimed first (a concurrent request with the same key
// waits for this one); the report is inserted unless the unique index of
// one report per incident finds the same incident, which is then locked and
// linked.
func (s *Reports) Create(ctx context.Context, r domain.IncidentReport, key *app.IdempotencyKey, eff tracking.Effects, by string) (app.Created, error) {
	var out app.Created
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		out = app.Created{}
		if key != nil {
			replayed, err := claimKey(tx, *key, &out)
			if err != nil || replayed {
				if replayed {
					out.File, err = load(tx, out.File.Report.ID)
				}
				return tracking.Effects{}, err
			}
		}
		row, err := toRow(r)
		if err != nil {
			return tracking.Effects{}, err
		}
		res := tx.Clauses(clause.OnConflict{
			Columns:     []clause.Column{{Name: "policy_number"}, {Name: "insured_name"}, {Name: "incident_type"}, {Name: "incident_date"}},
			TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "incident_date IS NOT NULL"}}},
			DoNothing:   true,
		}).Create(&row)
		if res.Error != nil {
			return tracking.Effects{}, fmt.Errorf("store report: %w", res.Error)
		}
		id := r.ID
		if res.RowsAffected == 0 {
			var existing reportRow
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
				Where("policy_number = ? AND insured_name = ? AND incident_type = ? AND incident_date = ?",
					row.PolicyNumber, row.InsuredName, row.IncidentType, *row.IncidentDate).Take(&existing).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("load the report of the same incident: %w", err)
			}
			id, out.Linked, eff = existing.ID, true, tracking.Effects{}
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
			// waivers or notices yet: its row is the whole file (one read
			// rather than five).
			var stored reportRow
			if err := tx.Where("id = ?", id).Take(&stored).Error; err != nil {
				return tracking.Effects{}, fmt.Errorf("load report: %w", err)
			}
			out.File.Report, err = stored.toDomain()
			return eff, err
		}
		out.File, err = load(tx, id)
		return eff, err
	})
	if err != nil {
		return app.Created{}, err
	}
	return out, nil
}

// Get returns a claim file, read at one snapshot.
func (s *Reports) Get(ctx context.Context, id string) (f domain.ClaimFile, err error) {
	err = postgres.ReadOnly(ctx, s.db, func(tx *gorm.DB) (err error) {
		f, err = load(tx, id)
		return err
	})
	return f, err
}

// load reads a claim file with db (a transaction holding the report's lock,
// or the pool).
func load(db *gorm.DB, id string) (domain.ClaimFile, error) {
	var row reportRow
	err := db.Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.ClaimFile{}, apperr.New(apperr.NotFound, "no incident report with id %q", id)
	}
	if err != nil {
		return domain.ClaimFile{}, fmt.Errorf("load report: %w", err)
	}
	return loadRest(db, row)
}

// loadRest reads what a claim file holds besides its report row.
func loadRest(db *gorm.DB, row reportRow) (domain.ClaimFile, error) {
	r, err := row.toDomain()
	if err != nil {
		return domain.ClaimFile{}, err
	}
	f := domain.ClaimFile{Report: r}
	var links []linkRow
	var docs []documentRow
	var waivers []waiverRow
	var notices []noticeRow
	for _, q := range []struct {
		dest  any
		table string
		order string
	}{
		{&links, "report_links", "id"}, {&docs, "documents", "uploaded_at, id"},
		{&waivers, "checklist_waivers", "id"}, {&notices, "missing_document_notices", "seq"},
	} {
		if err := db.Where("report_id = ?", row.ID).Order(q.order).Find(q.dest).Error; err != nil {
			return domain.ClaimFile{}, fmt.Errorf("load %s: %w", q.table, err)
		}
	}
	for _, l := range links {
		f.Report.Links = append(f.Report.Links, domain.Link{By: l.LinkedBy, At: l.LinkedAt.UTC(), Description: l.Description, ClaimedAmountFen: l.ClaimedAmountFen,
			Reporter: domain.Reporter{Name: l.ReporterName, Role: domain.ReporterRole(l.ReporterRole), Relation: domain.Relation(l.ReporterRelation)}})
	}
	byID := map[string]int{}
	ids := make([]string, len(docs))
	for i, w := range docs {
		d, err := w.toDomain()
		if err != nil {
			return domain.ClaimFile{}, err
		}
		byID[d.ID], ids[i] = i, d.ID
		f.Documents = append(f.Documents, d)
	}
	if len(ids) > 0 {
		var corrections []correctionRow
		if err := db.Where("document_id IN ?", ids).Order("id").Find(&corrections).Error; err != nil {
			return domain.ClaimFile{}, fmt.Errorf("load corrections: %w", err)
		}
		for _, w := range corrections {
			c, err := w.toDomain()
			if err != nil {
				return domain.ClaimFile{}, fmt.Errorf("correction %d: %w", w.ID, err)
			}
			d := &f.Documents[byID[w.DocumentID]]
			d.Corrections = append(d.Corrections, c)
		}
	}
	for _, w := range waivers {
		f.Waivers = append(f.Waivers, domain.Waiver{ItemID: w.ItemID, Reason: w.Reason, By: w.WaivedBy, At: w.WaivedAt.UTC()})
	}
	for _, w := range notices {
		n, err := w.toDomain()
		if err != nil {
			return domain.ClaimFile{}, err
		}
		f.Notices = append(f.Notices, n)
	}
	return f, nil
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
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		var row reportRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return tracking.Effects{}, apperr.New(apperr.NotFound, "no incident report with id %q", id)
		}
		if err != nil {
			return tracking.Effects{}, fmt.Errorf("load report: %w", err)
		}
		f, err := loadRest(tx, row)
		if err != nil {
			return tracking.Effects{}, err
		}
		versions := map[string]int{}
		var vs []struct {
			ID      string
			Version int
		}
		if err := tx.Model(&documentRow{}).Select("id, version").Where("report_id = ?", id).Scan(&vs).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("load document versions: %w", err)
		}
		for _, v := range vs {
			versions[v.ID] = v.Version
		}
		was := countsOf(f)
		eff, err := change(&f)
		if err != nil {
			return tracking.Effects{}, err
		}
		if err := save(tx, was, f, versions); err != nil {
			return tracking.Effects{}, err
		}
		f.Changed = domain.Changes{}
		result = f
		return eff, nil
	})
	if err != nil {
		return domain.ClaimFile{}, err
	}
	return result, nil
}
