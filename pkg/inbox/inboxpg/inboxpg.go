// Package inboxpg is the PostgreSQL side of package inbox: it records
// receipts in the transaction of their effect and parks dead letters.
package inboxpg

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/pkg/inbox"
)

type row struct {
	Consumer    string `gorm:"primaryKey"`
	EventID     string `gorm:"primaryKey"`
	EventType   string
	ClaimID     string
	ProcessedAt time.Time
}

func (row) TableName() string { return "inbox" }

// Record stores r inside tx and tells whether this is the first time. When it
// returns false the caller must apply nothing: the event was already applied.
func Record(tx *gorm.DB, r inbox.Receipt) (first bool, err error) {
	if r.IsZero() {
		return true, nil
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row{
		Consumer: r.Consumer, EventID: r.EventID, EventType: r.EventType, ClaimID: r.ClaimID, ProcessedAt: time.Now().UTC(),
	})
	if res.Error != nil {
		return false, fmt.Errorf("inbox: record %s: %w", r.EventID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// DeadLetter is an event that can never be applied (malformed, or of a schema
// this consumer does not know). It is parked for a person to look at, and the
// consumer moves on.
type DeadLetter struct {
	ID             int64 `gorm:"primaryKey"`
	Consumer       string
	Topic          string
	KafkaPartition int
	KafkaOffset    int64
	MsgKey         string
	Payload        []byte
	Error          string
	CreatedAt      time.Time
}

func (DeadLetter) TableName() string { return "dead_letters" }

// Park stores d once.
func Park(db *gorm.DB, d DeadLetter) error {
	d.CreatedAt = time.Now().UTC()
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&d).Error; err != nil {
		return fmt.Errorf("inbox: park dead letter: %w", err)
	}
	return nil
}

// CountDeadLetters counts the parked messages.
func CountDeadLetters(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&DeadLetter{}).Count(&n).Error
	return n, err
}
