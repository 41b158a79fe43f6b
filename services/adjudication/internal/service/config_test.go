package service_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/adapters/letter"
	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/service"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/servicekit"
)

func TestParseAuthorityLimits(t *testing.T) {
	got, err := service.ParseAuthorityLimits("handler:5000000, senior_handler:unlimited")
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"handler": 5_000_000, "senior_handler": domain.Unlimited}, got)
	for _, bad := range []string{"", "handler", "handler:-1", "handler:5e6", ":5"} {
		if _, err := service.ParseAuthorityLimits(bad); err == nil {
			t.Errorf("ParseAuthorityLimits(%q): got no error, want one", bad)
		}
	}
}

// TestStartRefusesABadConfiguration checks what Start refuses before it
// connects to anything.
func TestStartRefusesABadConfiguration(t *testing.T) {
	good := func() service.Config {
		return service.Config{Common: servicekit.Common{Auth: apitest.Keys(t).Config(), DatabaseDSN: "postgres://nobody@127.0.0.1:1/none"}, AuthorityLimits: map[string]int64{"senior_handler": domain.Unlimited},
			Issuer:      domain.LetterIssuer{CompanyName: "示例人寿", CompanyAddress: "北京", ServicePhone: "95500", ReviewProcedure: "申请复核。"},
			LetterFonts: letter.DefaultFonts(), Instructions: instructionKey(t), Payees: eventstest.PayeeSealer(t), Fingerprints: eventstest.Fingerprints(),
			TrustedRequests: eventstest.IntakeVerifier(t)}
	}
	tests := []struct {
		name    string
		spoil   func(c *service.Config)
		wantErr string
	}{
		{"no senior authority", func(c *service.Config) { c.AuthorityLimits = map[string]int64{"handler": 100} }, "authority limits: senior_handler"},
		{"no company", func(c *service.Config) { c.Issuer.CompanyName = "" }, "letter issuer: invalid_argument: is required (field company_name)"},
		{"a service phone with letters", func(c *service.Config) { c.Issuer.ServicePhone = "call us" }, "(field service_phone)"},
		{"no font", func(c *service.Config) { c.LetterFonts = letter.Fonts{CJK: "/nonexistent.ttf"} }, "letter: read font"},
		// Issue 15: payout pays only instructions signed by adjudication.
		{"no key to sign payment instructions", func(c *service.Config) { c.Instructions = nil }, "ADJUDICATION_SIGNING_KEY"},
		{"no key to seal payees for", func(c *service.Config) { c.Payees = nil }, "ADJUDICATION_PAYEE_SEAL_KEY"},
		// The review of issue 19: no account paid is compared with the bank
		// cards' but under the fingerprint key.
		{"no fingerprint keys", func(c *service.Config) { c.Fingerprints = nil }, "ADJUDICATION_FINGERPRINT_KEYS"},
		// The attack review of issue 19: no case is opened on a claim
		// request intake did not sign.
		{"no key of intake to trust", func(c *service.Config) { c.TrustedRequests = nil }, "ADJUDICATION_TRUSTED_INTAKE_KEYS"},
		// Attack: adjudication's own signing key trusted as intake's (one
		// command makes both pairs): whoever holds adjudication's key could
		// then forge the claim requests adjudication pays on, and the two
		// locks on the money path would be one key.
		{"adjudication's own key trusted as intake's", func(c *service.Config) {
			v, err := signing.ParseTrusted("intake", eventstest.IntakeSigner(t).Public()+","+c.Instructions.Public())
			require.NoError(t, err)
			c.TrustedRequests = v
		}, "ADJUDICATION_TRUSTED_INTAKE_KEYS holds adjudication's own signing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.spoil(&cfg)
			_, err := service.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
}
