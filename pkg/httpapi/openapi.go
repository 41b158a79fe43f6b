package httpapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// SpecMismatches compares the routes of e with the paths and methods of an
// OpenAPI 3 document and lists every route missing from one side. A test in
// each service keeps its document true to its routes with it.
func SpecMismatches(e *gin.Engine, spec []byte) ([]string, error) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, fmt.Errorf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	inSpec := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			inSpec[strings.ToUpper(method)+" "+path] = true
		}
	}
	inRoutes := map[string]bool{}
	for _, r := range e.Routes() {
		inRoutes[r.Method+" "+ginPathToOpenAPI(r.Path)] = true
	}
	var out []string
	for k := range inRoutes {
		if !inSpec[k] {
			out = append(out, "route not documented: "+k)
		}
	}
	for k := range inSpec {
		if !inRoutes[k] {
			out = append(out, "documented but not served: "+k)
		}
	}
	sort.Strings(out)
	return out, nil
}

func ginPathToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// MergeOpenAPI returns the OpenAPI document service with the paths and the
// component schemas and parameters of fragment added, for routes a shared
// package registers on every service that uses it. A path already in the
// service's document is an error: one of the two would be lost.
func MergeOpenAPI(service, fragment []byte) ([]byte, error) {
	var doc, frag map[string]any
	if err := json.Unmarshal(service, &doc); err != nil {
		return nil, fmt.Errorf("service OpenAPI document: %w", err)
	}
	if err := json.Unmarshal(fragment, &frag); err != nil {
		return nil, fmt.Errorf("OpenAPI fragment: %w", err)
	}
	for _, key := range []string{"paths", "components.schemas", "components.parameters"} {
		dst, src := section(doc, key), section(frag, key)
		for k, v := range src {
			if _, dup := dst[k]; dup && key == "paths" {
				return nil, fmt.Errorf("path %s is already in the service's document", k)
			}
			dst[k] = v
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// section returns the object at a dotted key of doc, creating it if absent.
func section(doc map[string]any, key string) map[string]any {
	cur := doc
	for _, part := range strings.Split(key, ".") {
		next, ok := cur[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[part] = next
		}
		cur = next
	}
	return cur
}
