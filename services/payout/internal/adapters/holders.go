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

	"claims.local/payout/internal/domain"
	"claims.local/pkg/postgres"
)

//go:embed holdersim_migrations/*.sql
var holderMigrationFS embed.FS

// HolderSimulatorMigrations is the schema of the account-holder
// verification simulator's register in payout's database.
func HolderSimulatorMigrations() ([]postgres.Migration, error) {
	return postgres.MigrationsFromFS(holderMigrationFS, "holdersim_migrations", "holdersim")
}

// HolderSimulator answers account-holder verifications as a bank does,
// from its register (schema holdersim, table accounts), as intake's
// simulator does: match when the account is registered under exactly the
// name asked about, no match otherwise, an account nobody registered
// included (it never answers match for everything: a check that cannot
// fail proves nothing). Development and tests only
// (PAYOUT_HOLDER_CHECK=simulator).
type HolderSimulator struct {
	db *gorm.DB
}

// NewHolderSimulator returns a simulator reading its register in db.
func NewHolderSimulator(db *gorm.DB) *HolderSimulator { return &HolderSimulator{db: db} }

// Verify implements app.HolderVerifier.
func (h *HolderSimulator) Verify(ctx context.Context, accountNumber, name string) (domain.HolderCheck, error) {
	var holders []string
	if err := h.db.WithContext(ctx).Raw("SELECT holder_name FROM holdersim.accounts WHERE account_number = ?", accountNumber).
		Scan(&holders).Error; err != nil {
		return domain.HolderCheck{}, fmt.Errorf("account-holder simulator: %w", err)
	}
	if len(holders) == 0 || name == "" || holders[0] != name {
		return domain.HolderCheck{Result: domain.HolderNoMatch}, nil
	}
	ref := make([]byte, 8)
	_, _ = rand.Read(ref)
	return domain.HolderCheck{Result: domain.HolderMatch, Reference: "SIM-" + hex.EncodeToString(ref)}, nil
}

// HolderHTTP asks a bank's account-holder verification service (or a
// gateway to UnionPay's) over HTTP, as intake's adapter does: POST
// {base}/v1/account-holder-verifications with {"account_number", "name"}
// answers 200 {"result": "match"|"no_match", "reference"}. Any other
// status, body or a transport error is an error: no answer. Nothing of the
// account or the name is logged.
type HolderHTTP struct {
	base   string
	client *http.Client
}

// NewHolderHTTP returns the adapter of the verification service at base.
func NewHolderHTTP(base string, client *http.Client) *HolderHTTP {
	return &HolderHTTP{base: strings.TrimRight(base, "/"), client: client}
}

// Verify implements app.HolderVerifier.
func (h *HolderHTTP) Verify(ctx context.Context, accountNumber, name string) (domain.HolderCheck, error) {
	body, err := json.Marshal(struct {
		AccountNumber string `json:"account_number"`
		Name          string `json:"name"`
	}{accountNumber, name})
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
