package adapters

import (
	"context"
	"net/http"

	"gorm.io/gorm"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/holdercheck"
	"claims.local/pkg/holdercheck/holdercheckpg"
	"claims.local/pkg/postgres"
)

// HolderSimulatorMigrations is the schema of the simulator's register of
// accounts in intake's database.
func HolderSimulatorMigrations() ([]postgres.Migration, error) { return holdercheckpg.Migrations() }

// Holders is app.HolderVerifier over the payee's bank's account-holder
// verification (pkg/holdercheck): its HTTP service, or the development
// register.
type Holders struct {
	bank holdercheck.Verifier
}

// NewHolderSimulator returns the verifier answering from the register in
// db (INTAKE_HOLDER_CHECK=simulator; development and tests only).
func NewHolderSimulator(db *gorm.DB) Holders { return Holders{bank: holdercheckpg.NewSimulator(db)} }

// NewHolderHTTP returns the verifier asking the bank's service at base.
func NewHolderHTTP(base string, client *http.Client) Holders {
	return Holders{bank: holdercheck.NewHTTP(base, client)}
}

// Verify implements app.HolderVerifier.
func (h Holders) Verify(ctx context.Context, q app.HolderQuery) (domain.HolderCheck, error) {
	a, err := h.bank.Verify(ctx, holdercheck.Query{AccountNumber: q.AccountNumber, Name: q.Name, IDNumber: q.IDNumber})
	if err != nil {
		return domain.HolderCheck{}, err
	}
	return domain.HolderCheck{Result: a.Result, Reference: a.Reference}, nil
}
