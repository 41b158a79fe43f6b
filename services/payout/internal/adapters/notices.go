package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/events"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/tracking"
)

// noticeRow is a notice with the event that hands it to the gateway, its
// columns grouped by kind (ID is the primary key).
type noticeRow struct {
	ID, ClaimID, ObligationID, PolicyNumber         string
	Rule, Template, ValueDate, Text                 string
	RecipientRole, RecipientName, RecipientRelation string
	Topic, EventID                                  string
	AmountFen                                       int64
	Payload                                         []byte
	CreatedAt                                       time.Time
	SentAt                                          *time.Time
}

func (noticeRow) TableName() string { return "notifications" }

func toNoticeRow(n app.Notice) (noticeRow, error) {
	payload, err := json.Marshal(n.Event.Envelope)
	if err != nil {
		return noticeRow{}, fmt.Errorf("encode notice %s: %w", n.ID, err)
	}
	return noticeRow{ID: n.ID, ClaimID: n.ClaimID, ObligationID: n.ObligationID, PolicyNumber: n.PolicyNumber, Rule: n.Rule,
		Template: n.Template, RecipientRole: n.RecipientRole, RecipientName: n.RecipientName, RecipientRelation: n.RecipientRelation,
		AmountFen: n.AmountFen, ValueDate: n.ValueDate, Text: n.Text, Topic: n.Event.Topic, EventID: n.Event.Envelope.ID,
		Payload: payload, CreatedAt: n.CreatedAt.UTC(), SentAt: n.SentAt}, nil
}

func (r noticeRow) toDomain() domain.Notice {
	return domain.Notice{ID: r.ID, ClaimID: r.ClaimID, ObligationID: r.ObligationID, PolicyNumber: r.PolicyNumber, Rule: r.Rule,
		Template: r.Template, RecipientRole: r.RecipientRole, RecipientName: r.RecipientName, RecipientRelation: r.RecipientRelation,
		AmountFen: r.AmountFen, ValueDate: r.ValueDate, Text: r.Text, CreatedAt: r.CreatedAt.UTC(), SentAt: postgres.UTC(r.SentAt)}
}

// Notices lists notices, newest first, of one claim when claimID is set.
func (s *Obligations) Notices(ctx context.Context, claimID string, limit int) ([]domain.Notice, error) {
	var rows []noticeRow
	if err := s.newest(ctx, &rows, "created_at", claimID, limit); err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	out := make([]domain.Notice, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// SendNotices is the outbox of the gateway's topic: it locks up to limit
// unsent notices in creation order (SKIP LOCKED, so two instances never
// send the same batch at once), publishes them, and only then marks them
// sent with the deadline steps sent returns. A crash after publishing sends
// them again; the gateway sends a notification id once.
func (s *Obligations) SendNotices(ctx context.Context, now time.Time, limit int, send func([]outbox.Message) error, sent func(domain.Notice) []tracking.Step) (int, error) {
	n := 0
	err := s.work.DoAt(ctx, now, func(tx *gorm.DB) (tracking.Effects, error) {
		var rows []noticeRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).Where("sent_at IS NULL").
			Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("find unsent notices: %w", err)
		}
		if len(rows) == 0 {
			return tracking.Effects{}, nil
		}
		msgs := make([]outbox.Message, len(rows))
		ids := make([]string, len(rows))
		var steps []tracking.Step
		for i, r := range rows {
			msgs[i] = outbox.Message{Topic: r.Topic, Key: r.ClaimID, EventID: r.EventID, Type: events.NotificationRequested.Name, Value: r.Payload}
			ids[i] = r.ID
			steps = append(steps, sent(r.toDomain())...)
		}
		if err := send(msgs); err != nil {
			return tracking.Effects{}, fmt.Errorf("send %d notices: %w", len(msgs), err)
		}
		if err := tx.Model(&noticeRow{}).Where("id IN ?", ids).Update("sent_at", now.UTC()).Error; err != nil {
			return tracking.Effects{}, fmt.Errorf("mark notices sent: %w", err)
		}
		n = len(rows)
		return tracking.Effects{Steps: steps}, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
