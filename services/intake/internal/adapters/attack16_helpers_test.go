package adapters_test

import (
	"time"

	"gorm.io/gorm"

	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/deadline"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
	"claims.local/pkg/tracking/trackingtest"
)

// deadlineStore is intake's deadline store as the service runs it: the
// steps its monitor reads proven by its witness.
func deadlineStore(db *gorm.DB) *trackingpg.Store {
	return trackingtest.Store(db, adapters.DeadlineWitness{})
}

// noticeSent is the step that meets the R3 deadline of r's claim when its
// notice n is sent at at, with its evidence.
func noticeSent(r domain.IncidentReport, n domain.Notice, at time.Time) tracking.Step {
	return tracking.Complete(tracking.ClaimSubject(r.ClaimID), deadline.MissingDocumentsNotice, at).Proven(domain.NoticeEvidence(r.ID, n.Seq))
}
