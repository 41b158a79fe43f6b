package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/catastrophe"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
)

// visitRow is a row of site_visits, its columns grouped by kind (ID is the
// primary key).
type visitRow struct {
	ID, ClaimID, CaseID, State, Reason, Note string
	Address, ContactName, ContactPhone       string
	RequestedBy, UpdatedBy                   string
	CreatedAt, UpdatedAt                     time.Time
	ScheduledFor                             *time.Time
	Version                                  int
}

func (visitRow) TableName() string { return "site_visits" }

func toVisitRow(v domain.Visit) visitRow {
	return visitRow{ID: v.ID, ClaimID: v.ClaimID, CaseID: v.CaseID, Address: v.Address, ContactName: v.ContactName,
		ContactPhone: v.ContactPhone, State: v.State, Reason: v.Reason, Note: v.Note, ScheduledFor: v.ScheduledFor,
		RequestedBy: v.RequestedBy, CreatedAt: v.CreatedAt, UpdatedBy: v.UpdatedBy, UpdatedAt: v.UpdatedAt, Version: v.Version}
}

func (r visitRow) toDomain() domain.Visit {
	v := domain.Visit{ID: r.ID, ClaimID: r.ClaimID, CaseID: r.CaseID, Address: r.Address, ContactName: r.ContactName,
		ContactPhone: r.ContactPhone, State: r.State, Reason: r.Reason, Note: r.Note, RequestedBy: r.RequestedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version}
	if r.ScheduledFor != nil {
		at := r.ScheduledFor.UTC()
		v.ScheduledFor = &at
	}
	return v
}

// storeVisits inserts new visits inside tx.
func storeVisits(tx *gorm.DB, visits []domain.Visit) error {
	for _, v := range visits {
		row := toVisitRow(v)
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("store site visit: %w", err)
		}
	}
	return nil
}

// Visits is the PostgreSQL implementation of app.Visits.
type Visits struct {
	db   *gorm.DB
	work *uow.UnitOfWork
}

// NewVisits returns the repository of site visits.
func NewVisits(db *gorm.DB) *Visits { return &Visits{db: db, work: uow.New(db, nil, nil)} }

// List returns visits, oldest first, up to f.Limit (1 to 500, else 100).
func (s *Visits) List(ctx context.Context, f app.VisitFilter) ([]domain.Visit, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := s.db.WithContext(ctx).Order("created_at, id").Limit(limit)
	if f.ClaimID != "" {
		q = q.Where("claim_id = ?", f.ClaimID)
	}
	if len(f.States) > 0 {
		q = q.Where("state IN ?", f.States)
	}
	var rows []visitRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list site visits: %w", err)
	}
	out := make([]domain.Visit, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// Update changes visit id under a row lock.
func (s *Visits) Update(ctx context.Context, id string, change func(*domain.Visit) error) (domain.Visit, error) {
	var out domain.Visit
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		var row visitRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return tracking.Effects{}, apperr.New(apperr.NotFound, "no site visit %q", id)
		}
		if err != nil {
			return tracking.Effects{}, fmt.Errorf("load site visit: %w", err)
		}
		v := row.toDomain()
		if err := change(&v); err != nil {
			return tracking.Effects{}, err
		}
		next := toVisitRow(v)
		if err := tx.Select("*").Save(&next).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("store site visit: %w", err)
		}
		out = v
		return tracking.Effects{}, nil
	})
	return out, err
}

type catastropheRow struct {
	Code       string `gorm:"primaryKey"`
	State      []byte
	Active     bool
	Version    int
	DeclaredAt time.Time
	UpdatedAt  time.Time
}

func (catastropheRow) TableName() string { return "catastrophes" }

type switchRow struct {
	Seq     int64 `gorm:"primaryKey"`
	Code    string
	Version int
	Action  string
	Actor   string
	Reason  string
	At      time.Time
	Active  bool
	State   []byte
}

func (switchRow) TableName() string { return "catastrophe_switches" }

// Catastrophes is the PostgreSQL implementation of app.CatastropheStore.
// A catastrophe is kept as its state event's data (the contract every
// service reads), with its audit in catastrophe_switches.
type Catastrophes struct {
	db   *gorm.DB
	work *uow.UnitOfWork
}

// NewCatastrophes returns the repository; afterCommit (may be nil) wakes
// the outbox relay.
func NewCatastrophes(db *gorm.DB, afterCommit func()) *Catastrophes {
	return &Catastrophes{db: db, work: uow.New(db, nil, afterCommit)}
}

// write stores c and the audit entry of action inside tx, and returns e as
// the effect to store with them.
func write(tx *gorm.DB, c catastrophe.Catastrophe, action string, e events.Outgoing, create bool) (tracking.Effects, error) {
	state, err := json.Marshal(c.State())
	if err != nil {
		return tracking.Effects{}, err
	}
	row := catastropheRow{Code: c.Code, State: state, Active: c.Active, Version: c.Version, DeclaredAt: c.DeclaredAt, UpdatedAt: c.DeclaredAt}
	entry := switchRow{Code: c.Code, Version: c.Version, Action: action, Actor: c.DeclaredBy, Reason: "declared", At: c.DeclaredAt,
		Active: c.Active, State: state}
	if c.SwitchedAt != nil {
		row.UpdatedAt = *c.SwitchedAt
		entry.Actor, entry.Reason, entry.At = c.SwitchedBy, c.SwitchReason, *c.SwitchedAt
	}
	if create {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return tracking.Effects{}, fmt.Errorf("store catastrophe: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return tracking.Effects{}, apperr.New(apperr.Conflict, "catastrophe %s is already declared", c.Code)
		}
	} else if err := tx.Select("*").Save(&row).Error; err != nil {
		return tracking.Effects{}, fmt.Errorf("store catastrophe: %w", err)
	}
	if err := tx.Create(&entry).Error; err != nil {
		return tracking.Effects{}, fmt.Errorf("audit catastrophe: %w", err)
	}
	return tracking.Effects{Events: []events.Outgoing{e}}, nil
}

func (r catastropheRow) toDomain() (catastrophe.Catastrophe, error) {
	var d events.CatastropheStateData
	if err := json.Unmarshal(r.State, &d); err != nil {
		return catastrophe.Catastrophe{}, fmt.Errorf("catastrophe %s: %w", r.Code, err)
	}
	return catastrophe.FromState(d)
}

// Declare stores a new catastrophe with its declaration and state event.
func (s *Catastrophes) Declare(ctx context.Context, c catastrophe.Catastrophe, e events.Outgoing) error {
	return s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		return write(tx, c, app.CatastropheDeclared, e, true)
	})
}

// Switch changes catastrophe code under a row lock.
func (s *Catastrophes) Switch(ctx context.Context, code string, change func(catastrophe.Catastrophe) (catastrophe.Catastrophe, events.Outgoing, error)) (catastrophe.Catastrophe, error) {
	var out catastrophe.Catastrophe
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		c, err := s.get(tx.Clauses(clause.Locking{Strength: "UPDATE"}), code)
		if err != nil {
			return tracking.Effects{}, err
		}
		next, e, err := change(c)
		if err != nil {
			return tracking.Effects{}, err
		}
		action := app.CatastropheDeactivated
		if next.Active {
			action = app.CatastropheActivated
		}
		out = next
		return write(tx, next, action, e, false)
	})
	if err != nil {
		return catastrophe.Catastrophe{}, err
	}
	return out, nil
}

func (s *Catastrophes) get(q *gorm.DB, code string) (catastrophe.Catastrophe, error) {
	var row catastropheRow
	err := q.Where("code = ?", code).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return catastrophe.Catastrophe{}, apperr.New(apperr.NotFound, "no catastrophe %q", code)
	}
	if err != nil {
		return catastrophe.Catastrophe{}, fmt.Errorf("load catastrophe: %w", err)
	}
	return row.toDomain()
}

// Get returns catastrophe code.
func (s *Catastrophes) Get(ctx context.Context, code string) (catastrophe.Catastrophe, error) {
	return s.get(s.db.WithContext(ctx), code)
}

// List returns every catastrophe, the latest declared first.
func (s *Catastrophes) List(ctx context.Context) ([]catastrophe.Catastrophe, error) {
	var rows []catastropheRow
	if err := s.db.WithContext(ctx).Order("declared_at DESC, code").Limit(1000).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list catastrophes: %w", err)
	}
	return postgres.FromRows(rows, catastropheRow.toDomain)
}

// Switches returns the audit of catastrophe code, oldest first.
func (s *Catastrophes) Switches(ctx context.Context, code string) ([]app.CatastropheChange, error) {
	db := s.db.WithContext(ctx)
	if _, err := s.get(db, code); err != nil {
		return nil, err
	}
	var rows []switchRow
	if err := db.Where("code = ?", code).Order("version").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read catastrophe audit: %w", err)
	}
	out := make([]app.CatastropheChange, len(rows))
	for i, r := range rows {
		out[i] = app.CatastropheChange{Version: r.Version, Action: r.Action, Actor: r.Actor, Reason: r.Reason, At: r.At.UTC(), Active: r.Active}
	}
	return out, nil
}
