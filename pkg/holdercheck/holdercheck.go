// Package holdercheck asks a payee's bank whether an account is held by a
// name: the account-holder verification (账户实名验证) banks and UnionPay
// offer. Intake asks it at the claim request, payout when a payee is
// corrected or supplied later (issue 19, the money controls). The answer is
// match (with the bank's reference), no match, or none at all: an error,
// which callers record as "unavailable" and never as a match.
package holdercheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The bank's answers.
const (
	Match   = "match"
	NoMatch = "no_match"
)

// Simulator names the development register (holdercheckpg.Simulator) in a
// service's setting of whom it asks.
const Simulator = "simulator"

// ParseSetting reads a service's setting (variable name, value) of whom it
// asks: the bank's verification service (an http(s) URL), Simulator, or
// nobody ("" or "none", returned as "").
func ParseSetting(name, value string) (string, error) {
	if value == "none" {
		return "", nil
	}
	if value != "" && value != Simulator && !strings.HasPrefix(value, "https://") && !strings.HasPrefix(value, "http://") {
		return "", fmt.Errorf("%s must be %s, an http(s) URL of the bank's account-holder verification, or none; got %q", name, Simulator, value)
	}
	return value, nil
}

// Query is one question to the bank: is AccountNumber held by Name (and,
// when IDNumber is not empty, by the resident of that ID number).
type Query struct {
	AccountNumber string
	Name          string
	IDNumber      string
}

// Answer is the bank's answer: Result is Match or NoMatch, Reference the
// bank's reference of a match (never empty for one).
type Answer struct {
	Result    string
	Reference string
}

// Verifier is a bank's account-holder verification: the HTTP service of a
// bank (HTTP) or the development register (holdercheckpg.Simulator).
type Verifier interface {
	Verify(ctx context.Context, q Query) (Answer, error)
}

// HTTP asks a bank's account-holder verification service (or a gateway to
// UnionPay's) over HTTP: POST {base}/v1/account-holder-verifications with
// {"account_number", "name", "id_number"} (id_number omitted when unknown)
// answers 200 {"result": "match"|"no_match", "reference"}. Any other
// status, body or a transport error is an error: no answer. The account
// number and name go only to the bank, over the client given (TLS in
// production); nothing is logged of them.
type HTTP struct {
	base   string
	client *http.Client
}

// NewHTTP returns the client of the verification service at base.
func NewHTTP(base string, client *http.Client) *HTTP {
	return &HTTP{base: strings.TrimRight(base, "/"), client: client}
}

// Verify implements Verifier.
func (h *HTTP) Verify(ctx context.Context, q Query) (Answer, error) {
	body, err := json.Marshal(struct {
		AccountNumber string `json:"account_number"`
		Name          string `json:"name"`
		IDNumber      string `json:"id_number,omitempty"`
	}{q.AccountNumber, q.Name, q.IDNumber})
	if err != nil {
		return Answer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/v1/account-holder-verifications", bytes.NewReader(body))
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := h.client.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("account-holder verification: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return Answer{}, fmt.Errorf("account-holder verification: status %d", res.StatusCode)
	}
	var out struct {
		Result    string `json:"result"`
		Reference string `json:"reference"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&out); err != nil {
		return Answer{}, fmt.Errorf("account-holder verification: the answer: %w", err)
	}
	switch {
	case out.Result == NoMatch:
		return Answer{Result: NoMatch, Reference: out.Reference}, nil
	case out.Result == Match && out.Reference != "":
		return Answer{Result: Match, Reference: out.Reference}, nil
	}
	return Answer{}, errors.New("account-holder verification: an answer neither match with a reference nor no_match")
}
