package adapters

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/policydata"
)

// factsJSON is what case_facts (migration 0024) returns.
type factsJSON struct {
	Policy      json.RawMessage  `json:"policy"`
	ProductCode *string          `json:"product_code"`
	Product     json.RawMessage  `json:"product"`
	Assessment  *assessmentJSON  `json:"assessment"`
	Recent      *int             `json:"recent"`
	Switch      *bool            `json:"switch"`
	Used        map[string]int64 `json:"used"`
	// Catastrophes are the catastrophes' states, as catastropheRow.State.
	Catastrophes []json.RawMessage `json:"catastrophes"`
	// Account is what account_uses returns, read after the account's lock.
	Account json.RawMessage `json:"account"`
}

// assessmentJSON is an auto_assessments row as to_jsonb writes it.
type assessmentJSON struct {
	ClaimID       string          `json:"claim_id"`
	PolicyNumber  string          `json:"policy_number"`
	ProductCode   string          `json:"product_code"`
	RulesVersion  int             `json:"rules_version"`
	Automatic     bool            `json:"automatic"`
	Reasons       json.RawMessage `json:"reasons"`
	Computation   json.RawMessage `json:"computation"`
	Documents     json.RawMessage `json:"documents"`
	DeductibleFen int64           `json:"deductible_fen"`
	AssessedAt    time.Time       `json:"assessed_at"`
}

// Facts reads what q asks of c's policy and of other records with one call
// of case_facts, a function planned once per connection; with
// q.AccountKey it takes the account's lock inside it after the other
// reads and reads the account's uses under it (as SignalFacts); with
// q.LockUsage it then takes the lock on the policy's usage and reads the
// amounts used under it.
func (s *Cases) Facts(ctx context.Context, c domain.Case, q app.FactsQuery) (app.Facts, error) {
	var raw []byte
	if err := s.db.WithContext(ctx).Raw(`SELECT case_facts(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.PolicyNumber, c.ClaimID, c.ID, c.InsuredName, q.BurstSince,
		q.Assessment, q.Switch, q.Used, q.LockUsage, q.Catastrophes, q.AccountKey).Row().Scan(&raw); err != nil {
		return app.Facts{}, fmt.Errorf("facts of claim %s: %w", c.ClaimID, err)
	}
	var j factsJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return app.Facts{}, fmt.Errorf("facts of claim %s: %w", c.ClaimID, err)
	}
	out := app.Facts{Switch: j.Switch, Account: domain.SignalFacts{AccountKey: q.AccountKey}}
	if q.AccountKey != "" {
		account, err := signalFactsOf(q.AccountKey, j.Account)
		if err != nil {
			return app.Facts{}, err
		}
		out.Account = account
	}
	if j.Recent != nil {
		out.Recent = *j.Recent
	}
	if q.Used || q.LockUsage {
		out.UsedFen = j.Used
		if out.UsedFen == nil {
			out.UsedFen = map[string]int64{}
		}
	}
	for _, state := range j.Catastrophes {
		cat, err := catastropheRow{State: state}.toDomain()
		if err != nil {
			return app.Facts{}, err
		}
		out.Catastrophes = append(out.Catastrophes, cat)
	}
	if present(j.Policy) && j.ProductCode != nil {
		var p policydata.Policy
		if err := json.Unmarshal(j.Policy, &p); err != nil {
			return app.Facts{}, fmt.Errorf("policy %s: %w", c.PolicyNumber, err)
		}
		pol, err := p.ToDomain(c.PolicyNumber)
		if err != nil {
			return app.Facts{}, err
		}
		var pr policydata.Product
		if err := json.Unmarshal(j.Product, &pr); err != nil {
			return app.Facts{}, fmt.Errorf("product %s: %w", *j.ProductCode, err)
		}
		product, err := pr.ToDomain(*j.ProductCode)
		if err != nil {
			return app.Facts{}, err
		}
		out.Policy, out.Product = &pol, &product
	}
	if a := j.Assessment; a != nil {
		row := assessmentRow{ClaimID: a.ClaimID, PolicyNumber: a.PolicyNumber, ProductCode: a.ProductCode, RulesVersion: a.RulesVersion,
			Automatic: a.Automatic, Reasons: a.Reasons, Documents: a.Documents, DeductibleFen: a.DeductibleFen, AssessedAt: a.AssessedAt}
		if present(a.Computation) {
			row.Computation = a.Computation
		}
		st, err := row.toApp()
		if err != nil {
			return app.Facts{}, err
		}
		out.Assessment = &st
	}
	return out, nil
}

// present tells whether a JSON value is there and not null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}
