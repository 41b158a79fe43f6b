package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/postgres/pgtest"
)

// oidcProvider is the Keycloak that `make test` starts (infra.sh
// keycloak-start): its base URL and the password of its bootstrap admin.
type oidcProvider struct {
	base, adminPassword string
}

func keycloak(t *testing.T) oidcProvider {
	t.Helper()
	p := oidcProvider{base: os.Getenv("CLAIMS_TEST_OIDC_URL"), adminPassword: os.Getenv("CLAIMS_TEST_OIDC_ADMIN_PASSWORD")}
	if p.base == "" || p.adminPassword == "" {
		t.Fatalf("CLAIMS_TEST_OIDC_URL and CLAIMS_TEST_OIDC_ADMIN_PASSWORD are not set: run the tests with `make test`, which starts Keycloak")
	}
	return p
}

// form posts a form and decodes the JSON answer into out.
func form(t *testing.T, u string, values url.Values, out any) int {
	t.Helper()
	resp, err := http.PostForm(u, values)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("POST %s: decode %s: %v", u, raw, err)
		}
	}
	return resp.StatusCode
}

// newRealm creates a realm of its own for the test, with the realm roles
// finance and handler and one confidential client per entry of clients
// (client id to the audience its tokens carry), whose service account holds
// the finance role. It returns the realm's issuer URL and the clients'
// secrets.
func (p oidcProvider) newRealm(t *testing.T, clients map[string]string) (string, map[string]string) {
	t.Helper()
	var admin struct {
		AccessToken string `json:"access_token"`
	}
	if status := form(t, p.base+"/realms/master/protocol/openid-connect/token", url.Values{"grant_type": {"password"},
		"client_id": {"admin-cli"}, "username": {"admin"}, "password": {p.adminPassword}}, &admin); status != http.StatusOK {
		t.Fatalf("admin token: got %d, want 200", status)
	}
	realm := "claims-" + strings.ToLower(hex.EncodeToString(randomBytes(t, 6)))
	secrets := map[string]string{}
	var reps, users []map[string]any
	for id, aud := range clients {
		secrets[id] = hex.EncodeToString(randomBytes(t, 24))
		reps = append(reps, map[string]any{"clientId": id, "enabled": true, "publicClient": false, "secret": secrets[id],
			"serviceAccountsEnabled": true, "standardFlowEnabled": false, "directAccessGrantsEnabled": false,
			"protocolMappers": []map[string]any{{"name": "audience", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
				"config": map[string]string{"included.custom.audience": aud, "access.token.claim": "true", "id.token.claim": "false"}}}})
		users = append(users, map[string]any{"username": "service-account-" + id, "enabled": true, "serviceAccountClientId": id,
			"realmRoles": []string{"finance"}})
	}
	body, err := json.Marshal(map[string]any{"realm": realm, "enabled": true, "accessTokenLifespan": 300,
		"roles":   map[string]any{"realm": []map[string]string{{"name": "finance"}, {"name": "handler"}}},
		"clients": reps, "users": users})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, p.base+"/admin/realms", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+admin.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("create realm: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create realm: got %d %s, want 201", resp.StatusCode, raw)
	}
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, p.base+"/admin/realms/"+realm, nil)
		req.Header.Set("Authorization", "Bearer "+admin.AccessToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	return p.base + "/realms/" + realm, secrets
}

// clientToken gets an access token by the client credentials grant.
func clientToken(t *testing.T, issuer, id, secret string) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status := form(t, issuer+"/protocol/openid-connect/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}}, &tok); status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("client credentials of %s: got %d, want a token", id, status)
	}
	return tok.AccessToken
}

// Issue 15: an insurer's own identity provider replaces the console's
// sign-in. Payout trusts the realm (discovery, JWKS, RS256) and reads the
// roles from Keycloak's realm_access.roles.
func TestSignInThroughAnExternalOIDCProvider(t *testing.T) {
	t.Parallel()
	kc := keycloak(t)
	issuer, secrets := kc.newRealm(t, map[string]string{"finance-app": "payout", "intake-app": "intake"})
	sys := newSystemOn(t, map[string]pgtest.Database{"intake": pgtest.NewDatabase(t), "adjudication": pgtest.NewDatabase(t),
		"payout": pgtest.NewDatabase(t)}, kafkatest.Cluster(t), kafkatest.SecretsDir(t))
	sys.start("payout", "AUTH_ISSUER="+issuer, "AUTH_ROLES_CLAIM=realm_access.roles")
	sys.waitReady("payout")
	reconciliation := sys.url("payout", "/v1/reconciliation?from=2026-11-01&to=2026-11-30")

	finance := clientToken(t, issuer, "finance-app", secrets["finance-app"])
	if status := sys.callWith(t, finance, http.MethodGet, reconciliation); status != http.StatusOK {
		t.Fatalf("the provider's finance token for payout: got %d, want 200 (accepted, finance role mapped)", status)
	}
	other := clientToken(t, issuer, "intake-app", secrets["intake-app"])
	if status := sys.callWith(t, other, http.MethodGet, reconciliation); status != http.StatusUnauthorized {
		t.Fatalf("the provider's token for intake, sent to payout: got %d, want 401", status)
	}
	if status := sys.callWith(t, sys.token, http.MethodGet, reconciliation); status != http.StatusUnauthorized {
		t.Fatalf("a token of another issuer: got %d, want 401", status)
	}
}
