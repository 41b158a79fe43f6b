package ports

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/catastrophe"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi"
)

// fastTrackPermissions is who may use the catastrophe fast track (R8): the
// catastrophe team declares and switches; everyone reads the declared
// catastrophes; the switches' audit is for the team, auditors and admins;
// senior handlers and the team dispatch tagged cases in bulk; handlers
// approve advances (R7, R8); handlers and the team arrange on-site visits.
func fastTrackPermissions() auth.Permissions {
	workers := []auth.Role{auth.Handler, auth.SeniorHandler}
	field := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator}
	readers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Auditor, auth.Admin}
	team := []auth.Role{auth.CatastropheCoordinator}
	return auth.Permissions{
		"POST /v1/catastrophes":                  team,
		"POST /v1/catastrophes/:code/activation": team,
		"GET /v1/catastrophes":                   auth.StaffRoles(),
		"GET /v1/catastrophes/:code/switches":    {auth.CatastropheCoordinator, auth.Auditor, auth.Admin},
		"GET /v1/catastrophes/:code/counts":      {auth.SeniorHandler, auth.CatastropheCoordinator, auth.Auditor, auth.Admin},
		"POST /v1/cases/bulk":                    {auth.SeniorHandler, auth.CatastropheCoordinator},
		"POST /v1/cases/:claimId/advance":        workers,
		"POST /v1/cases/:claimId/visits":         field,
		"GET /v1/visits":                         readers,
		"PATCH /v1/visits/:id":                   field,
	}
}

// registerFastTrack adds the routes of the fast track to v1.
func registerFastTrack(v1 *gin.RouterGroup, h *HTTP) {
	v1.POST("/catastrophes", h.declare)
	v1.GET("/catastrophes", h.catastrophes)
	v1.POST("/catastrophes/:code/activation", h.activation)
	v1.GET("/catastrophes/:code/switches", h.switches)
	v1.GET("/catastrophes/:code/counts", h.catastropheCounts)
	v1.POST("/cases/bulk", h.bulk)
	v1.POST("/cases/:claimId/advance", serve(h, h.advance))
	v1.POST("/cases/:claimId/visits", h.requestVisit)
	v1.GET("/visits", h.visits)
	v1.PATCH("/visits/:id", h.updateVisit)
}

type declarationRequest struct {
	Code                      string               `json:"code"`
	Name                      string               `json:"name"`
	Peril                     string               `json:"peril"`
	Regions                   []string             `json:"regions"`
	WindowStart               string               `json:"window_start"`
	WindowEnd                 string               `json:"window_end"`
	AdvancePolicy             events.AdvancePolicy `json:"advance_policy"`
	InternalTargetWorkingDays int                  `json:"internal_target_working_days"`
}

// catastropheJSON is a catastrophe as its state event carries it.
func catastropheJSON(c catastrophe.Catastrophe) events.CatastropheStateData { return c.State() }

func (h *HTTP) declare(c *gin.Context) {
	req, who, ok := bind[declarationRequest](h, c)
	if !ok {
		return
	}
	cat, err := h.app.DeclareCatastrophe(c.Request.Context(), who, catastrophe.Declaration{Code: req.Code, Name: req.Name,
		Peril: req.Peril, Regions: req.Regions, WindowStart: req.WindowStart, WindowEnd: req.WindowEnd,
		ShareBps: req.AdvancePolicy.ShareBps, CapFen: req.AdvancePolicy.CapFen, IncidentTypes: req.AdvancePolicy.IncidentTypes,
		TargetWorkingDays: req.InternalTargetWorkingDays})
	if err == nil {
		h.log.Info("catastrophe declared", "code", cat.Code, "by", who.Subject)
	}
	h.answer(c, http.StatusCreated, catastropheJSON(cat), err)
}

type activationRequest struct {
	Active *bool  `json:"active"`
	Reason string `json:"reason"`
}

func (h *HTTP) activation(c *gin.Context) {
	req, who, ok := bind[activationRequest](h, c)
	if !ok {
		return
	}
	if req.Active == nil {
		httpapi.WriteError(c, h.log, apperr.InvalidField("active", "is required: true switches the fast-track mode on, false off"))
		return
	}
	cat, err := h.app.SwitchCatastrophe(c.Request.Context(), who, c.Param("code"), *req.Active, req.Reason)
	if err == nil {
		h.log.Info("catastrophe mode switched", "code", cat.Code, "active", cat.Active, "by", who.Subject)
	}
	h.answer(c, http.StatusOK, catastropheJSON(cat), err)
}

func (h *HTTP) catastrophes(c *gin.Context) {
	list, err := h.app.Catastrophes(c.Request.Context())
	out := make([]events.CatastropheStateData, len(list))
	for i, cat := range list {
		out[i] = catastropheJSON(cat)
	}
	h.answer(c, http.StatusOK, gin.H{"catastrophes": out}, err)
}

type switchJSON struct {
	Version int       `json:"version"`
	Action  string    `json:"action"`
	Active  bool      `json:"active"`
	Actor   string    `json:"actor"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

func (h *HTTP) switches(c *gin.Context) {
	list, err := h.app.CatastropheSwitches(c.Request.Context(), c.Param("code"))
	out := make([]switchJSON, len(list))
	for i, s := range list {
		out[i] = switchJSON{Version: s.Version, Action: s.Action, Active: s.Active, Actor: s.Actor, Reason: s.Reason, At: s.At}
	}
	h.answer(c, http.StatusOK, gin.H{"switches": out}, err)
}

// catastropheCounts answers the cases of a catastrophe counted over all
// of them (the console counted its first page of 500).
func (h *HTTP) catastropheCounts(c *gin.Context) {
	n, err := h.app.CatastropheCounts(c.Request.Context(), c.Param("code"))
	h.answer(c, http.StatusOK, gin.H{"code": c.Param("code"), "tagged": n.Tagged, "tagged_undecided": n.Undecided,
		"untagged_covered": n.Untagged}, err)
}

type bulkRequest struct {
	ClaimIDs []string `json:"claim_ids"`
	Action   string   `json:"action"`
	Assignee string   `json:"assignee"`
}

type bulkResultJSON struct {
	ClaimID string         `json:"claim_id"`
	OK      bool           `json:"ok"`
	Case    *caseResponse  `json:"case,omitempty"`
	Error   *bulkErrorJSON `json:"error,omitempty"`
}

type bulkErrorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// bulk applies one action to many cases and answers each case's result:
// a case that cannot be changed does not stop the others.
func (h *HTTP) bulk(c *gin.Context) {
	req, who, ok := bind[bulkRequest](h, c)
	if !ok {
		return
	}
	results, err := h.app.Bulk(c.Request.Context(), who, req.ClaimIDs, strings.TrimSpace(req.Action), req.Assignee)
	out := make([]bulkResultJSON, len(results))
	done := 0
	for i, r := range results {
		out[i] = bulkResultJSON{ClaimID: r.ClaimID, OK: r.Err == nil}
		if r.Err != nil {
			e, ok := apperr.As(r.Err)
			if !ok {
				e = apperr.New(apperr.Internal, "internal error")
			}
			out[i].Error = &bulkErrorJSON{Code: string(e.Code), Message: e.Message, Field: e.Field}
			continue
		}
		done++
		cs := toResponse(r.Case)
		out[i].Case = &cs
	}
	h.answer(c, http.StatusOK, gin.H{"results": out, "changed": done, "failed": len(results) - done}, err)
}

type advanceRequest struct {
	AmountFen int64     `json:"amount_fen"`
	Reason    string    `json:"reason"`
	Payee     payeeJSON `json:"payee"`
}

func (h *HTTP) advance(ctx context.Context, who domain.Actor, claimID string, req advanceRequest) (domain.Case, error) {
	return h.app.RecordAdvance(ctx, who, claimID, domain.AdvanceInput{AmountFen: req.AmountFen, Reason: req.Reason, Payee: req.Payee.toInput()})
}

// toInput is the payee as the rules take it.
func (p payeeJSON) toInput() domain.PayeeInput {
	in := domain.PayeeInput{Name: p.Name, Role: p.Role, BankName: p.BankName, AccountNumber: p.AccountNumber,
		AccountHolder: p.AccountHolder, AuthorisationDocumentID: p.AuthorisationDocumentID}
	if o := p.OnBehalfOf; o != nil {
		in.OnBehalfOf = &domain.Person{Name: o.Name, Relation: o.Relation}
	}
	return in
}

type visitRequest struct {
	Address      string `json:"address"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	Reason       string `json:"reason"`
}

type visitPatchRequest struct {
	State        *string    `json:"state"`
	Address      *string    `json:"address"`
	ContactName  *string    `json:"contact_name"`
	ContactPhone *string    `json:"contact_phone"`
	Note         *string    `json:"note"`
	ScheduledFor *time.Time `json:"scheduled_for"`
	Version      int        `json:"version"`
}

type visitJSON struct {
	ID           string     `json:"id"`
	ClaimID      string     `json:"claim_id"`
	CaseID       string     `json:"case_id"`
	Address      string     `json:"address"`
	ContactName  string     `json:"contact_name"`
	ContactPhone string     `json:"contact_phone"`
	State        string     `json:"state"`
	Reason       string     `json:"reason"`
	Note         string     `json:"note"`
	ScheduledFor *time.Time `json:"scheduled_for"`
	RequestedBy  string     `json:"requested_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedBy    string     `json:"updated_by"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version"`
}

func toVisit(v domain.Visit) visitJSON {
	return visitJSON{ID: v.ID, ClaimID: v.ClaimID, CaseID: v.CaseID, Address: v.Address, ContactName: v.ContactName,
		ContactPhone: v.ContactPhone, State: v.State, Reason: v.Reason, Note: v.Note, ScheduledFor: v.ScheduledFor,
		RequestedBy: v.RequestedBy, CreatedAt: v.CreatedAt, UpdatedBy: v.UpdatedBy, UpdatedAt: v.UpdatedAt, Version: v.Version}
}

func (h *HTTP) requestVisit(c *gin.Context) {
	req, who, ok := bind[visitRequest](h, c)
	if !ok {
		return
	}
	v, err := h.app.RequestSiteVisit(c.Request.Context(), who, c.Param("claimId"), domain.VisitInput{Address: req.Address,
		ContactName: req.ContactName, ContactPhone: req.ContactPhone, Reason: req.Reason})
	h.answer(c, http.StatusCreated, toVisit(v), err)
}

func (h *HTTP) visits(c *gin.Context) {
	f := app.VisitFilter{ClaimID: c.Query("claim_id")}
	if s := c.Query("state"); s != "" {
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if !slices.Contains(domain.VisitStates(), part) {
				httpapi.WriteError(c, h.log, apperr.InvalidField("state", "must be one or more of %s, comma-separated", strings.Join(domain.VisitStates(), ", ")))
				return
			}
			f.States = append(f.States, part)
		}
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", 100, 1, 500); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	list, err := h.app.SiteVisits(c.Request.Context(), f)
	out := make([]visitJSON, len(list))
	for i, v := range list {
		out[i] = toVisit(v)
	}
	h.answer(c, http.StatusOK, gin.H{"visits": out}, err)
}

func (h *HTTP) updateVisit(c *gin.Context) {
	req, who, ok := bind[visitPatchRequest](h, c)
	if !ok {
		return
	}
	v, err := h.app.UpdateSiteVisit(c.Request.Context(), who, c.Param("id"), domain.VisitPatch{State: req.State, Address: req.Address,
		ContactName: req.ContactName, ContactPhone: req.ContactPhone, Note: req.Note, ScheduledFor: req.ScheduledFor, Version: req.Version})
	h.answer(c, http.StatusOK, toVisit(v), err)
}

// tagJSON is a tagged case's catastrophe and internal target.
type tagJSON struct {
	Code              string    `json:"code"`
	TargetWorkingDays int       `json:"target_working_days"`
	TargetDueDate     string    `json:"target_due_date"`
	TargetDueAt       time.Time `json:"target_due_at"`
	TargetState       string    `json:"target_state"`
}

func toTag(c domain.Case, now time.Time) *tagJSON {
	t := c.Catastrophe
	if t == nil {
		return nil
	}
	return &tagJSON{Code: t.Code, TargetWorkingDays: t.TargetWorkingDays, TargetDueDate: t.TargetDueDate.String(),
		TargetDueAt: t.TargetDueAt, TargetState: c.TargetState(now)}
}

type advanceJSON struct {
	ID                 string     `json:"id"`
	Ground             string     `json:"ground"`
	CatastropheCode    string     `json:"catastrophe_code,omitempty"`
	AmountFen          int64      `json:"amount_fen"`
	ExpectedBenefitFen int64      `json:"expected_benefit_fen"`
	State              string     `json:"state"`
	Reason             string     `json:"reason,omitempty"`
	OfferedAt          time.Time  `json:"offered_at"`
	Payee              *payeeJSON `json:"payee"`
	ApprovedBy         string     `json:"approved_by,omitempty"`
	ApprovedAt         *time.Time `json:"approved_at"`
}

func toAdvances(c domain.Case) []advanceJSON {
	out := []advanceJSON{}
	for _, a := range c.Advances {
		j := advanceJSON{ID: a.ID, Ground: a.Ground, CatastropheCode: a.CatastropheCode, AmountFen: a.AmountFen,
			ExpectedBenefitFen: a.ExpectedBenefitFen, State: a.State, Reason: a.Reason, OfferedAt: a.OfferedAt,
			ApprovedBy: a.ApprovedBy, ApprovedAt: a.ApprovedAt}
		if p := a.Payee; p != nil {
			j.Payee = &payeeJSON{Name: p.Name, Role: p.Role, BankName: p.BankName, AccountNumber: p.AccountMasked, OnBehalfOf: toPerson(p.OnBehalfOf)}
		}
		out = append(out, j)
	}
	return out
}
