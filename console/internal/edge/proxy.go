package edge

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/logging"
)

// Upstream is one service the edge forwards to: requests to
// /api/<Name>/... go to URL with the prefix stripped.
type Upstream struct {
	Name string
	URL  *url.URL
}

// forwarded reports whether a path (prefix stripped) may be forwarded: the
// API and its document. The services' operational routes (/metrics,
// /readyz) stay inside.
func forwarded(path string) bool {
	return strings.HasPrefix(path, "/v1/") || path == "/openapi.json"
}

// newProxy returns the handler of /api/<name>/*path.
func newProxy(u Upstream, transport http.RoundTripper, log *slog.Logger) gin.HandlerFunc {
	prefix := "/api/" + u.Name
	rp := &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u.URL)
			pr.SetXForwarded()
			// SetURL joins the target's path with the incoming one; the
			// incoming one has its /api/<name> prefix removed by the handler.
			if id := logging.RequestID(pr.In.Context()); id != "" {
				pr.Out.Header.Set(httpapi.RequestIDHeader, id)
			}
			// The console signs in with bearer tokens only: nothing else
			// that a browser adds on its own is passed on.
			pr.Out.Header.Del("Cookie")
		},
		ModifyResponse: func(resp *http.Response) error {
			// The edge has set its own request id already (the same one),
			// and its own no-store and nosniff (httpapi.NewEngine): the
			// service's would be a second value of each.
			resp.Header.Del(httpapi.RequestIDHeader)
			resp.Header.Del("Cache-Control")
			resp.Header.Del("X-Content-Type-Options")
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeUpstreamError(w, r, u.Name, err, log)
		},
	}
	return func(c *gin.Context) {
		rest := strings.TrimPrefix(c.Request.URL.Path, prefix)
		if rest == "" {
			rest = "/"
		}
		if !forwarded(rest) {
			httpapi.WriteError(c, log, apperr.New(apperr.NotFound, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
			return
		}
		r := c.Request.Clone(c.Request.Context())
		r.URL.Path, r.URL.RawPath = rest, ""
		rp.ServeHTTP(c.Writer, r)
	}
}

// writeUpstreamError answers in the platform's error shape when a service
// cannot be reached (502), does not answer in time (504) or the request
// body was too large (413).
func writeUpstreamError(w http.ResponseWriter, r *http.Request, name string, err error, log *slog.Logger) {
	ctx := r.Context()
	status, detail := http.StatusBadGateway, httpapi.ErrorDetail{
		Code:    string(apperr.Unavailable),
		Message: "the " + name + " service cannot be reached; please try again in a moment",
	}
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooLarge):
		status, detail.Code, detail.Message = http.StatusRequestEntityTooLarge, string(apperr.TooLarge), "the request body is too large"
	case errors.Is(err, context.Canceled):
		// The browser went away; nobody reads the answer.
		log.InfoContext(ctx, "request cancelled by the client", "upstream", name)
		status = 499
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		status, detail.Message = http.StatusGatewayTimeout, "the "+name+" service did not answer in time; please try again"
	}
	if status != 499 {
		log.WarnContext(ctx, "upstream failed", "upstream", name, "path", r.URL.Path, "status", status, "error", err.Error())
	}
	detail.RequestID = logging.RequestID(ctx)
	gc, ok := w.(gin.ResponseWriter)
	if ok && gc.Written() {
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = writeJSON(w, httpapi.ErrorBody{Error: detail})
}

// NewTransport returns the transport to the services: connections are made
// within dial, and a service must start answering within header.
func NewTransport(dial, header time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // the services are reached directly, never through a host proxy
		DialContext:           (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: header,
		ExpectContinueTimeout: time.Second,
	}
}
