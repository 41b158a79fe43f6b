// Package edge is the console's thin web edge: it serves the built
// single-page application, forwards /api/<service>/... to the services on
// the same origin (so the browser needs no CORS), and signs users in.
//
// The edge checks no permission itself: every service verifies the token
// and the role on every call (package auth), whether it comes through the
// edge or not.
package edge

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"claims.local/pkg/httpapi"
	"claims.local/pkg/lifecycle"
)

//go:embed openapi.json
var openAPI []byte

// Config configures the edge.
type Config struct {
	// HTTPAddr is where the edge listens (":0" picks a free port).
	HTTPAddr string
	// StaticDir holds the built console (index.html and assets/).
	StaticDir string
	// Upstreams are the services, forwarded at /api/<name>/.
	Upstreams []Upstream
	// Transport reaches the services (NewTransport).
	Transport http.RoundTripper
	// SignIn answers POST /api/auth/sign-in.
	SignIn gin.HandlerFunc
	// Routes, when set, adds the sign-in's other routes (refresh,
	// revocation).
	Routes func(gin.IRoutes)
	// WellKnown answers GET of its paths (the issuer's discovery document
	// and JWKS).
	WellKnown map[string]gin.HandlerFunc
	// TrustedProxies are the addresses or CIDRs of the proxies in front of
	// the edge whose X-Forwarded-For is believed; from any other peer the
	// header is ignored and the connection's address counts (sign-in
	// throttling counts per client address).
	TrustedProxies []string
	// TracesURL is the trace store's UI (Jaeger), where GET
	// /api/traces/claims/:claimId sends the case page's trace link; empty
	// when the services run without tracing.
	TracesURL string
	// WaitsPerClient bounds the forwarded requests carrying ?wait= (a read
	// or a decision that waits for its case to open) one client address
	// holds at once (DefaultWaitsPerClient when zero): one more is refused
	// at once, 429 too_many_in_flight with Retry-After, and not forwarded.
	// The services bound waits per token and per instance; this bounds a
	// script behind one address whatever tokens it holds (session 16).
	WaitsPerClient int
	// MaxBodyBytes limits request bodies, uploads included.
	MaxBodyBytes  int64
	ShutdownGrace time.Duration
}

// Edge is the console's edge server, bound to its port.
type Edge struct {
	cfg      Config
	log      *slog.Logger
	engine   *gin.Engine
	listener net.Listener
}

// New builds the edge's routes and binds its port; nothing is served until
// Run.
func New(cfg Config, log *slog.Logger) (*Edge, error) {
	if cfg.SignIn == nil {
		return nil, errors.New("edge: no sign-in handler")
	}
	if cfg.Transport == nil {
		cfg.Transport = NewTransport(5*time.Second, 60*time.Second)
	}
	if err := gin.New().SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("edge: trusted proxies: %w", err)
	}
	e := Handler(cfg, log)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	return &Edge{cfg: cfg, log: log, engine: e, listener: ln}, nil
}

// Handler returns the edge's routes: the operational ones of every
// service, sign-in, the forwarded APIs and the built console.
func Handler(cfg Config, log *slog.Logger) *gin.Engine {
	st := &static{dir: cfg.StaticDir, log: log}
	e := httpapi.NewEngine(httpapi.Options{
		Log: log, Registry: prometheus.NewRegistry(), OpenAPI: openAPI, MaxBodyBytes: cfg.MaxBodyBytes,
		Ready: map[string]httpapi.Check{"static": func(context.Context) error { return st.ready() }},
	})
	// The client address limits sign-in attempts: take the connection's,
	// or what a configured proxy reports, never a header any client can
	// write. New checks the list; a bad one leaves no proxy trusted.
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		_ = e.SetTrustedProxies(nil)
	}
	e.POST("/api/auth/sign-in", cfg.SignIn)
	if cfg.Routes != nil {
		cfg.Routes(e)
	}
	for path, h := range cfg.WellKnown {
		e.GET(path, h)
	}
	e.GET("/api/traces/claims/:claimId", claimTraces(cfg.TracesURL, log))
	takeWait := clientWaits(cfg.WaitsPerClient)
	for _, u := range cfg.Upstreams {
		e.Any("/api/"+u.Name+"/*path", newProxy(u, cfg.Transport, takeWait, log))
	}
	e.NoRoute(st.serve)
	return e
}

// Addr is where the edge listens.
func (e *Edge) Addr() string { return e.listener.Addr().String() }

// Run serves until ctx ends, then lets requests in flight finish.
func (e *Edge) Run(ctx context.Context) error {
	e.log.Info("console started", "http", e.Addr(), "static", e.cfg.StaticDir)
	return lifecycle.Run(ctx, e.log, lifecycle.Component{Name: "http", Run: func(ctx context.Context) error {
		return httpapi.Serve(ctx, e.listener, e.engine, e.cfg.ShutdownGrace)
	}})
}
