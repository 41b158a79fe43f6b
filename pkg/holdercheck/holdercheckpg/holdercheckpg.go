// Package holdercheckpg is the development and test stand-in for a bank's
// account-holder verification: a register of accounts in the asking
// service's own database (schema holdersim), written by tests and the
// benchmarks as a bank opens accounts, never by the service.
package holdercheckpg

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"claims.local/pkg/holdercheck"
	"claims.local/pkg/postgres"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the schema of the simulator's register of accounts.
func Migrations() ([]postgres.Migration, error) {
	return postgres.MigrationsFromFS(migrationFS, "migrations", "holdersim")
}

// Simulator answers account-holder verifications as a bank does, from its
// register (holdersim.accounts: account number, holder's name, the
// holder's resident ID number if known): match when the account is
// registered under exactly the name asked about (and the ID number, when
// both the question and the register have one), no match otherwise, an
// account it does not hold included. It never answers match for an
// account nobody registered: a check that cannot fail proves nothing.
// Development and tests only (INTAKE_HOLDER_CHECK, PAYOUT_HOLDER_CHECK =
// simulator).
type Simulator struct {
	db *gorm.DB
}

// NewSimulator returns a simulator reading its register in db.
func NewSimulator(db *gorm.DB) *Simulator { return &Simulator{db: db} }

type accountRow struct {
	AccountNumber string `gorm:"primaryKey"`
	HolderName    string
	IDNumber      string
}

func (accountRow) TableName() string { return "holdersim.accounts" }

// Verify implements holdercheck.Verifier.
func (s *Simulator) Verify(ctx context.Context, q holdercheck.Query) (holdercheck.Answer, error) {
	var rows []accountRow
	if err := s.db.WithContext(ctx).Where("account_number = ?", q.AccountNumber).Limit(1).Find(&rows).Error; err != nil {
		return holdercheck.Answer{}, fmt.Errorf("account-holder simulator: %w", err)
	}
	no := holdercheck.Answer{Result: holdercheck.NoMatch}
	if len(rows) == 0 || q.Name == "" || rows[0].HolderName != q.Name {
		return no, nil
	}
	if q.IDNumber != "" && rows[0].IDNumber != "" && !strings.EqualFold(q.IDNumber, rows[0].IDNumber) {
		return no, nil
	}
	ref := make([]byte, 8)
	_, _ = rand.Read(ref)
	return holdercheck.Answer{Result: holdercheck.Match, Reference: "SIM-" + hex.EncodeToString(ref)}, nil
}
