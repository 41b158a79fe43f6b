// Package httpapi is what the services' HTTP ports share: the one table that
// maps error codes to HTTP status, the error body, middleware for request ids,
// access logs and metrics, the health, readiness, metrics and OpenAPI routes,
// and a server with graceful shutdown.
package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/logging"
)

// statusByCode is the one place an application error code becomes an HTTP
// status. A code missing here is a 500.
var statusByCode = map[apperr.Code]int{
	apperr.Invalid:          http.StatusBadRequest,
	apperr.NotFound:         http.StatusNotFound,
	apperr.Conflict:         http.StatusConflict,
	apperr.Unauthenticated:  http.StatusUnauthorized,
	apperr.Forbidden:        http.StatusForbidden,
	apperr.TooLarge:         http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia: http.StatusUnsupportedMediaType,
	apperr.Unprocessable:    http.StatusUnprocessableEntity,
	apperr.Unavailable:      http.StatusServiceUnavailable,
	apperr.Overloaded:       http.StatusServiceUnavailable,
	apperr.Busy:             http.StatusServiceUnavailable,
	apperr.TooManyInFlight:  http.StatusTooManyRequests,
	apperr.PayeeNotEntitled: http.StatusUnprocessableEntity,
	apperr.BeyondContract:   http.StatusUnprocessableEntity,
	apperr.ChecksFailing:    http.StatusConflict,
	apperr.FraudSignal:      http.StatusConflict,
	apperr.AmountChanged:    http.StatusConflict,
}

// Status returns the HTTP status for code.
func Status(code apperr.Code) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the shape of every error answer, documented in each service's
// OpenAPI document as Error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the content of an error answer.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// RetryAfterSeconds is the Retry-After of an overloaded, busy or
// too-many-in-flight answer:
// long enough for an upload in flight to finish, short for a person
// waiting.
const RetryAfterSeconds = "2"

// WriteError answers with err. An error that is not an *apperr.Error is
// logged in full and answered with a generic message, so internals never
// leak to a client.
func WriteError(c *gin.Context, log *slog.Logger, err error) {
	ctx := c.Request.Context()
	detail := ErrorDetail{RequestID: logging.RequestID(ctx)}
	status := http.StatusInternalServerError
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
		status = Status(e.Code)
		if e.Code == apperr.Overloaded || e.Code == apperr.Busy || e.Code == apperr.TooManyInFlight {
			c.Header("Retry-After", RetryAfterSeconds)
		}
		detail.Code, detail.Message, detail.Field = string(e.Code), e.Message, e.Field
	} else {
		log.ErrorContext(ctx, "request failed", "method", c.Request.Method, "path", c.FullPath(), "error", err.Error())
		detail.Code, detail.Message = string(apperr.Internal), "Something went wrong on our side; the request was not completed. Please try again or quote the request id to support."
	}
	c.AbortWithStatusJSON(status, ErrorBody{Error: detail})
}
