package servicekit_test

import (
	"strings"
	"testing"

	"claims.local/pkg/config"
	"claims.local/pkg/servicekit"
)

func envOf(vars map[string]string) *config.Env {
	return &config.Env{Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

// A service holds no token key (issue 15): the shared HMAC secret of before
// is refused, and the issuer is required.
func TestLoadCommonRefusesATokenKeyAndWantsAnIssuer(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"the old shared secret": {"AUTH_ISSUER": "http://127.0.0.1:8080", "AUTH_KEYS": "compose:change-me-change-me-change-me-0000"},
		"no issuer":             {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := servicekit.LoadCommon(envOf(vars), "payout", ":0"); err == nil {
				t.Fatalf("got no error, want the configuration refused")
			}
		})
	}
	c, err := servicekit.LoadCommon(envOf(map[string]string{"AUTH_ISSUER": "https://idp.example.test/realms/claims",
		"AUTH_ROLES_CLAIM": "realm_access.roles"}), "payout", ":0")
	if err != nil {
		t.Fatalf("got %v, want an issuer accepted", err)
	}
	if c.Auth.Audience != "payout" || c.Auth.RolesClaim != "realm_access.roles" || !strings.HasSuffix(c.Auth.Issuer, "/claims") {
		t.Fatalf("got %+v, want audience payout and the roles claim given", c.Auth)
	}
}
