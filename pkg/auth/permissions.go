package auth

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/httpapi"
)

// Permissions is a service's written permission table: for each operation,
// "METHOD /path" with gin's path parameters (":claimId"), the roles allowed.
// An operation missing from the table is refused to everyone, so a new
// route is closed until someone writes down who may call it.
type Permissions map[string][]Role

// Allowed reports whether p may call method path.
func (t Permissions) Allowed(method, path string, p Principal) bool {
	return p.Has(t[method+" "+path]...)
}

// Operations lists the operations of the table, sorted.
func (t Permissions) Operations() []string {
	out := make([]string, 0, len(t))
	for op := range t {
		out = append(out, op)
	}
	slices.Sort(out)
	return out
}

// Merge returns t with the entries of others added.
func (t Permissions) Merge(others ...Permissions) Permissions {
	out := Permissions{}
	for _, m := range append([]Permissions{t}, others...) {
		for op, roles := range m {
			out[op] = roles
		}
	}
	return out
}

// Require checks every API call (paths under /v1): a valid bearer token
// (401 unauthenticated otherwise) and a role the table allows for the route
// (403 forbidden otherwise). The principal is put in the request's context.
// Operational routes (/healthz, /readyz, /metrics, /openapi.json) stay open
// for probes and scrapers.
func Require(v *Verifier, table Permissions, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !strings.HasPrefix(c.Request.URL.Path, "/v1/") {
			c.Next()
			return
		}
		token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || token == "" {
			c.Header("WWW-Authenticate", `Bearer realm="claims"`)
			httpapi.WriteError(c, log, apperr.New(apperr.Unauthenticated, "sign in first: send Authorization: Bearer <token>"))
			c.Abort()
			return
		}
		p, err := v.Verify(token)
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="claims", error="invalid_token"`)
			httpapi.WriteError(c, log, apperr.New(apperr.Unauthenticated, "the token is not valid or has expired; sign in again"))
			c.Abort()
			return
		}
		route := c.FullPath()
		if route != "" && !table.Allowed(c.Request.Method, route, p) {
			httpapi.WriteError(c, log, apperr.New(apperr.Forbidden, "your roles do not allow %s %s", c.Request.Method, route))
			c.Abort()
			return
		}
		c.Request = c.Request.WithContext(WithPrincipal(c.Request.Context(), p))
		c.Next()
	}
}

// Actor returns the principal of the request or an unauthenticated error,
// for handlers that record who acted.
func Actor(c *gin.Context) (Principal, error) {
	p, ok := PrincipalFrom(c.Request.Context())
	if !ok {
		return Principal{}, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	return p, nil
}

// StatusFor is the HTTP status a caller with p gets for method path before
// the handler runs: 401 without a principal, 403 when the table refuses,
// 0 when the call reaches the handler. Permission tests use it.
func StatusFor(t Permissions, method, path string, p *Principal) int {
	switch {
	case p == nil:
		return http.StatusUnauthorized
	case !t.Allowed(method, path, *p):
		return http.StatusForbidden
	}
	return 0
}
