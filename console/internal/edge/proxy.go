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
	"claims.local/pkg/inflight"
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

// DefaultWaitsPerClient is Config.WaitsPerClient when it is zero. The
// console's pages send no ?wait=; a script filing claims through the edge
// waits for a few at a time.
const DefaultWaitsPerClient = 16

// clientWaits returns the count of an edge's forwarded ?wait= requests
// per client address, an address holding at most limit at once
// (DefaultWaitsPerClient when zero or less): it counts a wait of client
// and returns done, which ends it, or refuses it (apperr.TooManyInFlight).
func clientWaits(limit int) func(client string) (done func(), err error) {
	if limit <= 0 {
		limit = DefaultWaitsPerClient
	}
	counts := inflight.New(limit, 0)
	return func(client string) (func(), error) {
		done, refusal := counts.Take(client)
		if refusal != inflight.Taken {
			return nil, apperr.New(apperr.TooManyInFlight, "%d requests from your address are waiting for an answer already; send this one when one of them is answered, or without wait", limit)
		}
		return done, nil
	}
}

// newProxy returns the handler of /api/<name>/*path. A request carrying a
// ?wait= value (as the service reads it: the query's first value of the
// key unescaped) counts against its client address's waits (clientWaits)
// while it is forwarded.
func newProxy(u Upstream, transport http.RoundTripper, takeWait func(client string) (func(), error), log *slog.Logger) gin.HandlerFunc {
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
		if c.Request.URL.Query().Get("wait") != "" {
			done, err := takeWait(c.ClientIP())
			if err != nil {
				httpapi.WriteError(c, log, err)
				return
			}
			defer done()
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
