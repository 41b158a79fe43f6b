package apitest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/apperr"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/httpapi/apitest"
)

// document is an OpenAPI document for the operational routes and the one
// route serve adds.
const document = `{"openapi":"3.0.3","paths":{"/healthz":{"get":{}},"/readyz":{"get":{}},"/metrics":{"get":{}},
	"/openapi.json":{"get":{}},"/v1/things/{id}":{"get":{"responses":{"200":{},"404":{}}}}},
	"components":{"schemas":{"Error":{"type":"object","required":["error"],"properties":{"error":{"type":"object",
	"required":["code","message"],"properties":{"code":{"type":"string"},"message":{"type":"string"},
	"field":{"type":"string"},"request_id":{"type":"string"}}}}}}}}`

// serve starts an httpapi engine with the document and GET /v1/things/:id,
// which finds nothing, and returns a Client for it and its routes.
func serve(t *testing.T) (*apitest.Client, gin.RoutesInfo) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := httpapi.NewEngine(httpapi.Options{Log: log, Registry: prometheus.NewRegistry(), OpenAPI: []byte(document)})
	e.GET("/v1/things/:id", func(c *gin.Context) {
		httpapi.WriteError(c, log, apperr.New(apperr.NotFound, "no thing %s", c.Param("id")))
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return apitest.NewClient(srv.URL), e.Routes()
}

// fakeT records how a check ends instead of ending the test.
type fakeT struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Name() string { return "fake" }

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = append(f.failed, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.FailNow()
}

func (f *fakeT) FailNow() { runtime.Goexit() }

// fails runs check with a fakeT and returns what it failed with.
func fails(check func(t testing.TB)) []string {
	f := &fakeT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(f)
	}()
	<-done
	return f.failed
}

func TestWantErrorAcceptsTheDocumentedAnswer(t *testing.T) {
	t.Parallel()
	c, _ := serve(t)
	c.Spec(t).WantError(t, "GET /v1/things/{id}", c.Do(t, http.MethodGet, "/v1/things/x", ""), 404, "not_found", "")
}

func TestWantErrorRefusesWhatTheDocumentDoesNotSay(t *testing.T) {
	t.Parallel()
	c, _ := serve(t)
	doc := c.Spec(t)
	good := c.Do(t, http.MethodGet, "/v1/things/x", "")
	with := func(change func(a *apitest.Answer)) apitest.Answer {
		a := apitest.Answer{Status: good.Status, Header: good.Header.Clone(), Body: good.Body}
		change(&a)
		return a
	}
	body := func(s string) func(a *apitest.Answer) {
		return func(a *apitest.Answer) { a.Body = []byte(s) }
	}
	id := good.Header.Get(httpapi.RequestIDHeader)
	tests := []struct {
		name   string
		op     string
		a      apitest.Answer
		status int
		code   string
		field  string
		want   string
	}{
		{"another status", "GET /v1/things/{id}", good, 400, "not_found", "", "got status 404"},
		{"a status the operation does not list", "GET /v1/things/{id}",
			with(func(a *apitest.Answer) { a.Status = 409 }), 409, "not_found", "", "want one the document lists ([200 404])"},
		{"not JSON", "", with(func(a *apitest.Answer) { a.Header.Set("Content-Type", "text/plain") }), 404, "not_found", "",
			`got content type "text/plain"`},
		{"an undocumented member", "", with(body(`{"error":{"code":"not_found","message":"m","request_id":"` + id + `","x":"y"}}`)),
			404, "not_found", "", `body.error: got member "x"`},
		{"a required member missing", "", with(body(`{"error":{"code":"not_found"}}`)), 404, "not_found", "",
			`body.error: got no member "message"`},
		{"an empty string", "", with(body(`{"error":{"code":"not_found","message":""}}`)), 404, "not_found", "",
			`body.error.message: got "", want a non-empty string`},
		{"another code", "", good, 404, "conflict", "", `got code "not_found" field ""`},
		{"another field", "", good, 404, "not_found", "id", `got code "not_found" field ""`},
		{"another request id", "", with(func(a *apitest.Answer) { a.Header.Set(httpapi.RequestIDHeader, "other") }),
			404, "not_found", "", `got request_id "` + id + `", want "other"`},
	}
	for _, tt := range tests {
		got := fails(func(t testing.TB) { doc.WantError(t, tt.op, tt.a, tt.status, tt.code, tt.field) })
		if len(got) != 1 || !strings.Contains(got[0], tt.want) {
			t.Errorf("%s: got failures %q, want one containing %q", tt.name, got, tt.want)
		}
	}
}

func TestWantRoutesDocumented(t *testing.T) {
	t.Parallel()
	c, routes := serve(t)
	c.WantRoutesDocumented(t, routes, 1)

	got := fails(func(t testing.TB) { c.WantRoutesDocumented(t, routes, 2) })
	if want := "got 5 routes, want the 4 operational and 2 /v1 routes"; len(got) != 1 || got[0] != want {
		t.Errorf("too few routes: got failures %q, want %q", got, want)
	}
	more := append(gin.RoutesInfo{{Method: http.MethodDelete, Path: "/v1/things/:id"}}, routes...)
	got = fails(func(t testing.TB) { c.WantRoutesDocumented(t, more, 1) })
	if want := "route not documented: DELETE /v1/things/{id}"; len(got) != 1 || !strings.Contains(got[0], want) {
		t.Errorf("an undocumented route: got failures %q, want one containing %q", got, want)
	}
}

func TestWantHealthy(t *testing.T) {
	t.Parallel()
	c, _ := serve(t)
	c.WantHealthy(t, `{"ready":true,"checks":{}}`)
	if got := fails(func(t testing.TB) { c.WantHealthy(t, `{"ready":true,"checks":{"database":"ok"}}`) }); len(got) != 1 {
		t.Errorf("another readiness: got failures %q, want one", got)
	}
}

func TestEventually(t *testing.T) {
	t.Parallel()
	n := 0
	apitest.Eventually(t, 5*time.Second, "third call", func() bool { n++; return n == 3 })
	got := fails(func(t testing.TB) {
		apitest.Eventually(t, 100*time.Millisecond, "miracle", func() bool { return false })
	})
	if want := "got no miracle within 100ms, want it"; len(got) != 1 || got[0] != want {
		t.Errorf("got failures %q, want %q", got, want)
	}
}

func TestSpecKeepsTheDocument(t *testing.T) {
	t.Parallel()
	c, _ := serve(t)
	doc := c.Spec(t)
	require.JSONEq(t, document, string(doc.Raw))
	var want apitest.Spec
	require.NoError(t, json.Unmarshal([]byte(document), &want))
	require.Equal(t, want.Components.Schemas, doc.Components.Schemas)
}
