package apitest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
)

// WantPermissions calls every /v1 route of routes without a token and then
// as each role alone, and checks each answer against table: 401 without a
// token, with a token for another audience or of another key, 403 for a role the table does not allow, and neither for a role it
// allows (the handler answers, usually 400 or 404 for the made-up ids and
// the empty body sent). It also checks that the table and the routes list
// the same operations, so that no route is open or closed by omission.
func (c *Client) WantPermissions(t *testing.T, keys *TestKeys, routes gin.RoutesInfo, table auth.Permissions) {
	t.Helper()
	var ops []string
	for _, r := range routes {
		if strings.HasPrefix(r.Path, "/v1/") {
			ops = append(ops, r.Method+" "+r.Path)
		}
	}
	slices.Sort(ops)
	require.Equal(t, table.Operations(), ops, "the permission table lists exactly the /v1 routes")
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		url := concretePath(path)
		body := ""
		if method != http.MethodGet && method != http.MethodDelete {
			body = "{}"
		}
		if a := c.WithToken("").Do(t, method, url, body); a.Status != http.StatusUnauthorized {
			t.Errorf("%s without a token: got %d, want 401", op, a.Status)
		}
		if a := c.WithToken("not-a-token").Do(t, method, url, body); a.Status != http.StatusUnauthorized {
			t.Errorf("%s with a forged token: got %d, want 401", op, a.Status)
		}
		admin := auth.Principal{Subject: "perm-elsewhere", Roles: auth.Roles()}
		if a := c.WithToken(keys.Sign(t, admin, "another-service")).Do(t, method, url, body); a.Status != http.StatusUnauthorized {
			t.Errorf("%s with a token for another audience: got %d, want 401", op, a.Status)
		}
		if a := c.WithToken(Keys(t).Sign(t, admin, auth.Services()...)).Do(t, method, url, body); a.Status != http.StatusUnauthorized {
			t.Errorf("%s with a token of another key: got %d, want 401", op, a.Status)
		}
		for _, role := range auth.Roles() {
			p := auth.Principal{Subject: "perm-" + string(role), Roles: []auth.Role{role}}
			a := c.As(t, keys, p).Do(t, method, url, body)
			allowed := table.Allowed(method, path, p)
			switch {
			case allowed && (a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden):
				t.Errorf("%s as %s: got %d (%s), want the handler's answer: the table allows it", op, role, a.Status, a.Body)
			case !allowed && a.Status != http.StatusForbidden:
				t.Errorf("%s as %s: got %d, want 403: the table does not allow it", op, role, a.Status)
			}
		}
	}
}

// concretePath fills gin's path parameters with a made-up id.
func concretePath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "perm-test-id"
		}
	}
	return strings.Join(parts, "/")
}
