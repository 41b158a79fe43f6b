package adapters

import (
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/intake/internal/app"
	"claims.local/pkg/apperr"
)

// idempotencyRow is the answer to a report request sent with an
// Idempotency-Key, per principal and key.
type idempotencyRow struct {
	Principal     string `gorm:"primaryKey"`
	Key           string `gorm:"primaryKey"`
	RequestSHA256 string `gorm:"column:request_sha256"`
	ReportID      *string
	Linked        bool
	CreatedAt     time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// claimKey records key inside tx, or finds it recorded: then it reports
// true with the stored answer's report id and link in out (a conflict when
// the request differs).
func claimKey(tx *gorm.DB, key app.IdempotencyKey, out *app.Created) (bool, error) {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&idempotencyRow{
		Principal: key.Principal, Key: key.Key, RequestSHA256: key.RequestHash, CreatedAt: time.Now().UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("store idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return false, nil
	}
	var stored idempotencyRow
	if err := tx.Where("principal = ? AND key = ?", key.Principal, key.Key).Take(&stored).Error; err != nil {
		return false, fmt.Errorf("load idempotency key: %w", err)
	}
	if stored.RequestSHA256 != key.RequestHash || stored.ReportID == nil {
		return false, &apperr.Error{Code: apperr.Conflict, Field: "Idempotency-Key",
			Message: "this Idempotency-Key was used with another request; use a new key for a new report"}
	}
	out.Replayed, out.Linked = true, stored.Linked
	out.File.Report.ID = *stored.ReportID
	return true, nil
}
