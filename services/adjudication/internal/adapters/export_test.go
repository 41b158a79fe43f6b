package adapters

import (
	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
)

// StoreAt runs store for the change from before to c against the case's
// row at version, on db as it is (outside a transaction when db is the
// pool): what the one statement of caseWrite does on its own, without the
// rollback of a unit of work around it.
func StoreAt(db *gorm.DB, version int, before, c domain.Case) error {
	return store(db, caseRow{ID: before.ID, Version: version}, before, c)
}
