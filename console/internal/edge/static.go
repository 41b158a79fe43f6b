package edge

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/httpapi"
)

// Cache policies of the built files: Vite names the files under assets/
// after a hash of their content, so they never change; everything else
// (index.html above all) is checked with the server on every use.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// contentSecurityPolicy allows the console's own scripts, styles and
// images, and images the browser makes from uploaded files (blob:, data:).
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; " +
	"script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

// static serves the built single-page application from dir.
type static struct {
	dir string
	log *slog.Logger
}

// securityHeaders are set on every page and asset.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// serve answers GET and HEAD requests that no API route took: a built file
// when there is one, index.html for the console's own routes (so that
// /claims/123 works on reload), and 404 for a missing file or API path.
func (s *static) serve(c *gin.Context) {
	p := path.Clean("/" + c.Request.URL.Path)
	if p == "/api" || strings.HasPrefix(p, "/api/") || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		httpapi.WriteError(c, s.log, apperr.New(apperr.NotFound, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
		return
	}
	if p != "/" && s.serveFile(c, strings.TrimPrefix(p, "/")) {
		return
	}
	if path.Ext(p) != "" && p != "/index.html" {
		// A file the build does not have (an old asset name): no page.
		c.Header("Cache-Control", cacheRevalidate)
		httpapi.WriteError(c, s.log, apperr.New(apperr.NotFound, "no such file: %s", p))
		return
	}
	if !s.serveFile(c, "index.html") {
		httpapi.WriteError(c, s.log, apperr.New(apperr.Unavailable, "the console is not built: run `make build`"))
	}
}

// serveFile answers with the file name under dir and reports whether there
// was one. The file is opened within dir only (no ../ escape, no symlink
// out of it).
func (s *static) serveFile(c *gin.Context, name string) bool {
	f, err := os.OpenInRoot(s.dir, name)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		return false
	}
	h := c.Writer.Header()
	securityHeaders(h)
	if strings.HasPrefix(name, "assets/") {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	http.ServeContent(c.Writer, c.Request, info.Name(), info.ModTime(), f)
	return true
}

// ready checks that the build is in place.
func (s *static) ready() error {
	f, err := os.OpenInRoot(s.dir, "index.html")
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("index.html missing in " + s.dir + ": run `make build`")
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func writeJSON(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
