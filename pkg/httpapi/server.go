package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"claims.local/pkg/apperr"
	"claims.local/pkg/logging"
	"claims.local/pkg/tracing"
)

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// Check is one readiness check (database, Kafka).
type Check func(ctx context.Context) error

// Options configure NewEngine.
type Options struct {
	Log      *slog.Logger
	Registry *prometheus.Registry
	// Ready lists the checks /readyz runs, by name.
	Ready map[string]Check
	// OpenAPI is the service's OpenAPI 3 document, served at /openapi.json.
	OpenAPI []byte
	// MaxBodyBytes limits request bodies; 1 MiB when zero.
	MaxBodyBytes int64
	// BodyLimits overrides MaxBodyBytes for some routes, keyed
	// "METHOD /path" with gin's path parameters ("POST /v1/reports/:id/documents"):
	// uploads need more than a JSON body.
	BodyLimits map[string]int64
}

// NewEngine returns a gin engine with request ids, access logs, metrics,
// panic recovery and the operational routes /healthz, /readyz, /metrics and
// /openapi.json already in place.
func NewEngine(o Options) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "HTTP requests by route, method and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "status"})
	o.Registry.MustRegister(requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	maxBody := o.MaxBodyBytes
	if maxBody == 0 {
		maxBody = 1 << 20
	}
	e.Use(func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID(id) {
			id = uuid.NewString()
		}
		c.Header(RequestIDHeader, id)
		// Answers hold personal data (names, masked numbers, printable
		// pages; R11): the browser of a shared counter PC must not keep
		// them in its cache, and must not read an answer as another type
		// than it says. A handler may set its own Cache-Control (the
		// console's built files, the issuer's keys).
		c.Header("Cache-Control", "no-store")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Request = c.Request.WithContext(logging.WithRequestID(c.Request.Context(), id))
		// Every body is limited, whatever its declared type: BindJSON reads
		// a body as JSON whatever the Content-Type says.
		if c.Request.Body != nil {
			limit := maxBody
			if l, ok := o.BodyLimits[c.Request.Method+" "+c.FullPath()]; ok {
				limit = l
			}
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		defer func() {
			if p := recover(); p != nil {
				o.Log.ErrorContext(c.Request.Context(), "panic in handler", "panic", fmt.Sprint(p))
				WriteError(c, o.Log, fmt.Errorf("panic: %v", p))
			}
			route := c.FullPath()
			if route == "" {
				route = "unmatched"
			}
			status := c.Writer.Status()
			tracing.Observe(c.Request.Context(), requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)), time.Since(start).Seconds())
			if route != "/healthz" && route != "/readyz" && route != "/metrics" {
				o.Log.InfoContext(c.Request.Context(), "http request", "method", c.Request.Method, "route", route,
					"status", status, "duration_ms", time.Since(start).Milliseconds())
			}
		}()
		if !cleanText(c.Request.URL.Path) || !cleanQuery(c.Request.URL.RawQuery) {
			WriteError(c, o.Log, apperr.New(apperr.Invalid, "the address holds a NUL byte or text that is not UTF-8"))
			c.Abort()
			return
		}
		c.Next()
	})
	e.NoRoute(func(c *gin.Context) {
		WriteError(c, o.Log, apperr.New(apperr.NotFound, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, ErrorBody{Error: ErrorDetail{
			Code: "method_not_allowed", Message: "method " + c.Request.Method + " is not allowed here",
			RequestID: logging.RequestID(c.Request.Context())}})
	})
	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "alive"}) })
	e.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
		defer cancel()
		results, ok := map[string]string{}, true
		for name, check := range o.Ready {
			if err := check(ctx); err != nil {
				results[name], ok = err.Error(), false
			} else {
				results[name] = "ok"
			}
		}
		status := http.StatusOK
		if !ok {
			status = http.StatusServiceUnavailable
		}
		c.JSON(status, gin.H{"ready": ok, "checks": results})
	})
	// OpenMetrics, when the scraper asks for it, carries the exemplars
	// (the trace ids of observed requests).
	metrics := promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
	e.GET("/metrics", gin.WrapH(metrics))
	e.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", o.OpenAPI) })
	return e
}

// BindJSON decodes the request body into v, refusing unknown fields, and
// turns every failure into a clear invalid_argument error.
func BindJSON(c *gin.Context, v any) error {
	if c.Request.Body == nil {
		return apperr.New(apperr.Invalid, "the request needs a JSON body")
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	// Only white space may follow the object (More would let a stray '}' or
	// ']' through).
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return apperr.New(apperr.Invalid, "the request body must hold exactly one JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &tooLarge):
		return apperr.New(apperr.TooLarge, "the request body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "the request body is empty; a JSON object is expected")
	case errors.As(err, &typeErr):
		want := jsonType(typeErr.Type)
		switch {
		case typeErr.Field == "":
			return apperr.New(apperr.Invalid, "the request body must be a JSON %s", want)
		case want == "number" && strings.HasPrefix(typeErr.Value, "number"):
			return apperr.InvalidField(typeErr.Field, "must be a whole number within range")
		default:
			return apperr.InvalidField(typeErr.Field, "must be a JSON %s", want)
		}
	case errors.As(err, &syntaxErr):
		return apperr.New(apperr.Invalid, "the request body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.InvalidField(field, "is not a known field")
	default:
		return apperr.New(apperr.Invalid, "the request body could not be read as JSON: %v", err)
	}
}

// jsonType names the JSON type that decodes into t, so that a message never
// shows a Go type name to a client.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch k := t.Kind(); {
	case k == reflect.Bool:
		return "boolean"
	case k >= reflect.Int && k <= reflect.Float64:
		return "number"
	case k == reflect.String:
		return "string"
	case k == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return "string" // base64
	case k == reflect.Slice || k == reflect.Array:
		return "array"
	case k == reflect.Map || k == reflect.Struct:
		return "object"
	default:
		return "value"
	}
}

// Timeouts bound how long one connection may hold the server: a client
// that sends its headers or body slowly (slowloris), one that never reads
// the answer, or an idle keep-alive connection.
type Timeouts struct {
	// ReadHeader bounds reading the request headers, Read the whole
	// request with its body (an upload of the largest allowed document on
	// a slow line must fit), Write the time from the end of the headers to
	// the end of the answer, Idle a keep-alive connection between requests.
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultTimeouts are the timeouts of every service's server: 10 s for the
// headers, 2 minutes to read a request (a 20 MiB upload at 2 Mbit/s takes
// 80 s) and to answer it, 2 minutes idle.
func DefaultTimeouts() Timeouts {
	return Timeouts{ReadHeader: 10 * time.Second, Read: 2 * time.Minute, Write: 2 * time.Minute, Idle: 2 * time.Minute}
}

// Serve serves h on ln with DefaultTimeouts until ctx ends, then stops
// taking requests and waits up to grace for requests in flight.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration) error {
	return ServeWith(ctx, ln, h, grace, DefaultTimeouts())
}

// ServeWith is Serve with the given timeouts.
func ServeWith(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, to Timeouts) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: to.ReadHeader, ReadTimeout: to.Read, WriteTimeout: to.Write, IdleTimeout: to.Idle}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

// validRequestID reports whether a caller's request id may be kept: 1 to
// 128 letters, digits and . _ : -. It is echoed, written in every log line
// of the request and forwarded, and support staff search by it: markup,
// quotes, spaces or a right-to-left override in it would be the caller's
// text in each of those places.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

// cleanText reports whether s is UTF-8 without NUL bytes: what PostgreSQL
// text accepts, so that an identifier from the address never reaches the
// database as something it refuses (which would be a 500).
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// cleanQuery reports whether every name and value of a raw query decodes to
// clean text.
func cleanQuery(raw string) bool {
	if raw == "" {
		return true
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return true // the handlers answer what they cannot parse
	}
	for k, vs := range values {
		if !cleanText(k) {
			return false
		}
		for _, v := range vs {
			if !cleanText(v) {
				return false
			}
		}
	}
	return true
}
