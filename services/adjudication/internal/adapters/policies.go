package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/policydata"
	"claims.local/pkg/apperr"
)

// Policies is the PostgreSQL implementation of app.Policies: products and
// policies kept in the format the policy system sends them (package
// policydata).
type Policies struct {
	db *gorm.DB
}

// NewPolicies returns the repository of policy data.
func NewPolicies(db *gorm.DB) *Policies { return &Policies{db: db} }

// dataRow is the stored document of a product or a policy.
type dataRow struct {
	Data []byte
}

// PutProduct stores p, replacing an earlier version, and reports whether
// it is new.
func (s *Policies) PutProduct(ctx context.Context, p domain.Product, by string, now time.Time) (bool, error) {
	data, err := json.Marshal(policydata.FromProduct(p))
	if err != nil {
		return false, err
	}
	var inserted bool
	err = s.db.WithContext(ctx).Raw(`INSERT INTO products (code, data, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
		RETURNING (xmax = 0)`, p.Code, data, now, by).Scan(&inserted).Error
	if err != nil {
		return false, fmt.Errorf("store product: %w", err)
	}
	return inserted, nil
}

// PutPolicy stores p, replacing an earlier version, and reports whether it
// is new.
func (s *Policies) PutPolicy(ctx context.Context, p domain.Policy, by string, now time.Time) (bool, error) {
	data, err := json.Marshal(policydata.FromPolicy(p))
	if err != nil {
		return false, err
	}
	var inserted bool
	err = s.db.WithContext(ctx).Raw(`INSERT INTO policies (number, product_code, data, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (number) DO UPDATE SET product_code = EXCLUDED.product_code, data = EXCLUDED.data,
			updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
		RETURNING (xmax = 0)`, p.Number, p.ProductCode, data, now, by).Scan(&inserted).Error
	if err != nil {
		return false, fmt.Errorf("store policy: %w", err)
	}
	return inserted, nil
}

// read loads the stored document of table where key = value into v.
func (s *Policies) read(ctx context.Context, table, key, value, what string, v any) error {
	var row dataRow
	err := s.db.WithContext(ctx).Table(table).Select("data").Where(key+" = ?", value).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.New(apperr.NotFound, "no %s %q", what, value)
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	if err := json.Unmarshal(row.Data, v); err != nil {
		return fmt.Errorf("%s %s: %w", what, value, err)
	}
	return nil
}

// Product returns the product with code.
func (s *Policies) Product(ctx context.Context, code string) (domain.Product, error) {
	var p policydata.Product
	if err := s.read(ctx, "products", "code", code, "product", &p); err != nil {
		return domain.Product{}, err
	}
	return p.ToDomain(code)
}

// Policy returns the policy with number.
func (s *Policies) Policy(ctx context.Context, number string) (domain.Policy, error) {
	var p policydata.Policy
	if err := s.read(ctx, "policies", "number", number, "policy", &p); err != nil {
		return domain.Policy{}, err
	}
	return p.ToDomain(number)
}
