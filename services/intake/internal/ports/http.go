// Package ports holds intake's HTTP API and its document readers.
package ports

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/auth/authhttp"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/logging"
)

// OpenAPI is intake's OpenAPI 3 document.
//
//go:embed openapi.json
var OpenAPI []byte

// HTTP serves intake's use cases.
type HTTP struct {
	app   *app.Service
	log   *slog.Logger
	pages *pages
	// answers encodes new reports' answers (issue 21).
	answers *reportAnswers
}

// Permissions is intake's written permission table: who may call each
// route (package auth refuses everything else). Reports, claim requests and
// uploads are taken by whoever meets claimants, catastrophe teams on site
// included; correcting a reading, marking an item satisfied without an
// upload and sending the notice of missing documents are a claims
// handler's judgement; auditors read. The claimant's own channel
// (auth.ClaimantChannel: the insurer's app or portal) files reports,
// uploads and makes the claim request, and reads nothing (issue 19).
func Permissions() auth.Permissions {
	takers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Admin}
	channel := append(slices.Clone(takers), auth.ClaimantChannel)
	judges := []auth.Role{auth.Handler, auth.SeniorHandler, auth.Admin}
	readers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Admin, auth.Auditor}
	return auth.Permissions{
		"POST /v1/reports":                                               channel,
		"GET /v1/reports/:id":                                            readers,
		"GET /v1/claims/:claimId/report":                                 readers,
		"POST /v1/reports/:id/claim-request":                             channel,
		"GET /v1/checklists":                                             readers,
		"GET /v1/reports/:id/checklist.html":                             readers,
		"POST /v1/reports/:id/checklist/items/:item/satisfy":             judges,
		"POST /v1/reports/:id/checklist/satisfy":                         judges,
		"POST /v1/reports/:id/documents":                                 channel,
		"GET /v1/reports/:id/documents":                                  readers,
		"GET /v1/reports/:id/documents/:doc":                             readers,
		"GET /v1/reports/:id/documents/:doc/content":                     readers,
		"GET /v1/reports/:id/documents/:doc/pages/:n":                    readers,
		"POST /v1/reports/:id/documents/:doc/reveal":                     judges,
		"POST /v1/reports/:id/documents/:doc/corrections":                judges,
		"POST /v1/reports/:id/missing-documents-notices":                 judges,
		"GET /v1/reports/:id/missing-documents-notices/:seq/letter.html": readers,
		"POST /v1/reports/:id/missing-documents-notices/:seq/delivery":   judges,
	}
}

// Register adds intake's routes to e.
func Register(e *gin.Engine, a *app.Service, log *slog.Logger) {
	h := &HTTP{app: a, log: log, pages: newPages(), answers: newReportAnswers()}
	v1 := e.Group("/v1")
	v1.POST("/reports", h.createReport)
	v1.GET("/reports/:id", h.getReport)
	v1.GET("/claims/:claimId/report", h.getClaimReport)
	v1.POST("/reports/:id/claim-request", h.requestClaim)
	v1.GET("/checklists", h.getChecklist)
	v1.GET("/reports/:id/checklist.html", h.printChecklist)
	v1.POST("/reports/:id/checklist/items/:item/satisfy", h.satisfy)
	v1.POST("/reports/:id/checklist/satisfy", h.satisfyAll)
	v1.POST("/reports/:id/documents", h.upload)
	v1.GET("/reports/:id/documents", h.listDocuments)
	v1.GET("/reports/:id/documents/:doc", h.getDocument)
	v1.GET("/reports/:id/documents/:doc/content", h.documentContent)
	v1.GET("/reports/:id/documents/:doc/pages/:n", h.documentPage)
	v1.POST("/reports/:id/documents/:doc/reveal", h.revealDocument)
	v1.POST("/reports/:id/documents/:doc/corrections", h.correct)
	v1.POST("/reports/:id/missing-documents-notices", h.sendNotice)
	v1.GET("/reports/:id/missing-documents-notices/:seq/letter.html", h.printNotice)
	v1.POST("/reports/:id/missing-documents-notices/:seq/delivery", h.noticeDelivered)
}

// via is how what p enters reaches intake (issue 19): the claimant's own
// channel only for a principal holding nothing but auth.ClaimantChannel,
// whatever a request body says its channel is.
func via(p auth.Principal) string {
	if p.ClaimantChannelOnly() {
		return domain.ViaClaimant
	}
	return domain.ViaStaff
}

// fail answers with err.
func (h *HTTP) fail(c *gin.Context, err error) { httpapi.WriteError(c, h.log, err) }

// signedJSON returns who is signed in and reads the JSON body into req,
// or answers with what is wrong and reports false.
func (h *HTTP) signedJSON(c *gin.Context, req any) (string, bool) {
	p, err := authhttp.Actor(c)
	if err == nil {
		err = httpapi.BindJSON(c, req)
	}
	if err != nil {
		h.fail(c, err)
		return "", false
	}
	return p.Subject, true
}

type reporterJSON struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Relation string `json:"relation,omitempty"`
}

type personJSON struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

type createReportRequest struct {
	PolicyNumber     string       `json:"policy_number"`
	ProductCode      string       `json:"product_code"`
	InsuredName      string       `json:"insured_name"`
	IncidentType     string       `json:"incident_type"`
	IncidentTime     time.Time    `json:"incident_time"`
	IncidentPlace    string       `json:"incident_place"`
	Description      string       `json:"description"`
	Contact          string       `json:"contact"`
	Reporter         reporterJSON `json:"reporter"`
	Beneficiary      *personJSON  `json:"beneficiary"`
	ClaimedAmountFen int64        `json:"claimed_amount_fen"`
	// LinkTo and ConfirmNew answer a possible_duplicate (issue 20): link
	// this report to the open report named, or store it as another
	// incident.
	LinkTo     string `json:"link_to,omitempty"`
	ConfirmNew bool   `json:"confirm_new,omitempty"`
}

// CodePossibleDuplicate is the error code of a report that matches an open
// report of the same incident (HTTP 409): the answer carries that report as
// candidate, and the request is sent again with link_to or confirm_new.
const CodePossibleDuplicate = "possible_duplicate"

// IdempotencyKeyHeader names the header a client sets to make a report
// request safe to retry.
const IdempotencyKeyHeader = "Idempotency-Key"

// idempotencyKeyPattern is what a key may be: 1 to 255 visible ASCII
// characters (a UUID, typically).
var idempotencyKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

func (h *HTTP) createReport(c *gin.Context) {
	var req createReportRequest
	by, ok := h.signedJSON(c, &req)
	if !ok {
		return
	}
	var key *app.IdempotencyKey
	if k := c.GetHeader(IdempotencyKeyHeader); k != "" {
		if !idempotencyKeyPattern.MatchString(k) {
			h.fail(c, apperr.InvalidField(IdempotencyKeyHeader, "must be 1 to 255 visible ASCII characters, such as a UUID"))
			return
		}
		canonical, err := json.Marshal(req)
		if err != nil {
			h.fail(c, err)
			return
		}
		sum := sha256.Sum256(canonical)
		key = &app.IdempotencyKey{Principal: by, Key: k, RequestHash: hex.EncodeToString(sum[:])}
	}
	in := domain.NewReport{
		PolicyNumber: req.PolicyNumber, ProductCode: req.ProductCode, InsuredName: req.InsuredName, IncidentType: req.IncidentType,
		IncidentTime: req.IncidentTime, IncidentPlace: req.IncidentPlace, Description: req.Description, Contact: req.Contact,
		Reporter:         domain.Reporter{Name: req.Reporter.Name, Role: domain.ReporterRole(req.Reporter.Role), Relation: domain.Relation(req.Reporter.Relation)},
		ClaimedAmountFen: req.ClaimedAmountFen,
	}
	if b := req.Beneficiary; b != nil {
		in.Beneficiary = &domain.Person{Name: b.Name, Relation: domain.Relation(b.Relation)}
	}
	// The claimant's own channel is one client serving every claimant:
	// intake cannot tell the claimant's own earlier report from another
	// person's, so it reads none through a report (R11, the attack review
	// of issue 19). It is told only that a possible duplicate exists, and
	// links to no report (the link answers with that report): staff link.
	p, _ := authhttp.Actor(c)
	channel := p.ClaimantChannelOnly()
	if channel && req.LinkTo != "" {
		h.fail(c, &apperr.Error{Code: apperr.Forbidden, Field: "link_to",
			Message: "the claimant's channel links no report to another: confirm a new incident (confirm_new), or the insurer's staff link the two"})
		return
	}
	out, err := h.app.ReportIncident(c.Request.Context(), in, key, by, domain.LinkChoice{LinkTo: req.LinkTo, ConfirmNew: req.ConfirmNew})
	if err != nil {
		h.fail(c, err)
		return
	}
	if out.Candidate != nil {
		answer := possibleDuplicateJSON{
			Error: httpapi.ErrorDetail{Code: CodePossibleDuplicate, RequestID: logging.RequestID(c.Request.Context()),
				Message: "an open report of the same policy, insured, incident type and date exists: link to it (link_to) or confirm a new incident (confirm_new)"}}
		if channel {
			answer.Error.Message = "a report of the same policy, insured, incident type and date may exist already: confirm a new incident (confirm_new), or ask the insurer's staff to link the two"
		} else {
			candidate := toCandidate(*out.Candidate)
			answer.Candidate = &candidate
		}
		c.JSON(http.StatusConflict, answer)
		return
	}
	status := http.StatusCreated
	var fill func(*reportResponse)
	if out.Linked {
		// The incident was reported already: this is that report.
		status = http.StatusOK
		fill = func(resp *reportResponse) { resp.Linked, resp.DuplicateOf = true, out.File.Report.ID }
	}
	buf, err := h.answers.encode(out.File, fill)
	if err != nil {
		h.fail(c, err)
		return
	}
	defer h.answers.release(buf)
	if out.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.Header("Location", "/v1/reports/"+out.File.Report.ID)
	// One write with its length: a new report's answer, checklist and
	// all, is about 6 kB, which net/http would otherwise send in chunks.
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Header("Content-Length", strconv.Itoa(buf.Len()))
	c.Status(status)
	if _, err := c.Writer.Write(buf.Bytes()); err != nil {
		// The status is sent: the client sees a cut-off body.
		h.log.ErrorContext(c.Request.Context(), "write the answer", "error", err)
	}
}

func (h *HTTP) getReport(c *gin.Context) {
	h.answerReport(c)(h.app.Report(c.Request.Context(), c.Param("id")))
}

// answerReport answers a claim file, or the error of reading it.
func (h *HTTP) answerReport(c *gin.Context) func(domain.ClaimFile, error) {
	return func(f domain.ClaimFile, err error) {
		if err != nil {
			h.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toReport(f))
	}
}

// getClaimReport answers the report of a claim by its claim number: the
// console tells a claim intake does not know (404 at once) from one whose
// case adjudication is still opening (issue 20).
func (h *HTTP) getClaimReport(c *gin.Context) {
	h.answerReport(c)(h.app.ReportOfClaim(c.Request.Context(), c.Param("claimId")))
}

// claimRequest is the claim request's body. AgreeInAdvance and Payee are
// the claimant's advance agreement (issue 19): both or neither; Channel is
// how they agreed.
type claimRequest struct {
	ReceivedAt     *time.Time        `json:"received_at"`
	AgreeInAdvance bool              `json:"agree_in_advance"`
	Channel        string            `json:"channel"`
	Payee          *advancePayeeJSON `json:"payee"`
}

// advancePayeeJSON is the payee a claimant names with an advance agreement.
type advancePayeeJSON struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	BankName      string `json:"bank_name"`
	AccountNumber string `json:"account_number"`
}

func (h *HTTP) requestClaim(c *gin.Context) {
	var req claimRequest
	if c.Request.ContentLength != 0 {
		if err := httpapi.BindJSON(c, &req); err != nil {
			h.fail(c, err)
			return
		}
	}
	var advance *domain.AdvanceInput
	switch {
	case req.AgreeInAdvance && req.Payee == nil:
		h.fail(c, apperr.InvalidField("payee", "is required with agree_in_advance: name who is paid the amount agreed to"))
		return
	case !req.AgreeInAdvance && (req.Payee != nil || req.Channel != ""):
		h.fail(c, apperr.InvalidField("agree_in_advance", "must be true with a payee or a channel: a payee is given with the advance agreement"))
		return
	case req.AgreeInAdvance:
		p, err := authhttp.Actor(c)
		if err != nil {
			h.fail(c, err)
			return
		}
		advance = &domain.AdvanceInput{Channel: req.Channel, Name: req.Payee.Name, Role: req.Payee.Role, BankName: req.Payee.BankName,
			AccountNumber: req.Payee.AccountNumber, EnteredBy: p.Subject, EnteredVia: via(p)}
	}
	f, created, err := h.app.RequestClaim(c.Request.Context(), c.Param("id"), req.ReceivedAt, advance)
	if err != nil {
		h.fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	if p, _ := authhttp.Actor(c); p.ClaimantChannelOnly() {
		c.JSON(status, toChannelReport(f))
		return
	}
	c.JSON(status, toReport(f))
}

// channelReportJSON is what the claimant's own channel is told of a report
// it requested the claim of: where the request stands, never what the
// report holds. The channel reads nothing (Permissions): a claim request
// on any report id must not answer with another claimant's report, its
// documents and what staff read of them (issue 19's attack review).
type channelReportJSON struct {
	ID               string     `json:"id"`
	ClaimID          string     `json:"claim_id"`
	ClaimRequestedAt *time.Time `json:"claim_requested_at,omitempty"`
	HandedOverAt     *time.Time `json:"handed_over_at,omitempty"`
}

// toChannelReport is f as the claimant's channel is told of it.
func toChannelReport(f domain.ClaimFile) channelReportJSON {
	r := f.Report
	return channelReportJSON{ID: r.ID, ClaimID: r.ClaimID, ClaimRequestedAt: r.ClaimRequestedAt, HandedOverAt: r.HandedOverAt}
}

func (h *HTTP) getChecklist(c *gin.Context) {
	t, err := h.app.Checklist(c.Query("incident_type"), c.Query("product"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toChecklist(t))
}

type satisfyRequest struct {
	Reason string `json:"reason"`
}

func (h *HTTP) satisfy(c *gin.Context) {
	var req satisfyRequest
	by, ok := h.signedJSON(c, &req)
	if !ok {
		return
	}
	f, err := h.app.Satisfy(c.Request.Context(), c.Param("id"), c.Param("item"), req.Reason, by)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toReport(f))
}

type satisfyAllRequest struct {
	Items  []string `json:"items"`
	Reason string   `json:"reason"`
}

func (h *HTTP) satisfyAll(c *gin.Context) {
	var req satisfyAllRequest
	by, ok := h.signedJSON(c, &req)
	if !ok {
		return
	}
	f, err := h.app.SatisfyAll(c.Request.Context(), c.Param("id"), req.Items, req.Reason, by)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toReport(f))
}

type noticeRequest struct {
	Channel string `json:"channel"`
	Reason  string `json:"reason"`
	// Items, when given, are the checklist items the sender's preview
	// listed: the notice is sent only if it lists exactly those.
	Items []string `json:"items"`
	// Receipt, for a text message, e-mail or a notice handed over, is the
	// gateway's receipt or the claimant's signature: the notice reached the
	// claimant as it was sent.
	Receipt string `json:"receipt"`
}

func (h *HTTP) sendNotice(c *gin.Context) {
	var req noticeRequest
	by, ok := h.signedJSON(c, &req)
	if !ok {
		return
	}
	f, n, err := h.app.SendNotice(c.Request.Context(), c.Param("id"), domain.NoticeChannel(req.Channel), req.Reason, by, req.Items, req.Receipt)
	if err != nil {
		h.fail(c, err)
		return
	}
	resp := toNotice(f.Report.ID, n)
	c.Header("Location", resp.Letter)
	c.JSON(http.StatusCreated, resp)
}

type noticeDeliveredRequest struct {
	DeliveredAt *time.Time `json:"delivered_at"`
	Receipt     string     `json:"receipt"`
}

// noticeDelivered records when a notice reached the claimant, from its
// receipt (a letter's signed postal receipt): the decision clock stops from
// then (R4).
func (h *HTTP) noticeDelivered(c *gin.Context) {
	var req noticeDeliveredRequest
	by, ok := h.signedJSON(c, &req)
	if !ok {
		return
	}
	seq, err := seqParam(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	var at time.Time
	if req.DeliveredAt != nil {
		at = *req.DeliveredAt
	}
	f, n, err := h.app.RecordNoticeDelivered(c.Request.Context(), c.Param("id"), seq, at, req.Receipt, by)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toNotice(f.Report.ID, n))
}
