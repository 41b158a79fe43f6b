// Package ports holds adjudication's HTTP API and Kafka consumers.
package ports

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
)

// OpenAPI is adjudication's OpenAPI 3 document.
//
//go:embed openapi.json
var OpenAPI []byte

// HTTP serves adjudication's use cases.
type HTTP struct {
	app *app.Service
	log *slog.Logger
}

// Permissions is adjudication's written permission table: who may call each
// route (package auth refuses everything else). Deciding is for handlers;
// readers add the catastrophe team, auditors and admins.
func Permissions() auth.Permissions {
	deciders := []auth.Role{auth.Handler, auth.SeniorHandler}
	readers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Auditor, auth.Admin}
	return auth.Permissions{
		"GET /v1/cases":                            readers,
		"GET /v1/cases/:claimId":                   readers,
		"POST /v1/cases/:claimId/decision":         deciders,
		"POST /v1/cases/:claimId/rejection-letter": deciders,
	}
}

// Register adds adjudication's routes to e.
func Register(e *gin.Engine, a *app.Service, log *slog.Logger) {
	h := &HTTP{app: a, log: log}
	v1 := e.Group("/v1")
	v1.GET("/cases", h.listCases)
	v1.GET("/cases/:claimId", h.getCase)
	v1.POST("/cases/:claimId/decision", h.decide)
	v1.POST("/cases/:claimId/rejection-letter", h.rejectionLetterSent)
}

type letterJSON struct {
	Channel string    `json:"channel"`
	SentBy  string    `json:"sent_by"`
	SentAt  time.Time `json:"sent_at"`
}

type decisionJSON struct {
	Outcome   string    `json:"outcome"`
	AmountFen int64     `json:"amount_fen"`
	Reason    string    `json:"reason,omitempty"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
}

type caseResponse struct {
	ID              string        `json:"id"`
	ClaimID         string        `json:"claim_id"`
	ReportID        string        `json:"report_id"`
	PolicyNumber    string        `json:"policy_number"`
	InsuredName     string        `json:"insured_name"`
	IncidentType    string        `json:"incident_type"`
	IncidentTime    time.Time     `json:"incident_time"`
	FirstReceivedAt time.Time     `json:"first_received_at"`
	OpenedAt        time.Time     `json:"opened_at"`
	State           string        `json:"state"`
	Decision        *decisionJSON `json:"decision"`
	RejectionLetter *letterJSON   `json:"rejection_letter"`
}

func toResponse(c domain.Case) caseResponse {
	r := caseResponse{
		ID: c.ID, ClaimID: c.ClaimID, ReportID: c.ReportID, PolicyNumber: c.PolicyNumber, InsuredName: c.InsuredName,
		IncidentType: c.IncidentType, IncidentTime: c.IncidentTime, FirstReceivedAt: c.FirstReceivedAt,
		OpenedAt: c.OpenedAt, State: string(c.State),
	}
	if d := c.Decision; d != nil {
		r.Decision = &decisionJSON{Outcome: string(d.Outcome), AmountFen: d.AmountFen, Reason: d.Reason,
			DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt}
	}
	if l := c.RejectionLetter; l != nil {
		r.RejectionLetter = &letterJSON{Channel: l.Channel, SentBy: l.SentBy, SentAt: l.SentAt}
	}
	return r
}

func (h *HTTP) listCases(c *gin.Context) {
	f := app.ListFilter{State: c.Query("state")}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			httpapi.WriteError(c, h.log, apperr.InvalidField("limit", "must be a whole number from 1 to 500"))
			return
		}
		f.Limit = n
	}
	cases, err := h.app.Cases(c.Request.Context(), f)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	out := make([]caseResponse, len(cases))
	for i, cs := range cases {
		out[i] = toResponse(cs)
	}
	c.JSON(http.StatusOK, gin.H{"cases": out})
}

func (h *HTTP) getCase(c *gin.Context) {
	cs, err := h.app.Case(c.Request.Context(), c.Param("claimId"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toResponse(cs))
}

type decideRequest struct {
	Outcome   string `json:"outcome"`
	AmountFen int64  `json:"amount_fen"`
	Reason    string `json:"reason"`
	DecidedBy string `json:"decided_by"`
}

func (h *HTTP) decide(c *gin.Context) {
	var req decideRequest
	if err := httpapi.BindJSON(c, &req); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	cs, err := h.app.Decide(c.Request.Context(), c.Param("claimId"), domain.DecisionInput{
		Outcome: req.Outcome, AmountFen: req.AmountFen, Reason: req.Reason, DecidedBy: req.DecidedBy,
	})
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toResponse(cs))
}

type letterSentRequest struct {
	Channel string `json:"channel"`
	SentBy  string `json:"sent_by"`
}

func (h *HTTP) rejectionLetterSent(c *gin.Context) {
	var req letterSentRequest
	if err := httpapi.BindJSON(c, &req); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	cs, err := h.app.RecordRejectionLetterSent(c.Request.Context(), c.Param("claimId"), req.Channel, req.SentBy)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toResponse(cs))
}
