// Package authhttp is the gin side of package auth: the middleware that
// checks every API call's token and role against a service's permission
// table, and the handlers' access to who acted.
package authhttp

import (
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
)

// Require checks every API call (paths under /v1) and every debugging route
// (paths under /debug, the profiler): a valid bearer token (401
// unauthenticated otherwise) and a role the table allows for the route (403
// forbidden otherwise). The principal is put in the request's context.
// Operational routes (/healthz, /readyz, /metrics, /openapi.json) stay open
// for probes and scrapers.
func Require(v *auth.Verifier, table auth.Permissions, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !strings.HasPrefix(c.Request.URL.Path, "/v1/") && !strings.HasPrefix(c.Request.URL.Path, "/debug/") {
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
		p, err := v.Verify(c.Request.Context(), token)
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
		c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
		c.Next()
	}
}

// Actor returns the principal of the request or an unauthenticated error,
// for handlers that record who acted.
func Actor(c *gin.Context) (auth.Principal, error) {
	p, ok := auth.PrincipalFrom(c.Request.Context())
	if !ok {
		return auth.Principal{}, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	return p, nil
}
