package adapters

import (
	"context"
	"net/http"

	"gorm.io/gorm"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/holdercheck"
	"claims.local/pkg/holdercheck/holdercheckpg"
	"claims.local/pkg/postgres"
)

// HolderSimulatorMigrations is the schema of the account-holder
// verification simulator's register in payout's database (intake keeps
// one of its own).
func HolderSimulatorMigrations() ([]postgres.Migration, error) { return holdercheckpg.Migrations() }

// Holders is app.HolderVerifier over the payee's bank's account-holder
// verification (pkg/holdercheck): its HTTP service, or the development
// register.
type Holders struct {
	bank holdercheck.Verifier
}

// NewHolderSimulator returns the verifier answering from the register in
// db (PAYOUT_HOLDER_CHECK=simulator; development and tests only).
func NewHolderSimulator(db *gorm.DB) Holders { return Holders{bank: holdercheckpg.NewSimulator(db)} }

// NewHolderHTTP returns the verifier asking the bank's service at base.
func NewHolderHTTP(base string, client *http.Client) Holders {
	return Holders{bank: holdercheck.NewHTTP(base, client)}
}

// Verify implements app.HolderVerifier.
func (h Holders) Verify(ctx context.Context, accountNumber, name string) (domain.HolderCheck, error) {
	a, err := h.bank.Verify(ctx, holdercheck.Query{AccountNumber: accountNumber, Name: name})
	if err != nil {
		return domain.HolderCheck{}, err
	}
	return domain.HolderCheck{Result: a.Result, Reference: a.Reference}, nil
}
