package auth

import (
	"net/http"
	"slices"
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
