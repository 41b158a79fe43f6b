// Package tracinghttp traces the requests of a gin engine. It is apart from
// package tracing so that the use cases, which start and tag spans, import
// no HTTP framework.
package tracinghttp

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"claims.local/pkg/tracing"
)

// Middleware traces each request as a server span named after its route
// ("POST /v1/reports"), continuing a caller's trace from its W3C
// traceparent header, and tags it with the claim of the route's :claimId
// parameter (other routes' :id name reports or obligations, not claims). A
// use case that learns its claim later tags it through NoteClaim. The health, readiness and metrics probes are not traced.
func Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		route := c.FullPath()
		switch route {
		case "/healthz", "/readyz", "/metrics":
			c.Next()
			return
		case "":
			route = "unmatched"
		}
		ctx := propagation.TraceContext{}.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		ctx, span := tracing.Start(ctx, c.Request.Method+" "+route, trace.SpanKindServer, c.Param("claimId"),
			attribute.String("http.request.method", c.Request.Method), attribute.String("http.route", route))
		defer span.End()
		c.Request = c.Request.WithContext(tracing.WithRoot(ctx, span))
		c.Next()
		status := c.Writer.Status()
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= http.StatusInternalServerError {
			span.SetStatus(codes.Error, strconv.Itoa(status))
		}
	}
}
