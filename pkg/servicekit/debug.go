package servicekit

import (
	_ "embed"
	"net/http/pprof"
	"strings"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/auth"
)

// debugOpenAPI is the OpenAPI 3 fragment of the profiler's routes, merged
// into every service's document.
//
//go:embed debug.openapi.json
var debugOpenAPI []byte

// DebugPermissions allows the profiler to admins only: a heap or goroutine
// profile shows what the process holds, claimants' details included (R11),
// and a CPU profile costs the service while it runs.
func DebugPermissions() auth.Permissions {
	return auth.Permissions{"GET /debug/pprof/*profile": {auth.Admin}}
}

// registerDebug serves Go's profiler (net/http/pprof) under /debug/pprof/:
// the index, cmdline, profile (CPU, ?seconds=), symbol, trace and every
// named profile (heap, goroutine, allocs, block, mutex, threadcreate).
func (k *Kit) registerDebug() {
	k.engine.GET("/debug/pprof/*profile", func(c *gin.Context) {
		switch name := strings.TrimPrefix(c.Param("profile"), "/"); name {
		case "", "index":
			pprof.Index(c.Writer, c.Request)
		case "cmdline":
			pprof.Cmdline(c.Writer, c.Request)
		case "profile":
			pprof.Profile(c.Writer, c.Request)
		case "symbol":
			pprof.Symbol(c.Writer, c.Request)
		case "trace":
			pprof.Trace(c.Writer, c.Request)
		default:
			pprof.Handler(name).ServeHTTP(c.Writer, c.Request)
		}
	})
}
