// Package ports holds payout's HTTP API, Kafka consumer and payment worker.
package ports

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
)

// OpenAPI is payout's OpenAPI 3 document.
//
//go:embed openapi.json
var OpenAPI []byte

// HTTP serves payout's use cases.
type HTTP struct {
	app *app.Service
	log *slog.Logger
}

// Permissions is payout's written permission table: who may call each route
// (package auth refuses everything else). Finance reads payouts; handlers
// see their claims' payments; auditors and admins read everything.
func Permissions() auth.Permissions {
	readers := []auth.Role{auth.Finance, auth.Handler, auth.SeniorHandler, auth.Auditor, auth.Admin}
	return auth.Permissions{
		"GET /v1/obligations":     readers,
		"GET /v1/obligations/:id": readers,
	}
}

// Register adds payout's routes to e.
func Register(e *gin.Engine, a *app.Service, log *slog.Logger) {
	h := &HTTP{app: a, log: log}
	v1 := e.Group("/v1")
	v1.GET("/obligations", h.list)
	v1.GET("/obligations/:id", h.get)
}

type obligationResponse struct {
	ID            string     `json:"id"`
	ClaimID       string     `json:"claim_id"`
	PayoutType    string     `json:"payout_type"`
	AmountFen     int64      `json:"amount_fen"`
	Currency      string     `json:"currency"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	BankReference string     `json:"bank_reference,omitempty"`
	ScheduledAt   time.Time  `json:"scheduled_at"`
	CompletedAt   *time.Time `json:"completed_at"`
}

func toResponse(o domain.Obligation) obligationResponse {
	return obligationResponse{ID: o.ID, ClaimID: o.ClaimID, PayoutType: string(o.Type), AmountFen: o.AmountFen,
		Currency: o.Currency, State: string(o.State), Attempts: o.Attempts, LastError: o.LastError,
		BankReference: o.BankReference, ScheduledAt: o.ScheduledAt, CompletedAt: o.CompletedAt}
}

func (h *HTTP) list(c *gin.Context) {
	limit := 100
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			httpapi.WriteError(c, h.log, apperr.InvalidField("limit", "must be a whole number from 1 to 500"))
			return
		}
		limit = n
	}
	list, err := h.app.Obligations(c.Request.Context(), c.Query("claim_id"), limit)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	out := make([]obligationResponse, len(list))
	for i, o := range list {
		out[i] = toResponse(o)
	}
	c.JSON(http.StatusOK, gin.H{"obligations": out})
}

func (h *HTTP) get(c *gin.Context) {
	o, err := h.app.Obligation(c.Request.Context(), c.Param("id"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toResponse(o))
}
