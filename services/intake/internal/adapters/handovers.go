package adapters

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

// HandOvers is the PostgreSQL implementation of app.HandOvers: the record
// of hand-overs the database keeps whatever wrote them (intake migration
// 0016), adjudication's receipts and the alarms raised.
type HandOvers struct {
	db      *gorm.DB
	work    *uow.UnitOfWork
	tracker *tracking.Tracker
}

// NewHandOvers returns the record over db; afterCommit (may be nil) wakes
// the outbox relay; tracker takes back the R3 steps an alarm finds
// unproven.
func NewHandOvers(db *gorm.DB, afterCommit func(), tracker *tracking.Tracker) *HandOvers {
	if afterCommit == nil {
		afterCommit = func() {}
	}
	return &HandOvers{db: db, work: uow.New(db, tracker, afterCommit), tracker: tracker}
}

// handOverRow is a row of report_handovers.
type handOverRow struct {
	Seq          int64
	ReportID     string
	ClaimID      string
	HandedOverAt time.Time
	Role         string
	Xid          int64
	RecordedAt   time.Time
}

// Recorded reads the hand-overs mark has not read, as
// trackingpg.Store.CheckMoves reads the moves of a due: every one above
// its sequence number and every one written by a transaction from its
// XMin on (one open at the last read may commit a lower number later).
// The zero mark reads those recorded from since on.
func (s *HandOvers) Recorded(ctx context.Context, mark app.HandOverMark, since time.Time) ([]app.HandOver, app.HandOverMark, error) {
	next := mark
	var out []app.HandOver
	err := postgres.ReadOnly(ctx, s.db, func(tx *gorm.DB) error {
		var snap struct{ XMin, Top int64 }
		if err := tx.Raw(`SELECT txid_snapshot_xmin(txid_current_snapshot()) AS x_min,
			COALESCE((SELECT max(seq) FROM report_handovers), 0) AS top`).Scan(&snap).Error; err != nil {
			return fmt.Errorf("hand-overs: snapshot: %w", err)
		}
		q, args := `SELECT * FROM report_handovers WHERE recorded_at >= ? ORDER BY seq`, []any{since.UTC()}
		if mark != (app.HandOverMark{}) {
			q, args = `SELECT * FROM report_handovers WHERE seq > ? OR xid >= ? ORDER BY seq`, []any{mark.Seq, mark.XMin}
		}
		var rows []handOverRow
		if err := tx.Raw(q, args...).Scan(&rows).Error; err != nil {
			return fmt.Errorf("hand-overs: %w", err)
		}
		next = app.HandOverMark{Seq: max(snap.Top, mark.Seq), XMin: snap.XMin}
		for _, r := range rows {
			next.Seq = max(next.Seq, r.Seq)
			out = append(out, app.HandOver{Seq: r.Seq, ReportID: r.ReportID, ClaimID: r.ClaimID, HandedOverAt: r.HandedOverAt.UTC(),
				Role: r.Role, TxID: r.Xid, RecordedAt: r.RecordedAt.UTC()})
		}
		return nil
	})
	if err != nil {
		return nil, mark, err
	}
	return out, next, nil
}

// Receipts returns the receipts stored for the claims, by claim.
func (s *HandOvers) Receipts(ctx context.Context, claimIDs []string) (map[string][]events.Envelope, error) {
	out := map[string][]events.Envelope{}
	if len(claimIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		ClaimID  string
		Envelope []byte
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT claim_id, envelope FROM handover_receipts WHERE claim_id IN ?`, claimIDs).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("hand-over receipts: %w", err)
	}
	for _, r := range rows {
		var e events.Envelope
		if err := json.Unmarshal(r.Envelope, &e); err != nil {
			// A row that is no envelope confirms nothing.
			continue
		}
		out[r.ClaimID] = append(out[r.ClaimID], e)
	}
	return out, nil
}

// StoreReceipt stores a receipt once per event id.
func (s *HandOvers) StoreReceipt(ctx context.Context, e events.Envelope, claimID, reportID string) error {
	// The data's bytes as signed: no HTML escaping (json.Marshal's would
	// rewrite a signed <, > or &).
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return err
	}
	row := map[string]any{"event_id": e.ID, "claim_id": claimID, "report_id": reportID, "envelope": raw.Bytes()}
	if err := s.db.WithContext(ctx).Table("handover_receipts").Clauses(clause.OnConflict{DoNothing: true}).Create(row).Error; err != nil {
		return fmt.Errorf("store hand-over receipt: %w", err)
	}
	return nil
}

// Unconfirmed raises h's alarm once: under the lock of h's report, unless
// its alarm is recorded, act decides on the claim file; its events, the
// alarm's record and, when act says so, the taking back of the step that
// met the claim's R3 deadline with the report's hand-over
// (trackingpg.TakeBackStep) are stored in one transaction.
func (s *HandOvers) Unconfirmed(ctx context.Context, h app.HandOver, now time.Time, act app.HandOverAct) (app.HandOverAlarm, error) {
	var alarm app.HandOverAlarm
	err := s.work.Do(ctx, func(tx *gorm.DB) (tracking.Effects, error) {
		alarm = app.HandOverAlarm{}
		stored, found, err := readFile(tx, fileLocked, h.ReportID)
		if err != nil {
			return tracking.Effects{}, err
		}
		var alarmed []int64
		if err := tx.Raw(`SELECT handover_seq FROM handover_alarms WHERE handover_seq = ?`, h.Seq).Scan(&alarmed).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("hand-over alarm: %w", err)
		}
		if len(alarmed) > 0 {
			return tracking.Effects{}, nil
		}
		var f *domain.ClaimFile
		if found {
			file, _, err := stored.claimFile()
			if err != nil {
				return tracking.Effects{}, err
			}
			f = &file
		}
		d, err := act(f)
		if err != nil {
			return tracking.Effects{}, err
		}
		alarm = app.HandOverAlarm{Raised: true, Action: d.Action}
		if d.TakeBack {
			if _, alarm.TookBack, err = trackingpg.TakeBackStep(tx, s.tracker, h.ClaimID, deadline.MissingDocumentsNotice,
				domain.HandOverEvidence(h.ReportID), now); err != nil {
				return tracking.Effects{}, err
			}
		}
		if err := tx.Exec(`INSERT INTO handover_alarms (handover_seq, action, raised_at) VALUES (?, ?, ?)`, h.Seq, d.Action, now.UTC()).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("hand-over alarm: %w", err)
		}
		return tracking.Effects{Events: d.Events}, nil
	})
	return alarm, err
}
