package apitest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/httpapi"
)

// OperationalRoutes counts the routes httpapi.NewEngine adds to every
// service: /healthz, /readyz, /metrics and /openapi.json.
const OperationalRoutes = 4

// Spec is the part of a service's OpenAPI document the checks read, with the
// document itself.
type Spec struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]Schema `json:"schemas"`
	} `json:"components"`
	// Raw is the document as the service served it.
	Raw []byte `json:"-"`
}

// Schema is the part of a JSON schema the checks read.
type Schema struct {
	Type       string            `json:"type"`
	Required   []string          `json:"required"`
	Properties map[string]Schema `json:"properties"`
}

// Spec reads the service's OpenAPI document from GET /openapi.json.
func (c *Client) Spec(t testing.TB) *Spec {
	t.Helper()
	a := c.Do(t, http.MethodGet, "/openapi.json", "")
	if a.Status != http.StatusOK {
		t.Fatalf("GET /openapi.json: got status %d, want 200", a.Status)
	}
	doc := &Spec{Raw: a.Body}
	require.NoError(t, json.Unmarshal(a.Body, doc), "parse /openapi.json")
	return doc
}

// WantRoutesDocumented checks that routes, which are the operational routes
// and v1 more, are exactly the operations the service's OpenAPI document
// lists.
func (c *Client) WantRoutesDocumented(t testing.TB, routes gin.RoutesInfo, v1 int) {
	t.Helper()
	if len(routes) < OperationalRoutes+v1 {
		t.Fatalf("got %d routes, want the %d operational and %d /v1 routes", len(routes), OperationalRoutes, v1)
	}
	if got := c.Spec(t).Mismatches(t, routes); len(got) != 0 {
		t.Fatalf("got mismatches between /openapi.json and the routes:\n%s\nwant none", strings.Join(got, "\n"))
	}
}

// Mismatches compares routes with the document through
// httpapi.SpecMismatches, which reads an engine's routes.
func (s *Spec) Mismatches(t testing.TB, routes gin.RoutesInfo) []string {
	t.Helper()
	e := gin.New()
	for _, r := range routes {
		e.Handle(r.Method, r.Path, func(*gin.Context) {})
	}
	got, err := httpapi.SpecMismatches(e, s.Raw)
	require.NoError(t, err)
	return got
}

// WantError checks that a is the documented error answer: a status the
// document lists for the operation op, such as "GET /v1/cases/{claimId}"
// (when op is not empty), the Error schema, the code and the field, and the
// request id of the header.
func (s *Spec) WantError(t testing.TB, op string, a Answer, status int, code, field string) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("got status %d (%s), want %d", a.Status, a.Body, status)
	}
	if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("got content type %q, want application/json", ct)
	}
	if op != "" {
		method, path, _ := strings.Cut(op, " ")
		var operation struct {
			Responses map[string]json.RawMessage `json:"responses"`
		}
		require.NoError(t, json.Unmarshal(s.Paths[path][strings.ToLower(method)], &operation), "operation %s", op)
		if _, ok := operation.Responses[strconv.Itoa(status)]; !ok {
			t.Fatalf("got status %d for %s, want one the document lists (%v)", status, op, slices.Sorted(maps.Keys(operation.Responses)))
		}
	}
	var v any
	require.NoError(t, json.Unmarshal(a.Body, &v), "error body")
	conforms(t, "body", s.Components.Schemas["Error"], v)
	var body httpapi.ErrorBody
	require.NoError(t, json.Unmarshal(a.Body, &body))
	if body.Error.Code != code || body.Error.Field != field {
		t.Fatalf("got code %q field %q (%s), want code %q field %q", body.Error.Code, body.Error.Field, body.Error.Message, code, field)
	}
	if got, want := body.Error.RequestID, a.Header.Get(httpapi.RequestIDHeader); got != want {
		t.Fatalf("got request_id %q, want %q from the header", got, want)
	}
}

// conforms checks v against s: an object holds every required member and
// no member s does not list; a string is a non-empty string.
func conforms(t testing.TB, where string, s Schema, v any) {
	t.Helper()
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: got %T, want an object", where, v)
		}
		for _, k := range s.Required {
			if _, ok := m[k]; !ok {
				t.Fatalf("%s: got no member %q, want it (required)", where, k)
			}
		}
		for k, x := range m {
			ps, ok := s.Properties[k]
			if !ok {
				t.Fatalf("%s: got member %q, want only the documented %v", where, k, slices.Sorted(maps.Keys(s.Properties)))
			}
			conforms(t, where+"."+k, ps, x)
		}
	case "string":
		if str, ok := v.(string); !ok || str == "" {
			t.Fatalf("%s: got %#v, want a non-empty string", where, v)
		}
	}
}
