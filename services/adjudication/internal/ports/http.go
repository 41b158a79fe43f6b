// Package ports holds adjudication's HTTP API and Kafka consumers.
package ports

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/adjudication/internal/policydata"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/auth/authhttp"
	"claims.local/pkg/deadline"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/tracking"
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
// route (package auth refuses everything else). Handlers and senior handlers
// work cases; marking a case complex and approving a decision above a
// handler's authority are for senior handlers; readers add the catastrophe
// team, auditors and admins (finance reads payout, not cases: R11); only an
// admin imports policy data.
func Permissions() auth.Permissions {
	workers := []auth.Role{auth.Handler, auth.SeniorHandler}
	seniors := []auth.Role{auth.SeniorHandler}
	readers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Auditor, auth.Admin}
	return fastTrackPermissions().Merge(complaintPermissions(), indicatorPermissions(), notePermissions(), straightPermissions()).Merge(auth.Permissions{
		"GET /v1/cases":                                     readers,
		"GET /v1/cases/:claimId":                            readers,
		"GET /v1/cases/:claimId/timeline":                   readers,
		"GET /v1/cases/:claimId/checks":                     readers,
		"GET /v1/cases/:claimId/rejection-letter":           readers,
		"GET /v1/queue":                                     readers,
		"GET /v1/workloads":                                 readers,
		"POST /v1/cases/:claimId/review":                    workers,
		"POST /v1/cases/:claimId/assignment":                workers,
		"POST /v1/cases/:claimId/document-request":          workers,
		"POST /v1/cases/:claimId/document-request/delivery": workers,
		"POST /v1/cases/:claimId/documents-received":        workers,
		"POST /v1/cases/:claimId/complex":                   seniors,
		"POST /v1/cases/:claimId/decision":                  workers,
		"POST /v1/cases/:claimId/decision/approval":         seniors,
		"POST /v1/cases/:claimId/checks/:check/override":    seniors,
		"POST /v1/cases/:claimId/rejection-letter":          workers,
		"POST /v1/cases/:claimId/agreement":                 workers,
		"POST /v1/cases/:claimId/close":                     workers,
		"GET /v1/products/:code":                            readers,
		"PUT /v1/products/:code":                            {auth.Admin},
		"GET /v1/policies/:number":                          readers,
		"PUT /v1/policies/:number":                          {auth.Admin},
		"GET /v1/payment-authorisations":                    {auth.Finance, auth.Auditor, auth.Admin},
		"PUT /v1/employees":                                 {auth.Admin},
	})
}

// Register adds adjudication's routes to e.
func Register(e *gin.Engine, a *app.Service, log *slog.Logger) {
	h := &HTTP{app: a, log: log}
	v1 := e.Group("/v1")
	v1.GET("/cases", h.listCases)
	v1.GET("/queue", h.queue)
	v1.GET("/workloads", h.workloads)
	cs := v1.Group("/cases/:claimId")
	cs.GET("", h.getCase)
	cs.GET("/timeline", h.timeline)
	cs.GET("/checks", h.checks)
	cs.GET("/rejection-letter", h.rejectionLetter)
	cs.POST("/review", serve(h, h.startReview))
	cs.POST("/assignment", serve(h, h.assign))
	cs.POST("/document-request", serve(h, h.requestDocuments))
	cs.POST("/document-request/delivery", serve(h, h.noticeDelivered))
	cs.POST("/documents-received", serve(h, h.documentsReceived))
	cs.POST("/complex", serve(h, h.markComplex))
	cs.POST("/decision", h.decideWhenOpen)
	cs.POST("/decision/approval", serve(h, h.reviewDecision))
	cs.POST("/checks/:check/override", h.overrideCheck)
	cs.POST("/rejection-letter", serve(h, h.rejectionLetterSent))
	cs.POST("/agreement", serve(h, h.agreement))
	cs.POST("/close", serve(h, h.closeCase))
	v1.GET("/products/:code", h.getProduct)
	v1.PUT("/products/:code", h.putProduct)
	v1.GET("/policies/:number", h.getPolicy)
	v1.PUT("/policies/:number", h.putPolicy)
	v1.GET("/payment-authorisations", h.paymentAuthorisations)
	v1.PUT("/employees", h.putEmployees)
	registerFastTrack(v1, h)
	registerComplaints(v1, h)
	registerIndicators(v1, h)
	registerNotes(v1, h)
	registerStraight(v1, h)
}

// actor is the signed-in caller as the rules see them.
func actor(c *gin.Context) (domain.Actor, error) {
	p, err := authhttp.Actor(c)
	if err != nil {
		return domain.Actor{}, err
	}
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	return domain.Actor{Subject: p.Subject, Roles: roles}, nil
}

// bind reads the request body as Req and finds the signed-in actor; when
// either fails it answers the error and reports false.
func bind[Req any](h *HTTP, c *gin.Context) (Req, domain.Actor, bool) {
	var req Req
	if err := httpapi.BindJSON(c, &req); err != nil {
		httpapi.WriteError(c, h.log, err)
		return req, domain.Actor{}, false
	}
	who, err := actor(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return req, domain.Actor{}, false
	}
	return req, who, true
}

// serve answers a change of a case: it binds the request body as Req, runs
// do as the signed-in actor and answers with the case it returns.
func serve[Req any](h *HTTP, do func(ctx context.Context, who domain.Actor, claimID string, req Req) (domain.Case, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, who, ok := bind[Req](h, c)
		if !ok {
			return
		}
		cs, err := do(c.Request.Context(), who, c.Param("claimId"), req)
		h.answer(c, http.StatusOK, toResponse(cs), err)
	}
}

// answer writes v with status, or the error.
func (h *HTTP) answer(c *gin.Context, status int, v any, err error) {
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(status, v)
}

// queryInt reads a whole-number query parameter from lo to hi, def when absent.
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.InvalidField(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

func (h *HTTP) listCases(c *gin.Context) {
	f := app.ListFilter{Assignee: c.Query("assignee")}
	var err error
	if s := c.Query("state"); s != "" {
		if f.State, err = domain.ParseState("state", s); err != nil {
			httpapi.WriteError(c, h.log, err)
			return
		}
	}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 500); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	cases, err := h.app.Cases(c.Request.Context(), f)
	out := make([]caseResponse, len(cases))
	for i, cs := range cases {
		out[i] = toResponse(cs)
	}
	h.answer(c, http.StatusOK, gin.H{"cases": out}, err)
}

func (h *HTTP) queue(c *gin.Context) {
	f, err := queueFilter(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	items, err := h.app.Queue(c.Request.Context(), f)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	total, err := h.app.QueueTotal(c.Request.Context(), f)
	var next *int
	if f.Offset+len(items) < total {
		n := f.Offset + len(items)
		next = &n
	}
	h.answer(c, http.StatusOK, gin.H{"items": toQueue(items), "next_offset": next, "total": total}, err)
}

// workloads answers the open cases each handler holds (issue 20: the
// assignment picker shows them).
func (h *HTTP) workloads(c *gin.Context) {
	ws, err := h.app.Workloads(c.Request.Context())
	out := make([]workloadJSON, len(ws))
	for i, w := range ws {
		out[i] = workloadJSON{Assignee: w.Assignee, OpenCases: w.Open, AtRisk: w.AtRisk}
	}
	h.answer(c, http.StatusOK, gin.H{"handlers": out}, err)
}

// workloadJSON is a handler's current workload.
type workloadJSON struct {
	Assignee  string `json:"assignee"`
	OpenCases int    `json:"open_cases"`
	AtRisk    int    `json:"at_risk"`
}

func queueFilter(c *gin.Context) (app.QueueFilter, error) {
	f := app.QueueFilter{Assignee: c.Query("assignee")}
	if s := c.Query("state"); s != "" {
		for _, part := range strings.Split(s, ",") {
			st, err := domain.ParseState("state", strings.TrimSpace(part))
			if err != nil {
				return app.QueueFilter{}, err
			}
			f.States = append(f.States, st)
		}
	}
	switch c.Query("unassigned") {
	case "", "false":
	case "true":
		if f.Assignee != "" {
			return app.QueueFilter{}, apperr.InvalidField("unassigned", "cannot be combined with assignee")
		}
		f.Unassigned = true
	default:
		return app.QueueFilter{}, apperr.InvalidField("unassigned", "must be true or false")
	}
	if s := c.Query("risk"); s != "" {
		r, err := tracking.ParseRisk(s)
		if err != nil {
			return app.QueueFilter{}, err
		}
		f.Risk = r
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", 100, 1, 500); err != nil {
		return app.QueueFilter{}, err
	}
	if f.Offset, err = queryInt(c, "offset", 0, 0, 1_000_000); err != nil {
		return app.QueueFilter{}, err
	}
	if f.Search = strings.TrimSpace(c.Query("q")); len([]rune(f.Search)) > 100 {
		return app.QueueFilter{}, apperr.InvalidField("q", "must be at most 100 characters")
	}
	if s := c.Query("incident_type"); s != "" {
		if !slices.Contains(domain.IncidentTypes(), s) {
			return app.QueueFilter{}, apperr.InvalidField("incident_type", "must be one of %s", strings.Join(domain.IncidentTypes(), ", "))
		}
		f.IncidentType = s
	}
	f.Catastrophe = c.Query("catastrophe")
	switch c.Query("complex") {
	case "":
	case "true", "false":
		v := c.Query("complex") == "true"
		f.Complex = &v
	default:
		return app.QueueFilter{}, apperr.InvalidField("complex", "must be true or false")
	}
	if f.Sort = c.Query("sort"); f.Sort != "" && !slices.Contains(app.QueueSorts(), f.Sort) {
		return app.QueueFilter{}, apperr.InvalidField("sort", "must be one of %s", strings.Join(app.QueueSorts(), ", "))
	}
	switch c.Query("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		return app.QueueFilter{}, apperr.InvalidField("order", "must be asc or desc")
	}
	return f, nil
}

// getCase answers the case with the most its contract allows, which the
// decision form offers.
//
// With ?wait= (a duration up to app.MaxCaseWait, e.g. 5s) a case not yet
// open is waited for that long, and answered as soon as it opens: a client
// that has just filed the claim request learns of the case without
// polling.
func (h *HTTP) getCase(c *gin.Context) {
	wait, err := queryWait(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	who, err := actor(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	cs, err := h.app.CaseWhenOpen(c.Request.Context(), who.Subject, c.Param("claimId"), wait)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	r := toResponse(cs)
	m, err := h.app.MaxPayable(c.Request.Context(), cs)
	r.MaxPayable = toMaxPayable(m)
	h.answer(c, http.StatusOK, r, err)
}

// paymentAuthorisations lists the payments authorised in [from, to) for
// payout's three-way reconciliation.
func (h *HTTP) paymentAuthorisations(c *gin.Context) {
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		t, err := time.Parse(time.RFC3339, c.Query(name))
		if err != nil {
			httpapi.WriteError(c, h.log, apperr.InvalidField(name, "must be a time in RFC 3339, such as 2026-10-01T00:00:00Z"))
			return
		}
		bounds[i] = t
	}
	items, err := h.app.PaymentAuthorisations(c.Request.Context(), bounds[0], bounds[1])
	out := make([]paymentAuthorisationJSON, len(items))
	for i, a := range items {
		out[i] = paymentAuthorisationJSON(a)
	}
	h.answer(c, http.StatusOK, gin.H{"items": out}, err)
}

func (h *HTTP) timeline(c *gin.Context) {
	changes, err := h.app.Timeline(c.Request.Context(), c.Param("claimId"))
	h.answer(c, http.StatusOK, gin.H{"entries": toEntries(changes)}, err)
}

func (h *HTTP) checks(c *gin.Context) {
	results, err := h.app.Checks(c.Request.Context(), c.Param("claimId"))
	h.answer(c, http.StatusOK, gin.H{"checks": toChecks(results)}, err)
}

type emptyRequest struct{}

func (h *HTTP) startReview(ctx context.Context, who domain.Actor, claimID string, _ emptyRequest) (domain.Case, error) {
	return h.app.StartReview(ctx, who, claimID)
}

type assignRequest struct {
	Assignee string `json:"assignee"`
	Reason   string `json:"reason"`
}

func (h *HTTP) assign(ctx context.Context, who domain.Actor, claimID string, req assignRequest) (domain.Case, error) {
	return h.app.Assign(ctx, who, claimID, req.Assignee, req.Reason)
}

type documentRequest struct {
	Documents []string `json:"documents"`
	Reason    string   `json:"reason"`
	Note      string   `json:"note"`
	Channel   string   `json:"channel"`
}

func (h *HTTP) requestDocuments(ctx context.Context, who domain.Actor, claimID string, req documentRequest) (domain.Case, error) {
	return h.app.RequestDocuments(ctx, who, claimID, domain.DocumentRequest(req))
}

type noticeDeliveredRequest struct {
	DeliveredAt *time.Time `json:"delivered_at"`
	Receipt     string     `json:"receipt"`
}

// noticeDelivered records the delivery receipt of the awaited
// supplementary notice: the gateway's for an electronic channel, the signed
// postal or hand-delivery receipt a handler enters.
func (h *HTTP) noticeDelivered(ctx context.Context, who domain.Actor, claimID string, req noticeDeliveredRequest) (domain.Case, error) {
	var at time.Time
	if req.DeliveredAt != nil {
		at = *req.DeliveredAt
	}
	return h.app.RecordNoticeDelivered(ctx, who, claimID, at, req.Receipt)
}

type documentsReceivedRequest struct {
	ReceivedAt *time.Time `json:"received_at"`
}

func (h *HTTP) documentsReceived(ctx context.Context, who domain.Actor, claimID string, req documentsReceivedRequest) (domain.Case, error) {
	var at time.Time
	if req.ReceivedAt != nil {
		at = *req.ReceivedAt
	}
	return h.app.RecordDocumentsReceived(ctx, who, claimID, at)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (h *HTTP) markComplex(ctx context.Context, who domain.Actor, claimID string, req reasonRequest) (domain.Case, error) {
	return h.app.MarkComplex(ctx, who, claimID, req.Reason)
}

func (h *HTTP) closeCase(ctx context.Context, who domain.Actor, claimID string, req reasonRequest) (domain.Case, error) {
	return h.app.Close(ctx, who, claimID, req.Reason)
}

type decideRequest struct {
	Outcome            string       `json:"outcome"`
	Lines              []lineJSON   `json:"lines"`
	Reasons            []reasonJSON `json:"reasons"`
	Note               string       `json:"note"`
	Version            int          `json:"version"`
	AcknowledgeUnknown string       `json:"acknowledge_unknown"`
	ExGratia           bool         `json:"ex_gratia"`
	AmountReason       string       `json:"amount_reason"`
}

// queryWait reads the wait query parameter: how long a request waits for
// a case to open (none when absent; app.MaxCaseWait at most).
func queryWait(c *gin.Context) (time.Duration, error) {
	s := c.Query("wait")
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, apperr.InvalidField("wait", "must be a duration such as 5s, up to %s", app.MaxCaseWait)
	}
	return d, nil
}

// decideWhenOpen records a decision; with ?wait= (as for getCase) it first
// waits that long for a case not yet open, so that a decision sent right
// after the claim request is not answered 404.
func (h *HTTP) decideWhenOpen(c *gin.Context) {
	wait, err := queryWait(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	serve(h, func(ctx context.Context, who domain.Actor, claimID string, req decideRequest) (domain.Case, error) {
		return h.decide(ctx, who, claimID, req, wait)
	})(c)
}

func (h *HTTP) decide(ctx context.Context, who domain.Actor, claimID string, req decideRequest, wait time.Duration) (domain.Case, error) {
	in := domain.DecisionInput{Outcome: req.Outcome, Note: req.Note, Version: req.Version, AcknowledgeUnknown: req.AcknowledgeUnknown,
		ExGratia: req.ExGratia, AmountReason: req.AmountReason}
	for _, l := range req.Lines {
		in.Lines = append(in.Lines, domain.BenefitLine(l))
	}
	for _, r := range req.Reasons {
		in.Reasons = append(in.Reasons, domain.RejectionReason(r))
	}
	return h.app.DecideWhenOpen(ctx, who, claimID, in, wait)
}

type approvalRequest struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

func (h *HTTP) reviewDecision(ctx context.Context, who domain.Actor, claimID string, req approvalRequest) (domain.Case, error) {
	return h.app.ReviewDecision(ctx, who, claimID, req.Verdict, req.Reason, req.Version)
}

// overrideCheck is served per request: it reads the check from the path.
func (h *HTTP) overrideCheck(c *gin.Context) {
	serve(h, func(ctx context.Context, who domain.Actor, claimID string, req reasonRequest) (domain.Case, error) {
		check, err := domain.ParseCheckName(c.Param("check"))
		if err != nil {
			return domain.Case{}, err
		}
		return h.app.OverrideCheck(ctx, who, claimID, check, req.Reason)
	})(c)
}

type letterSentRequest struct {
	Channel string `json:"channel"`
}

func (h *HTTP) rejectionLetterSent(ctx context.Context, who domain.Actor, claimID string, req letterSentRequest) (domain.Case, error) {
	return h.app.RecordRejectionLetterSent(ctx, who, claimID, req.Channel)
}

// rejectionLetter answers the stored PDF of the rejection notice, exactly
// as generated (and, once sent, as sent), with its SHA-256.
func (h *HTTP) rejectionLetter(c *gin.Context) {
	who, err := actor(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	pdf, cs, err := h.app.RejectionLetter(c.Request.Context(), who, c.Param("claimId"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="rejection-letter-`+fileSafe(cs.ClaimID)+`.pdf"`)
	c.Header("X-Letter-SHA256", cs.RejectionLetter.SHA256)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// fileSafe keeps the letters, digits, '-' and '_' of s, for a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, s)
}

type agreementRequest struct {
	AgreedBy string    `json:"agreed_by"`
	Channel  string    `json:"channel"`
	Payee    payeeJSON `json:"payee"`
}

func (h *HTTP) agreement(ctx context.Context, who domain.Actor, claimID string, req agreementRequest) (domain.Case, error) {
	return h.app.RecordAgreement(ctx, who, claimID, domain.AgreementInput{AgreedBy: req.AgreedBy, Channel: req.Channel, Payee: req.Payee.toInput()})
}

// productResponse is a product with its code.
type productResponse struct {
	Code string `json:"code"`
	policydata.Product
	// LongerThanStatute flags the contract periods longer than the
	// statute's (R4, R6): allowed by the contract, for a person to confirm.
	LongerThanStatute []string `json:"longer_than_statute,omitempty"`
}

// policyResponse is a policy with its number.
type policyResponse struct {
	Number string `json:"number"`
	policydata.Policy
}

// created is 201 for a new resource, 200 for a replaced one.
func created(isNew bool) int {
	if isNew {
		return http.StatusCreated
	}
	return http.StatusOK
}

// importDoc imports one document of the policy system: it binds the body
// as In, converts it with the key of the path parameter param, stores it and
// answers 201 for a new document, 200 for a replaced one.
func importDoc[In interface{ ToDomain(key string) (D, error) }, D any](h *HTTP, c *gin.Context, param string,
	store func(context.Context, domain.Actor, D) (D, bool, error), answer func(D) any) {
	req, who, ok := bind[In](h, c)
	if !ok {
		return
	}
	d, err := req.ToDomain(c.Param(param))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	d, isNew, err := store(c.Request.Context(), who, d)
	h.answer(c, created(isNew), answer(d), err)
}

func productJSON(p domain.Product) any {
	r := productResponse{Code: p.Code, Product: policydata.FromProduct(p)}
	for _, o := range deadline.LongerThanStatute(p.DeadlineOverrides) {
		r.LongerThanStatute = append(r.LongerThanStatute, string(o.Rule))
	}
	return r
}

func policyJSON(p domain.Policy) any {
	return policyResponse{Number: p.Number, Policy: policydata.FromPolicy(p)}
}

func (h *HTTP) putProduct(c *gin.Context) {
	importDoc[policydata.Product](h, c, "code", h.app.PutProduct, productJSON)
}

func (h *HTTP) getProduct(c *gin.Context) {
	p, err := h.app.Product(c.Request.Context(), c.Param("code"))
	h.answer(c, http.StatusOK, productJSON(p), err)
}

func (h *HTTP) putPolicy(c *gin.Context) {
	importDoc[policydata.Policy](h, c, "number", h.app.PutPolicy, policyJSON)
}

func (h *HTTP) getPolicy(c *gin.Context) {
	p, err := h.app.Policy(c.Request.Context(), c.Param("number"))
	h.answer(c, http.StatusOK, policyJSON(p), err)
}

type employeesRequest struct {
	Employees []struct {
		EmployeeID    string `json:"employee_id"`
		AccountNumber string `json:"account_number"`
	} `json:"employees"`
}

// putEmployees replaces the employee registry the employee-account signal
// reads; the accounts are kept only as keyed hashes and never answered.
func (h *HTTP) putEmployees(c *gin.Context) {
	req, who, ok := bind[employeesRequest](h, c)
	if !ok {
		return
	}
	in := make([]app.EmployeeInput, len(req.Employees))
	for i, e := range req.Employees {
		in[i] = app.EmployeeInput{EmployeeID: e.EmployeeID, AccountNumber: e.AccountNumber}
	}
	n, err := h.app.PutEmployees(c.Request.Context(), who, in)
	h.answer(c, http.StatusOK, gin.H{"employees": n}, err)
}
