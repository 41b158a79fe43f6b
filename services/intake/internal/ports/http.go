// Package ports holds intake's HTTP API.
package ports

import (
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
)

// OpenAPI is intake's OpenAPI 3 document.
//
//go:embed openapi.json
var OpenAPI []byte

// HTTP serves intake's use cases.
type HTTP struct {
	app *app.Service
	log *slog.Logger
}

// Permissions is intake's written permission table: who may call each
// route (package auth refuses everything else).
func Permissions() auth.Permissions {
	takers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Admin}
	return auth.Permissions{
		"POST /v1/reports":                   takers,
		"GET /v1/reports/:id":                append(takers, auth.Auditor),
		"POST /v1/reports/:id/claim-request": takers,
	}
}

// Register adds intake's routes to e.
func Register(e *gin.Engine, a *app.Service, log *slog.Logger) {
	h := &HTTP{app: a, log: log}
	v1 := e.Group("/v1")
	v1.POST("/reports", h.createReport)
	v1.GET("/reports/:id", h.getReport)
	v1.POST("/reports/:id/claim-request", h.requestClaim)
}

type reporterJSON struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

type createReportRequest struct {
	PolicyNumber string       `json:"policy_number"`
	InsuredName  string       `json:"insured_name"`
	IncidentType string       `json:"incident_type"`
	IncidentTime time.Time    `json:"incident_time"`
	Reporter     reporterJSON `json:"reporter"`
}

type reportResponse struct {
	ID               string       `json:"id"`
	ClaimID          string       `json:"claim_id"`
	PolicyNumber     string       `json:"policy_number"`
	InsuredName      string       `json:"insured_name"`
	IncidentType     string       `json:"incident_type"`
	IncidentTime     time.Time    `json:"incident_time"`
	Reporter         reporterJSON `json:"reporter"`
	ReportedAt       time.Time    `json:"reported_at"`
	ClaimRequestedAt *time.Time   `json:"claim_requested_at"`
}

func toResponse(r domain.IncidentReport) reportResponse {
	return reportResponse{
		ID: r.ID, ClaimID: r.ClaimID, PolicyNumber: r.PolicyNumber, InsuredName: r.InsuredName,
		IncidentType: string(r.IncidentType), IncidentTime: r.IncidentTime,
		Reporter:   reporterJSON{Name: r.Reporter.Name, Role: string(r.Reporter.Role)},
		ReportedAt: r.ReportedAt, ClaimRequestedAt: r.ClaimRequestedAt,
	}
}

func (h *HTTP) createReport(c *gin.Context) {
	var req createReportRequest
	if err := httpapi.BindJSON(c, &req); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	r, err := h.app.ReportIncident(c.Request.Context(), domain.NewReport{
		PolicyNumber: req.PolicyNumber, InsuredName: req.InsuredName, IncidentType: req.IncidentType,
		IncidentTime: req.IncidentTime, Reporter: domain.Reporter{Name: req.Reporter.Name, Role: domain.ReporterRole(req.Reporter.Role)},
	})
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.Header("Location", "/v1/reports/"+r.ID)
	c.JSON(http.StatusCreated, toResponse(r))
}

func (h *HTTP) getReport(c *gin.Context) {
	r, err := h.app.Report(c.Request.Context(), c.Param("id"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, toResponse(r))
}

type claimRequest struct {
	ReceivedAt *time.Time `json:"received_at"`
}

func (h *HTTP) requestClaim(c *gin.Context) {
	var req claimRequest
	if c.Request.ContentLength != 0 {
		if err := httpapi.BindJSON(c, &req); err != nil {
			httpapi.WriteError(c, h.log, err)
			return
		}
	}
	r, created, err := h.app.RequestClaim(c.Request.Context(), c.Param("id"), req.ReceivedAt)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, toResponse(r))
}
