package app

import (
	"context"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
)

// PutProduct stores a product sent by the policy system, replacing the
// previous version; it reports whether the product is new.
func (s *Service) PutProduct(ctx context.Context, actor domain.Actor, p domain.Product) (domain.Product, bool, error) {
	p, err := domain.NewProduct(p)
	if err != nil {
		return domain.Product{}, false, err
	}
	created, err := s.policies.PutProduct(ctx, p, actor.Subject, s.now())
	return p, created, err
}

// Product returns a product.
func (s *Service) Product(ctx context.Context, code string) (domain.Product, error) {
	return s.policies.Product(ctx, code)
}

// PutPolicy stores a policy sent by the policy system, replacing the
// previous version; its product must be known. It reports whether the
// policy is new.
func (s *Service) PutPolicy(ctx context.Context, actor domain.Actor, p domain.Policy) (domain.Policy, bool, error) {
	product, err := s.policies.Product(ctx, p.ProductCode)
	if apperr.CodeOf(err) == apperr.NotFound {
		e := apperr.New(apperr.Unprocessable, "product %q is not known: import it first (PUT /v1/products/{code})", p.ProductCode)
		e.Field = "product_code"
		return domain.Policy{}, false, e
	}
	if err != nil {
		return domain.Policy{}, false, err
	}
	if p, err = domain.NewPolicy(p, product); err != nil {
		return domain.Policy{}, false, err
	}
	created, err := s.policies.PutPolicy(ctx, p, actor.Subject, s.now())
	return p, created, err
}

// Policy returns a policy.
func (s *Service) Policy(ctx context.Context, number string) (domain.Policy, error) {
	return s.policies.Policy(ctx, number)
}
