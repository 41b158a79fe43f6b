package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/apperr"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/logging"
)

// syncBuffer collects log output written from handler goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEngine returns an engine built by httpapi.NewEngine and the buffer its
// log goes to.
func newEngine(t *testing.T, o httpapi.Options) (*gin.Engine, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	o.Log = logging.New(logs, "test", slog.LevelInfo)
	o.Registry = prometheus.NewRegistry()
	return httpapi.NewEngine(o), logs
}

func serve(h http.Handler, method, path, contentType, body string, header ...string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorBody checks that rec is an error answer of the documented shape and
// returns its detail.
func errorBody(t *testing.T, rec *httptest.ResponseRecorder) httpapi.ErrorDetail {
	t.Helper()
	var raw map[string]map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("got body %q, want a JSON error object: %v", rec.Body.String(), err)
	}
	if len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("got body %s, want exactly one member \"error\"", rec.Body.String())
	}
	allowed := map[string]bool{"code": true, "message": true, "field": true, "request_id": true}
	for k := range raw["error"] {
		if !allowed[k] {
			t.Fatalf("got error member %q in %s, want only code, message, field, request_id", k, rec.Body.String())
		}
	}
	var body httpapi.ErrorBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	d := body.Error
	if d.Code == "" || d.Message == "" {
		t.Fatalf("got error %+v, want a code and a message", d)
	}
	if got, want := d.RequestID, rec.Header().Get(httpapi.RequestIDHeader); got == "" || got != want {
		t.Fatalf("got request_id %q, want %q from the %s header", got, want, httpapi.RequestIDHeader)
	}
	return d
}

func TestEveryErrorCodeMapsToItsStatus(t *testing.T) {
	tests := []struct {
		code apperr.Code
		want int
	}{
		{apperr.Invalid, http.StatusBadRequest},
		{apperr.NotFound, http.StatusNotFound},
		{apperr.Conflict, http.StatusConflict},
		{apperr.Unauthenticated, http.StatusUnauthorized},
		{apperr.Forbidden, http.StatusForbidden},
		{apperr.TooLarge, http.StatusRequestEntityTooLarge},
		{apperr.UnsupportedMedia, http.StatusUnsupportedMediaType},
		{apperr.Unprocessable, http.StatusUnprocessableEntity},
		{apperr.Unavailable, http.StatusServiceUnavailable},
		{apperr.Busy, http.StatusServiceUnavailable},
		{apperr.TooManyInFlight, http.StatusTooManyRequests},
		{apperr.PayeeNotEntitled, http.StatusUnprocessableEntity},
		{apperr.BeyondContract, http.StatusUnprocessableEntity},
		{apperr.ChecksFailing, http.StatusConflict},
		{apperr.FraudSignal, http.StatusConflict},
		{apperr.Internal, http.StatusInternalServerError},
		{apperr.Code("no_such_code"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := httpapi.Status(tt.code); got != tt.want {
			t.Errorf("Status(%s): got %d, want %d", tt.code, got, tt.want)
		}
	}

	// Through WriteError, every code a client may see keeps its code,
	// message and field; wrapping does not hide it.
	var current error
	e, _ := newEngine(t, httpapi.Options{})
	e.GET("/fail", func(c *gin.Context) { httpapi.WriteError(c, slog.Default(), current) })
	for _, tt := range tests[:len(tests)-2] {
		t.Run(string(tt.code), func(t *testing.T) {
			current = fmt.Errorf("use case: %w", &apperr.Error{Code: tt.code, Message: "what went wrong", Field: "some_field"})
			rec := serve(e, http.MethodGet, "/fail", "", "")
			if rec.Code != tt.want {
				t.Fatalf("got status %d, want %d", rec.Code, tt.want)
			}
			d := errorBody(t, rec)
			if d.Code != string(tt.code) || d.Message != "what went wrong" || d.Field != "some_field" {
				t.Fatalf("got error %+v, want code %s, message %q, field some_field", d, tt.code, "what went wrong")
			}
		})
	}
}

func TestInternalErrorsAnswerGenericallyAndAreLoggedInFull(t *testing.T) {
	const secret = "password=hunter2 host=10.1.2.3"
	tests := []struct {
		name string
		err  error
	}{
		{"plain error", errors.New("pq: connection failed: " + secret)},
		{"wrapped plain error", fmt.Errorf("load case: %w", errors.New(secret))},
		{"apperr internal", &apperr.Error{Code: apperr.Internal, Message: secret, Err: errors.New(secret)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, logs := newEngine(t, httpapi.Options{})
			e.GET("/fail", func(c *gin.Context) { httpapi.WriteError(c, logging.New(logs, "test", slog.LevelInfo), tt.err) })
			rec := serve(e, http.MethodGet, "/fail", "", "", httpapi.RequestIDHeader, "req-42")
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("got status %d, want 500", rec.Code)
			}
			d := errorBody(t, rec)
			if d.Code != string(apperr.Internal) || d.Field != "" {
				t.Fatalf("got error %+v, want code internal and no field", d)
			}
			if strings.Contains(rec.Body.String(), "hunter2") || strings.Contains(rec.Body.String(), "10.1.2.3") {
				t.Fatalf("got body %s, want the internal error text kept from the client", rec.Body.String())
			}
			if d.RequestID != "req-42" {
				t.Fatalf("got request_id %q, want req-42 so that support can find the log line", d.RequestID)
			}
			if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "req-42") {
				t.Fatalf("got log %q, want the full error with the request id", logs.String())
			}
		})
	}
}

func TestPanicInAHandlerIsA500WithoutItsText(t *testing.T) {
	e, logs := newEngine(t, httpapi.Options{})
	e.GET("/panic", func(*gin.Context) { panic("secret detail 0xdeadbeef") })
	rec := serve(e, http.MethodGet, "/panic", "", "")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("got status %d, want 500", rec.Code)
	}
	if d := errorBody(t, rec); d.Code != string(apperr.Internal) {
		t.Fatalf("got code %s, want internal", d.Code)
	}
	if strings.Contains(rec.Body.String(), "0xdeadbeef") {
		t.Fatalf("got body %s, want the panic text kept from the client", rec.Body.String())
	}
	if !strings.Contains(logs.String(), "0xdeadbeef") {
		t.Fatalf("got log %q, want the panic logged", logs.String())
	}
}

func TestUnknownRoutesAndMethodsAnswerInTheErrorShape(t *testing.T) {
	e, _ := newEngine(t, httpapi.Options{})
	e.GET("/v1/things", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{}) })

	rec := serve(e, http.MethodGet, "/v1/nothing", "", "")
	if rec.Code != http.StatusNotFound {
		t.Fatalf("unknown path: got status %d, want 404", rec.Code)
	}
	if d := errorBody(t, rec); d.Code != string(apperr.NotFound) {
		t.Fatalf("unknown path: got code %s, want not_found", d.Code)
	}

	rec = serve(e, http.MethodDelete, "/v1/things", "", "")
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("wrong method: got status %d, want 405", rec.Code)
	}
	if d := errorBody(t, rec); d.Code != "method_not_allowed" {
		t.Fatalf("wrong method: got code %s, want method_not_allowed", d.Code)
	}
}

func TestRequestIDIsEchoedOrMadeUp(t *testing.T) {
	e, _ := newEngine(t, httpapi.Options{})
	rec := serve(e, http.MethodGet, "/healthz", "", "", httpapi.RequestIDHeader, "abc-123")
	if got := rec.Header().Get(httpapi.RequestIDHeader); got != "abc-123" {
		t.Fatalf("got request id %q, want the caller's abc-123", got)
	}
	rec = serve(e, http.MethodGet, "/healthz", "", "")
	if got := rec.Header().Get(httpapi.RequestIDHeader); len(got) != 36 {
		t.Fatalf("got request id %q, want a fresh UUID", got)
	}
	long := strings.Repeat("x", 129)
	rec = serve(e, http.MethodGet, "/healthz", "", "", httpapi.RequestIDHeader, long)
	if got := rec.Header().Get(httpapi.RequestIDHeader); got == long || len(got) != 36 {
		t.Fatalf("got request id %q for a 129-byte one, want a fresh UUID", got)
	}
}

type inner struct {
	N int `json:"n"`
}

type bindTarget struct {
	Name  string   `json:"name"`
	Count int64    `json:"count"`
	OK    bool     `json:"ok"`
	Tags  []string `json:"tags"`
	Inner inner    `json:"inner"`
}

func TestBindJSON(t *testing.T) {
	const limit = 64
	e, _ := newEngine(t, httpapi.Options{MaxBodyBytes: limit})
	e.POST("/bind", func(c *gin.Context) {
		var v bindTarget
		if err := httpapi.BindJSON(c, &v); err != nil {
			httpapi.WriteError(c, slog.Default(), err)
			return
		}
		c.JSON(http.StatusOK, v)
	})
	big := `{"name":"` + strings.Repeat("x", limit) + `"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantCode    apperr.Code
		wantField   string
		wantInMsg   string
	}{
		{"valid", "application/json", `{"name":"a","count":2}`, 200, "", "", ""},
		{"valid with trailing white space", "application/json; charset=utf-8", "{\"name\":\"a\"}\n \t", 200, "", "", ""},
		{"empty body", "application/json", ``, 400, apperr.Invalid, "", "empty"},
		{"only white space", "application/json", "  \n", 400, apperr.Invalid, "", "empty"},
		{"invalid JSON", "application/json", `{"name":}`, 400, apperr.Invalid, "", "not valid JSON"},
		{"truncated JSON", "application/json", `{"name":"a"`, 400, apperr.Invalid, "", ""},
		{"unknown field", "application/json", `{"name":"a","colour":"red"}`, 400, apperr.Invalid, "colour", "not a known field"},
		{"unknown nested field", "application/json", `{"inner":{"n":1,"m":2}}`, 400, apperr.Invalid, "m", "not a known field"},
		{"string for a number", "application/json", `{"count":"2"}`, 400, apperr.Invalid, "count", "number"},
		{"number for a string", "application/json", `{"name":5}`, 400, apperr.Invalid, "name", "string"},
		{"number for a boolean", "application/json", `{"ok":1}`, 400, apperr.Invalid, "ok", "boolean"},
		{"object for an array", "application/json", `{"tags":{}}`, 400, apperr.Invalid, "tags", "array"},
		{"number for an object", "application/json", `{"inner":3}`, 400, apperr.Invalid, "inner", "object"},
		{"nested wrong type", "application/json", `{"inner":{"n":"x"}}`, 400, apperr.Invalid, "inner.n", "number"},
		{"fraction for a whole number", "application/json", `{"count":1.5}`, 400, apperr.Invalid, "count", "whole number"},
		{"number out of range", "application/json", `{"count":1e40}`, 400, apperr.Invalid, "count", "whole number"},
		{"array instead of an object", "application/json", `[1,2]`, 400, apperr.Invalid, "", "object"},
		{"second object", "application/json", `{"name":"a"}{"name":"b"}`, 400, apperr.Invalid, "", "exactly one"},
		{"trailing garbage", "application/json", `{"name":"a"} x`, 400, apperr.Invalid, "", ""},
		{"trailing brace", "application/json", `{"name":"a"}}`, 400, apperr.Invalid, "", ""},
		{"trailing bracket", "application/json", `{"name":"a"}]`, 400, apperr.Invalid, "", ""},
		{"body too large", "application/json", big, 413, apperr.TooLarge, "", fmt.Sprint(limit)},
		{"body too large without content type", "", big, 413, apperr.TooLarge, "", fmt.Sprint(limit)},
		{"body too large as text/plain", "text/plain", big, 413, apperr.TooLarge, "", fmt.Sprint(limit)},
		{"white space past the limit", "application/json", `{"name":"a"}` + strings.Repeat(" ", 2*limit), 413, apperr.TooLarge, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(e, http.MethodPost, "/bind", tt.contentType, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("got status %d (%s), want %d", rec.Code, rec.Body.String(), tt.wantStatus)
			}
			if tt.wantCode == "" {
				return
			}
			d := errorBody(t, rec)
			if d.Code != string(tt.wantCode) || d.Field != tt.wantField {
				t.Fatalf("got code %s field %q, want code %s field %q", d.Code, d.Field, tt.wantCode, tt.wantField)
			}
			if !strings.Contains(d.Message, tt.wantInMsg) {
				t.Fatalf("got message %q, want it to contain %q", d.Message, tt.wantInMsg)
			}
			if strings.Contains(d.Message, "httpapi_test") || strings.Contains(d.Message, "int64") {
				t.Fatalf("got message %q, want no Go type names in it", d.Message)
			}
		})
	}
}

func TestBindJSONDecodesIntoTheTarget(t *testing.T) {
	e, _ := newEngine(t, httpapi.Options{})
	var got bindTarget
	e.POST("/bind", func(c *gin.Context) {
		if err := httpapi.BindJSON(c, &got); err != nil {
			httpapi.WriteError(c, slog.Default(), err)
			return
		}
		c.Status(http.StatusNoContent)
	})
	rec := serve(e, http.MethodPost, "/bind", "application/json", `{"name":"张三","count":7,"ok":true,"tags":["a"],"inner":{"n":3}}`)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("got status %d (%s), want 204", rec.Code, rec.Body.String())
	}
	want := bindTarget{Name: "张三", Count: 7, OK: true, Tags: []string{"a"}, Inner: inner{N: 3}}
	require.Equal(t, want, got)
}

func TestHealthz(t *testing.T) {
	// /healthz says the process is alive, whatever its dependencies say.
	e, _ := newEngine(t, httpapi.Options{Ready: map[string]httpapi.Check{
		"database": func(context.Context) error { return errors.New("down") },
	}})
	rec := serve(e, http.MethodGet, "/healthz", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	require.JSONEq(t, `{"status":"alive"}`, rec.Body.String())
}

func TestReadyz(t *testing.T) {
	ok := func(context.Context) error { return nil }
	tests := []struct {
		name       string
		checks     map[string]httpapi.Check
		wantStatus int
		wantBody   string
	}{
		{"no checks", nil, 200, `{"ready":true,"checks":{}}`},
		{"all pass", map[string]httpapi.Check{"database": ok, "kafka": ok}, 200,
			`{"ready":true,"checks":{"database":"ok","kafka":"ok"}}`},
		{"one fails", map[string]httpapi.Check{"database": ok, "kafka": func(context.Context) error { return errors.New("kafka unreachable") }}, 503,
			`{"ready":false,"checks":{"database":"ok","kafka":"kafka unreachable"}}`},
		{"a check that outlives its deadline fails", map[string]httpapi.Check{"slow": func(ctx context.Context) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return nil
			}
		}}, 503, `{"ready":false,"checks":{"slow":"context deadline exceeded"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _ := newEngine(t, httpapi.Options{Ready: tt.checks})
			rec := serve(e, http.MethodGet, "/readyz", "", "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("got status %d (%s), want %d", rec.Code, rec.Body.String(), tt.wantStatus)
			}
			require.JSONEq(t, tt.wantBody, rec.Body.String())
		})
	}
}

func TestOpenAPIAndMetricsRoutes(t *testing.T) {
	doc := []byte(`{"openapi":"3.0.3","paths":{}}`)
	e, _ := newEngine(t, httpapi.Options{OpenAPI: doc})
	rec := serve(e, http.MethodGet, "/openapi.json", "", "")
	if rec.Code != http.StatusOK || rec.Body.String() != string(doc) {
		t.Fatalf("got %d %q, want 200 with the document", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("got content type %q, want application/json", ct)
	}

	serve(e, http.MethodGet, "/healthz", "", "")
	rec = serve(e, http.MethodGet, "/metrics", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("got /metrics status %d, want 200", rec.Code)
	}
	want := `http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1`
	if !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("got metrics without %q, want the /healthz request counted", want)
	}
}

const specHead = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
	"/healthz":{"get":{}},"/readyz":{"get":{}},"/metrics":{"get":{}},"/openapi.json":{"get":{}},`

func TestSpecMismatches(t *testing.T) {
	noop := func(*gin.Context) {}
	engine := func() *gin.Engine {
		e, _ := newEngine(t, httpapi.Options{})
		e.POST("/v1/things", noop)
		e.GET("/v1/things/:id", noop)
		e.POST("/v1/things/:id/parts/*rest", noop)
		return e
	}
	matching := specHead + `
		"/v1/things":{"post":{}},
		"/v1/things/{id}":{"parameters":[{"name":"id","in":"path"}],"get":{}},
		"/v1/things/{id}/parts/{rest}":{"post":{}}}}`

	got, err := httpapi.SpecMismatches(engine(), []byte(matching))
	require.NoError(t, err)
	if len(got) != 0 {
		t.Fatalf("got mismatches %v, want none", got)
	}

	undocumented := engine()
	undocumented.DELETE("/v1/things/:id", noop)
	got, err = httpapi.SpecMismatches(undocumented, []byte(matching))
	require.NoError(t, err)
	require.Equal(t, []string{"route not documented: DELETE /v1/things/{id}"}, got)

	unserved := specHead + `
		"/v1/things":{"post":{},"get":{}},
		"/v1/things/{id}":{"get":{}},
		"/v1/things/{id}/parts/{rest}":{"post":{}},
		"/v1/ghosts":{"get":{}}}}`
	got, err = httpapi.SpecMismatches(engine(), []byte(unserved))
	require.NoError(t, err)
	require.Equal(t, []string{"documented but not served: GET /v1/ghosts", "documented but not served: GET /v1/things"}, got)

	for name, bad := range map[string]string{
		"not JSON":    `openapi: 3.0.3`,
		"swagger 2":   `{"swagger":"2.0","paths":{}}`,
		"openapi 2.x": `{"openapi":"2.0","paths":{}}`,
	} {
		if _, err := httpapi.SpecMismatches(engine(), []byte(bad)); err == nil {
			t.Errorf("%s: got no error, want one", name)
		}
	}
}

func TestBodyLimitsRaiseTheLimitOfTheirRouteOnly(t *testing.T) {
	e, _ := newEngine(t, httpapi.Options{MaxBodyBytes: 16, BodyLimits: map[string]int64{"POST /upload/:id": 1024}})
	read := func(c *gin.Context) {
		if _, err := io.ReadAll(c.Request.Body); err != nil {
			httpapi.WriteError(c, slog.Default(), apperr.New(apperr.TooLarge, "too large"))
			return
		}
		c.Status(http.StatusNoContent)
	}
	e.POST("/upload/:id", read)
	e.POST("/other", read)
	body := strings.Repeat("x", 512)
	if rec := serve(e, http.MethodPost, "/upload/7", "application/octet-stream", body); rec.Code != http.StatusNoContent {
		t.Fatalf("got %d for 512 bytes on the raised route, want 204", rec.Code)
	}
	if rec := serve(e, http.MethodPost, "/other", "application/octet-stream", body); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %d for 512 bytes on another route, want 413", rec.Code)
	}
	if rec := serve(e, http.MethodPost, "/upload/7", "application/octet-stream", strings.Repeat("x", 2048)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %d for 2048 bytes on the raised route, want 413", rec.Code)
	}
}

func TestAddressesWithNULOrInvalidUTF8AreRefused(t *testing.T) {
	e, _ := newEngine(t, httpapi.Options{})
	e.GET("/things/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	for _, path := range []string{"/things/a%00b", "/things/x?claim_id=%00", "/things/x?claim_id=%ff%fe", "/things/x?%00=1"} {
		rec := serve(e, http.MethodGet, path, "", "")
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", path, rec.Code)
		}
	}
	if rec := serve(e, http.MethodGet, "/things/x?claim_id=%E5%BC%A0", "", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("GET with a Chinese query value: got %d, want 204", rec.Code)
	}
}

// TestABusyAnswerSaysToSendTheRequestAgain: a change the database gave up
// for conflicting ones (postgres.Transaction, after its attempts) answers
// 503 busy_retry with Retry-After, never 500, and the driver's words stay
// in the log.
func TestABusyAnswerSaysToSendTheRequestAgain(t *testing.T) {
	e, _ := newEngine(t, httpapi.Options{})
	e.POST("/decide", func(c *gin.Context) {
		httpapi.WriteError(c, slog.Default(), fmt.Errorf("decide: %w", &apperr.Error{Code: apperr.Busy, Message: "send it again",
			Err: errors.New("lock the usage of policy P-1: ERROR: deadlock detected (SQLSTATE 40P01)")}))
	})
	rec := serve(e, http.MethodPost, "/decide", "application/json", `{}`)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("got status %d, Retry-After %q, want 503 with a Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if d := errorBody(t, rec); d.Code != string(apperr.Busy) || strings.Contains(d.Message, "SQLSTATE") {
		t.Fatalf("got code %s message %q, want busy_retry without the driver's words", d.Code, d.Message)
	}
}

// TestAttackARequestIDCarriesNoTextOfTheCallers: the request id a caller
// sends is echoed in the answer, written in every log line of the request
// and forwarded by the console's edge; support staff search the logs by it.
// Markup, quotes, a right-to-left override that makes a log viewer show
// another id, or spaces and tabs ("req-1 status=200") are replaced by a
// fresh id: only letters, digits and . _ : - pass.
func TestAttackARequestIDCarriesNoTextOfTheCallers(t *testing.T) {
	e, logs := newEngine(t, httpapi.Options{})
	for _, id := range []string{`<img src=x onerror=alert(1)>`, `req-1" level=ERROR`, "abc\u202e321-qer", "req-1\tstatus=200", "req 1", "张三-110101199003074578"} {
		rec := serve(e, http.MethodGet, "/v1/nothing-here", "", "", httpapi.RequestIDHeader, id)
		if got := rec.Header().Get(httpapi.RequestIDHeader); got == id || len(got) != 36 {
			t.Errorf("got request id %q for %q, want a fresh UUID", got, id)
		}
		if strings.Contains(logs.String(), id) {
			t.Errorf("got %q in the logs, want it nowhere", id)
		}
	}
	for _, id := range []string{"abc-123", "0af7651916cd43dd8448eb211c80319c", "edge.1:2_3"} {
		if got := serve(e, http.MethodGet, "/healthz", "", "", httpapi.RequestIDHeader, id).Header().Get(httpapi.RequestIDHeader); got != id {
			t.Errorf("got request id %q, want the caller's %q", got, id)
		}
	}
}

// TestAttackARequestIDOfLookAlikesIsReplaced: a caller copies a colleague's
// request id with letters that look like its own (Cyrillic а and е,
// fullwidth Ａ, an Arabic-Indic digit, a dotless ı, a combining mark, a
// zero-width space, a non-breaking hyphen), so that a search of the logs
// for the colleague's id finds the caller's lines beside theirs, or misses
// them. Only ASCII letters and digits and . _ : - are kept: each is
// replaced by a fresh id.
func TestAttackARequestIDOfLookAlikesIsReplaced(t *testing.T) {
	e, logs := newEngine(t, httpapi.Options{})
	for _, id := range []string{"req-\u0430bc-1", "r\u0435q-1", "\uff21bc-1", "abc-\u0663", "\u0131d-1", "abc-1\u0301", "abc\u200b-1", "abc\u20111"} {
		rec := serve(e, http.MethodGet, "/v1/nothing-here", "", "", httpapi.RequestIDHeader, id)
		if got := rec.Header().Get(httpapi.RequestIDHeader); got == id || len(got) != 36 {
			t.Errorf("got request id %q for %q, want a fresh UUID", got, id)
		}
		if strings.Contains(logs.String(), id) {
			t.Errorf("got %q in the logs, want it nowhere", id)
		}
	}
}
