package ports

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/assessmentdata"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
)

// straightPermissions is who uses the straight-through path (issue 19):
// everyone who reads cases reads a product's rules, a claim's assessment
// and the switch; only an admin adds a version of the rules (as for the
// rest of the policy data); seniors review sampled decisions, auditors and
// admins read them; an admin or a senior turns the path on or off.
func straightPermissions() auth.Permissions {
	readers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Auditor, auth.Admin}
	return auth.Permissions{
		"GET /v1/products/:code/rules":      readers,
		"POST /v1/products/:code/rules":     {auth.Admin},
		"GET /v1/cases/:claimId/assessment": readers,
		"GET /v1/auto/reviews":              {auth.SeniorHandler, auth.Auditor, auth.Admin},
		"POST /v1/auto/reviews/:claimId":    {auth.SeniorHandler},
		"GET /v1/auto/switch":               readers,
		"PUT /v1/auto/switch":               {auth.SeniorHandler, auth.Admin},
	}
}

// registerStraight adds the routes of the straight-through path to v1.
func registerStraight(v1 *gin.RouterGroup, h *HTTP) {
	v1.GET("/products/:code/rules", h.listRules)
	v1.POST("/products/:code/rules", h.putRules)
	v1.GET("/cases/:claimId/assessment", h.assessment)
	v1.GET("/auto/reviews", h.autoReviews)
	v1.POST("/auto/reviews/:claimId", h.reviewAuto)
	v1.GET("/auto/switch", h.autoSwitch)
	v1.PUT("/auto/switch", h.setAutoSwitch)
}

// rulesJSON is a version of a product's rules on the API.
type rulesJSON struct {
	ProductCode          string     `json:"product_code"`
	Version              int        `json:"version"`
	Benefit              string     `json:"benefit"`
	DeductibleFen        int64      `json:"deductible_fen"`
	DeductibleClause     string     `json:"deductible_clause"`
	RatioWithSocialBP    int        `json:"ratio_with_social_bp"`
	RatioWithoutSocialBP int        `json:"ratio_without_social_bp"`
	RatioClause          string     `json:"ratio_clause"`
	PaysSelfFunded       bool       `json:"pays_self_funded"`
	SelfFundedClause     string     `json:"self_funded_clause"`
	PerClaimLimitFen     int64      `json:"per_claim_limit_fen"`
	AnnualLimitFen       int64      `json:"annual_limit_fen"`
	LimitClause          string     `json:"limit_clause"`
	Agreement            string     `json:"agreement"`
	CreatedBy            string     `json:"created_by,omitempty"`
	CreatedAt            *time.Time `json:"created_at,omitempty"`
}

func toRulesJSON(r domain.ProductRules) rulesJSON {
	at := r.CreatedAt
	return rulesJSON{ProductCode: r.ProductCode, Version: r.Version, Benefit: r.Benefit, DeductibleFen: r.DeductibleFen,
		DeductibleClause: r.DeductibleClause, RatioWithSocialBP: r.RatioWithSocialBP, RatioWithoutSocialBP: r.RatioWithoutSocialBP,
		RatioClause: r.RatioClause, PaysSelfFunded: r.PaysSelfFunded, SelfFundedClause: r.SelfFundedClause, PerClaimLimitFen: r.PerClaimLimitFen,
		AnnualLimitFen: r.AnnualLimitFen, LimitClause: r.LimitClause, Agreement: r.Agreement, CreatedBy: r.CreatedBy, CreatedAt: &at}
}

func (h *HTTP) listRules(c *gin.Context) {
	list, err := h.app.Rules(c.Request.Context(), c.Param("code"))
	out := make([]rulesJSON, len(list))
	for i, r := range list {
		out[i] = toRulesJSON(r)
	}
	h.answer(c, http.StatusOK, gin.H{"rules": out}, err)
}

// putRules adds a version of a product's rules; the version is the
// store's, whatever the body says.
func (h *HTTP) putRules(c *gin.Context) {
	req, who, ok := bind[rulesJSON](h, c)
	if !ok {
		return
	}
	r, err := h.app.PutRules(c.Request.Context(), who, c.Param("code"), domain.ProductRules{Benefit: req.Benefit,
		DeductibleFen: req.DeductibleFen, DeductibleClause: req.DeductibleClause, RatioWithSocialBP: req.RatioWithSocialBP,
		RatioWithoutSocialBP: req.RatioWithoutSocialBP, RatioClause: req.RatioClause, PaysSelfFunded: req.PaysSelfFunded,
		SelfFundedClause: req.SelfFundedClause, PerClaimLimitFen: req.PerClaimLimitFen, AnnualLimitFen: req.AnnualLimitFen,
		LimitClause: req.LimitClause, Agreement: req.Agreement})
	h.answer(c, http.StatusCreated, toRulesJSON(r), err)
}

// assessmentJSON is a claim's straight-through assessment: whether the
// system decided it, the reasons it did not (codes and parameters), and
// the amount computed with every step of it.
type assessmentJSON struct {
	ClaimID      string                      `json:"claim_id"`
	ProductCode  string                      `json:"product_code"`
	RulesVersion int                         `json:"rules_version"`
	Automatic    bool                        `json:"automatic"`
	Reasons      []assessmentdata.Reason     `json:"reasons"`
	Computation  *assessmentdata.Computation `json:"computation"`
	AssessedAt   time.Time                   `json:"assessed_at"`
	// Corroborations are the fields read with low confidence that an
	// independent check confirmed (issue 19).
	Corroborations []corroborationJSON `json:"corroborations"`
}

// corroborationJSON is one field read with low confidence and how it was
// confirmed.
type corroborationJSON struct {
	DocumentID      string  `json:"document_id"`
	Field           string  `json:"field"`
	Confidence      float64 `json:"confidence"`
	By              string  `json:"by"`
	OtherDocumentID string  `json:"other_document_id,omitempty"`
}

func toAssessment(a app.StoredAssessment) assessmentJSON {
	out := assessmentJSON{ClaimID: a.ClaimID, ProductCode: a.ProductCode, RulesVersion: a.RulesVersion, Automatic: a.Automatic,
		Reasons: assessmentdata.FromReasons(a.Reasons), Computation: assessmentdata.FromComputation(a.Computation), AssessedAt: a.AssessedAt,
		Corroborations: []corroborationJSON{}}
	for _, c := range a.Corroborations {
		out.Corroborations = append(out.Corroborations, corroborationJSON{DocumentID: c.DocumentID, Field: c.Field, Confidence: c.Confidence,
			By: c.By, OtherDocumentID: c.Other})
	}
	return out
}

func (h *HTTP) assessment(c *gin.Context) {
	a, err := h.app.Assessment(c.Request.Context(), c.Param("claimId"))
	h.answer(c, http.StatusOK, toAssessment(a), err)
}

type autoReviewJSON struct {
	ClaimID    string     `json:"claim_id"`
	Reason     string     `json:"reason"`
	AmountFen  int64      `json:"amount_fen"`
	DecidedBy  string     `json:"decided_by"`
	SampledAt  time.Time  `json:"sampled_at"`
	Outcome    string     `json:"outcome"`
	Note       string     `json:"note"`
	ReviewedBy string     `json:"reviewed_by,omitempty"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
}

func (h *HTTP) autoReviews(c *gin.Context) {
	limit, err := queryInt(c, "limit", 50, 1, 500)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	offset, err := queryInt(c, "offset", 0, 0, 1_000_000)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	pending := true
	switch c.DefaultQuery("state", "pending") {
	case "pending":
	case "all":
		pending = false
	default:
		httpapi.WriteError(c, h.log, apperr.InvalidField("state", "must be pending or all"))
		return
	}
	list, err := h.app.AutoReviews(c.Request.Context(), pending, limit, offset)
	out := make([]autoReviewJSON, len(list))
	for i, r := range list {
		out[i] = autoReviewJSON(r)
	}
	h.answer(c, http.StatusOK, gin.H{"reviews": out}, err)
}

type autoReviewRequest struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

func (h *HTTP) reviewAuto(c *gin.Context) {
	req, who, ok := bind[autoReviewRequest](h, c)
	if !ok {
		return
	}
	r, err := h.app.ReviewAutoDecision(c.Request.Context(), who, c.Param("claimId"), req.Outcome, req.Note)
	h.answer(c, http.StatusOK, autoReviewJSON(r), err)
}

type switchChangeJSON struct {
	Enabled   bool      `json:"enabled"`
	Reason    string    `json:"reason"`
	ChangedBy string    `json:"changed_by"`
	ChangedAt time.Time `json:"changed_at"`
}

type autoSwitchJSON struct {
	Enabled bool               `json:"enabled"`
	Changes []switchChangeJSON `json:"changes"`
}

func toSwitch(on bool, changes []domain.SwitchChange) autoSwitchJSON {
	out := autoSwitchJSON{Enabled: on, Changes: make([]switchChangeJSON, len(changes))}
	for i, ch := range changes {
		out.Changes[i] = switchChangeJSON(ch)
	}
	return out
}

func (h *HTTP) autoSwitch(c *gin.Context) {
	on, changes, err := h.app.AutoSwitch(c.Request.Context())
	h.answer(c, http.StatusOK, toSwitch(on, changes), err)
}

type autoSwitchRequest struct {
	Enabled *bool  `json:"enabled"`
	Reason  string `json:"reason"`
}

func (h *HTTP) setAutoSwitch(c *gin.Context) {
	req, who, ok := bind[autoSwitchRequest](h, c)
	if !ok {
		return
	}
	if req.Enabled == nil {
		httpapi.WriteError(c, h.log, apperr.InvalidField("enabled", "is required: true turns the straight-through path on, false off"))
		return
	}
	on, changes, err := h.app.SetAutoSwitch(c.Request.Context(), who, *req.Enabled, req.Reason)
	if err == nil {
		h.log.Info("straight-through path switched", "enabled", on, "by", who.Subject)
	}
	h.answer(c, http.StatusOK, toSwitch(on, changes), err)
}
