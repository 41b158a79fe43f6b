package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"claims.local/payout/internal/domain"
)

// TokenSource returns an access token for adjudication's audience: payout
// holds no signing key (issue 15); it asks the sign-in for a token of its
// service principal (system:payout, role auditor) by the client credentials
// grant (auth.ClientCredentials.Token).
type TokenSource func(ctx context.Context) (string, error)

// Adjudication reads the payments adjudication authorised (GET
// /v1/payment-authorisations) with a token of the service principal.
type Adjudication struct {
	base   string
	client *http.Client
	token  TokenSource
}

// NewAdjudication returns the client of adjudication at base (its URL),
// calling with the tokens of token.
func NewAdjudication(base string, token TokenSource) *Adjudication {
	return &Adjudication{base: strings.TrimRight(base, "/"), client: &http.Client{Timeout: 30 * time.Second}, token: token}
}

type authorisationJSON struct {
	Kind               string    `json:"kind"`
	ClaimID            string    `json:"claim_id"`
	ReferenceID        string    `json:"reference_id"`
	AmountFen          int64     `json:"amount_fen"`
	AdvancedFen        int64     `json:"advanced_fen"`
	AccountFingerprint string    `json:"account_fingerprint"`
	AuthorisedAt       time.Time `json:"authorised_at"`
}

// authorisationsWindow is the longest period adjudication answers in one
// call of /v1/payment-authorisations.
const authorisationsWindow = 31 * 24 * time.Hour

// PaymentAuthorisations returns the agreements and advance approvals
// adjudication authorised from..to, asking window by window (adjudication
// answers at most 31 days a call).
func (a *Adjudication) PaymentAuthorisations(ctx context.Context, from, to time.Time) ([]domain.Authorisation, error) {
	token, err := a.token(ctx)
	if err != nil {
		return nil, err
	}
	var list []domain.Authorisation
	for start := from; start.Before(to); start = start.Add(authorisationsWindow) {
		end := start.Add(authorisationsWindow)
		if end.After(to) {
			end = to
		}
		part, err := a.authorisations(ctx, token, start, end)
		if err != nil {
			return nil, err
		}
		list = append(list, part...)
	}
	return list, nil
}

// authorisations asks adjudication for one window of at most 31 days.
func (a *Adjudication) authorisations(ctx context.Context, token string, from, to time.Time) ([]domain.Authorisation, error) {
	q := url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/v1/payment-authorisations?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("adjudication: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return nil, fmt.Errorf("adjudication answered %d: %s", res.StatusCode, body)
	}
	var out struct {
		Items []authorisationJSON `json:"items"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("adjudication's payment authorisations: %w", err)
	}
	list := make([]domain.Authorisation, len(out.Items))
	for i, x := range out.Items {
		list[i] = domain.Authorisation{Kind: x.Kind, ClaimID: x.ClaimID, ReferenceID: x.ReferenceID, AmountFen: x.AmountFen,
			AdvancedFen: x.AdvancedFen, AccountFingerprint: x.AccountFingerprint, AuthorisedAt: x.AuthorisedAt}
	}
	return list, nil
}
