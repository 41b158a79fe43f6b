package tracinghttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/tracing"
	"claims.local/pkg/tracing/tracinghttp"
	"claims.local/pkg/tracing/tracingtest"
)

func TestMiddlewareContinuesTheCallersTraceAndTagsTheClaim(t *testing.T) {
	rec := tracingtest.Record(t)
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(tracinghttp.Middleware())
	e.POST("/v1/cases/:claimId/decision", func(c *gin.Context) { c.Status(http.StatusOK) })
	e.POST("/v1/reports/:id/claim-request", func(c *gin.Context) {
		tracing.NoteClaim(c.Request.Context(), "claim-9") // as the outbox does when it stores the event
		c.Status(http.StatusCreated)
	})
	e.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	caller := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	for _, path := range []string{"/v1/cases/claim-7/decision", "/v1/reports/r-1/claim-request"} {
		req := httptest.NewRequest(http.MethodPost, path, nil)
		req.Header.Set("traceparent", caller)
		e.ServeHTTP(httptest.NewRecorder(), req)
	}
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2 (the probe untraced)", len(spans))
	}
	for i, want := range []struct{ name, claim string }{
		{"POST /v1/cases/:claimId/decision", "claim-7"},
		{"POST /v1/reports/:id/claim-request", "claim-9"}, // :id is a report: not taken for a claim
	} {
		s := spans[i]
		if s.Name() != want.name || tracingtest.ClaimOf(s) != want.claim {
			t.Errorf("got span %q claim %q, want %q claim %q", s.Name(), tracingtest.ClaimOf(s), want.name, want.claim)
		}
		if got := s.SpanContext().TraceID().String(); got != "0af7651916cd43dd8448eb211c80319c" {
			t.Errorf("%s: got trace %s, want the caller's", want.name, got)
		}
	}
}
