package adapters

import (
	"context"
	"fmt"
	"time"

	"claims.local/intake/internal/app"
)

// The OCR job queue: uploaded documents wait in the documents table until a
// reader takes them.

// TakeDocument leases the document that has waited longest: pending, or
// being read by a reader whose lease ran out. The row is taken with FOR
// UPDATE SKIP LOCKED, so readers in every instance share the queue without
// waiting for each other; the take is counted (domain.MaxReadAttempts).
func (s *Reports) TakeDocument(ctx context.Context, now time.Time, lease time.Duration) (app.DocumentJob, bool, error) {
	var jobs []struct {
		ID       string
		ReportID string
		SHA256   string `gorm:"column:sha256"`
		Attempts int
	}
	err := s.db.WithContext(ctx).Raw(`
		UPDATE documents d SET state = 'reading', attempts = d.attempts + 1, lease_until = ?, version = d.version + 1
		FROM (SELECT id FROM documents
		      WHERE state = 'pending' OR (state = 'reading' AND lease_until < ?)
		      ORDER BY uploaded_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) next
		WHERE d.id = next.id
		RETURNING d.id, d.report_id, d.sha256, d.attempts`, now.Add(lease), now).Scan(&jobs).Error
	if err != nil {
		return app.DocumentJob{}, false, fmt.Errorf("take a document: %w", err)
	}
	if len(jobs) == 0 {
		return app.DocumentJob{}, false, nil
	}
	j := jobs[0]
	return app.DocumentJob{DocumentID: j.ID, ReportID: j.ReportID, SHA256: j.SHA256, Attempt: j.Attempts}, true, nil
}
