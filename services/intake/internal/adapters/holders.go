package adapters

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"gorm.io/gorm"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/postgres"
)

//go:embed holdersim_migrations/*.sql
var holderMigrationFS embed.FS

// HolderSimulatorMigrations is the schema of the simulator's register of
// accounts.
func HolderSimulatorMigrations() ([]postgres.Migration, error) {
	return postgres.MigrationsFromFS(holderMigrationFS, "holdersim_migrations", "holdersim")
}

// HolderSimulator answers account-holder verifications as a bank does,
// from its register (schema holdersim, table accounts: account number,
// holder's name, the holder's resident ID number if known): match when the
// account is registered under exactly the name asked about (and the ID
// number, when both the question and the register have one), no match
// otherwise, an account it does not hold included. It never answers match
// for an account nobody registered: a check that cannot fail proves
// nothing. Development and tests only (INTAKE_HOLDER_CHECK=simulator).
type HolderSimulator struct {
	db *gorm.DB
}

// NewHolderSimulator returns a simulator reading its register in db.
func NewHolderSimulator(db *gorm.DB) *HolderSimulator { return &HolderSimulator{db: db} }

type holderAccountRow struct {
	AccountNumber string `gorm:"primaryKey"`
	HolderName    string
	IDNumber      string
}

func (holderAccountRow) TableName() string { return "holdersim.accounts" }

// Verify implements app.HolderVerifier.
func (h *HolderSimulator) Verify(ctx context.Context, q app.HolderQuery) (domain.HolderCheck, error) {
	var rows []holderAccountRow
	if err := h.db.WithContext(ctx).Where("account_number = ?", q.AccountNumber).Limit(1).Find(&rows).Error; err != nil {
		return domain.HolderCheck{}, fmt.Errorf("account-holder simulator: %w", err)
	}
	no := domain.HolderCheck{Result: domain.HolderNoMatch}
	if len(rows) == 0 || q.Name == "" || rows[0].HolderName != q.Name {
		return no, nil
	}
	if q.IDNumber != "" && rows[0].IDNumber != "" && !strings.EqualFold(q.IDNumber, rows[0].IDNumber) {
		return no, nil
	}
	return domain.HolderCheck{Result: domain.HolderMatch, Reference: "SIM-" + randomRef()}, nil
}

// randomRef is a reference for a simulated answer.
func randomRef() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// HolderHTTP asks a bank's account-holder verification service (or a
// gateway to UnionPay's) over HTTP: POST {base}/v1/account-holder-verifications
// with {"account_number", "name", "id_number"} (id_number omitted when
// unknown) answers 200 {"result": "match"|"no_match", "reference"}. Any
// other status, body or a transport error is an error: no answer. The
// account number and name go only to the bank, over the client given
// (TLS in production); nothing is logged of them.
type HolderHTTP struct {
	base   string
	client *http.Client
}

// NewHolderHTTP returns the adapter of the verification service at base.
func NewHolderHTTP(base string, client *http.Client) *HolderHTTP {
	return &HolderHTTP{base: strings.TrimRight(base, "/"), client: client}
}

// Verify implements app.HolderVerifier.
func (h *HolderHTTP) Verify(ctx context.Context, q app.HolderQuery) (domain.HolderCheck, error) {
	body, err := json.Marshal(struct {
		AccountNumber string `json:"account_number"`
		Name          string `json:"name"`
		IDNumber      string `json:"id_number,omitempty"`
	}{q.AccountNumber, q.Name, q.IDNumber})
	if err != nil {
		return domain.HolderCheck{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/v1/account-holder-verifications", bytes.NewReader(body))
	if err != nil {
		return domain.HolderCheck{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := h.client.Do(req)
	if err != nil {
		return domain.HolderCheck{}, fmt.Errorf("account-holder verification: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return domain.HolderCheck{}, fmt.Errorf("account-holder verification: status %d", res.StatusCode)
	}
	var out struct {
		Result    string `json:"result"`
		Reference string `json:"reference"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&out); err != nil {
		return domain.HolderCheck{}, fmt.Errorf("account-holder verification: the answer: %w", err)
	}
	switch {
	case out.Result == domain.HolderNoMatch:
		return domain.HolderCheck{Result: domain.HolderNoMatch, Reference: out.Reference}, nil
	case out.Result == domain.HolderMatch && out.Reference != "":
		return domain.HolderCheck{Result: domain.HolderMatch, Reference: out.Reference}, nil
	}
	return domain.HolderCheck{}, errors.New("account-holder verification: an answer neither match with a reference nor no_match")
}
