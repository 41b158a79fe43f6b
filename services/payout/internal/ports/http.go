// Package ports holds payout's HTTP API, Kafka consumer and workers.
package ports

import (
	_ "embed"
	"encoding/csv"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/payout/internal/app"
	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/auth/authhttp"
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
// (package auth refuses everything else). Finance, handlers, auditors and
// admins read payments and notices; handlers correct payee details they
// confirmed with the claimant; finance records the bank's returns and reads
// the reconciliation with auditors and admins.
func Permissions() auth.Permissions {
	readers := []auth.Role{auth.Finance, auth.Handler, auth.SeniorHandler, auth.Auditor, auth.Admin}
	return auth.Permissions{
		"GET /v1/obligations":           readers,
		"GET /v1/obligations/:id":       readers,
		"PUT /v1/obligations/:id/payee": {auth.Handler, auth.SeniorHandler},
		// Segregation of duties (issue 14): the payee of a payment above
		// the threshold is confirmed by a senior who had no hand in it
		// (checked per obligation); the trail of payee changes is read by
		// all who read payments.
		"POST /v1/obligations/:id/payee/confirmation": {auth.SeniorHandler},
		"GET /v1/obligations/:id/payee/changes":       readers,
		"GET /v1/reconciliation/three-way":            {auth.Finance, auth.Auditor, auth.Admin},
		// R11: revealing the payee in clear is for those who must check
		// it with the bank or the claimant; a handler sees it masked.
		"POST /v1/obligations/:id/payee/reveal": {auth.Finance, auth.SeniorHandler},
		"POST /v1/obligations/:id/reversal":     {auth.Finance},
		"GET /v1/reconciliation":                {auth.Finance, auth.Auditor, auth.Admin},
		"GET /v1/notifications":                 readers,
	}
}

// Register adds payout's routes to e.
func Register(e *gin.Engine, a *app.Service, log *slog.Logger) {
	h := &HTTP{app: a, log: log}
	v1 := e.Group("/v1")
	v1.GET("/obligations", h.list)
	v1.GET("/obligations/:id", h.get)
	v1.PUT("/obligations/:id/payee", h.correctPayee)
	v1.POST("/obligations/:id/payee/confirmation", h.confirmPayee)
	v1.GET("/obligations/:id/payee/changes", h.payeeChanges)
	v1.GET("/reconciliation/three-way", h.threeWay)
	v1.POST("/obligations/:id/payee/reveal", h.revealPayee)
	v1.POST("/obligations/:id/reversal", h.reverse)
	v1.GET("/reconciliation", h.reconciliation)
	v1.GET("/notifications", h.notices)
}

type personJSON struct {
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

type payeeJSON struct {
	Name          string      `json:"name"`
	Role          string      `json:"role"`
	BankName      string      `json:"bank_name"`
	AccountNumber string      `json:"account_number"`
	OnBehalfOf    *personJSON `json:"on_behalf_of,omitempty"`
}

type obligationResponse struct {
	ID               string     `json:"id"`
	ClaimID          string     `json:"claim_id"`
	CaseID           string     `json:"case_id"`
	PolicyNumber     string     `json:"policy_number"`
	PayoutType       string     `json:"payout_type"`
	AmountFen        int64      `json:"amount_fen"`
	AgreedAmountFen  int64      `json:"agreed_amount_fen"`
	AdvancedFen      int64      `json:"advanced_fen"`
	Currency         string     `json:"currency"`
	State            string     `json:"state"`
	Payee            *payeeJSON `json:"payee"`
	Attempts         int        `json:"attempts"`
	LastError        string     `json:"last_error,omitempty"`
	BankReference    string     `json:"bank_reference,omitempty"`
	AgreedAt         *time.Time `json:"agreed_at"`
	ScheduledAt      time.Time  `json:"scheduled_at"`
	SentAt           *time.Time `json:"sent_at"`
	CompletedAt      *time.Time `json:"completed_at"`
	ValueDate        string     `json:"value_date,omitempty"`
	ReversedAt       *time.Time `json:"reversed_at,omitempty"`
	ReversalReason   string     `json:"reversal_reason,omitempty"`
	Replaces         string     `json:"replaces,omitempty"`
	PayeeCorrectedBy string     `json:"payee_corrected_by,omitempty"`
	PayeeCorrectedAt *time.Time `json:"payee_corrected_at,omitempty"`
	Priority         bool       `json:"priority"`
	Ground           string     `json:"ground,omitempty"`
	CatastropheCode  string     `json:"catastrophe_code,omitempty"`
	// PayeeConfirmation is the segregation-of-duties state of the payee.
	PayeeConfirmation payeeConfirmationJSON `json:"payee_confirmation"`
}

// toResponse shows o with its payee masked (R11): no answer carries a
// name or an account number in full.
func (h *HTTP) toResponse(o domain.Obligation) obligationResponse {
	r := obligationResponse{ID: o.ID, ClaimID: o.ClaimID, CaseID: o.CaseID, PolicyNumber: o.PolicyNumber,
		PayoutType: string(o.Type), AmountFen: o.AmountFen, AgreedAmountFen: o.AgreedAmountFen, AdvancedFen: o.AdvancedFen,
		Currency: o.Currency, State: string(o.State), Attempts: o.Attempts, LastError: o.LastError,
		BankReference: o.BankReference, ScheduledAt: o.ScheduledAt, SentAt: o.SentAt, CompletedAt: o.CompletedAt,
		ValueDate: o.ValueDate(h.app.Location()), ReversedAt: o.ReversedAt, ReversalReason: o.ReversalReason, Replaces: o.Replaces,
		PayeeCorrectedBy: o.PayeeCorrectedBy, PayeeCorrectedAt: o.PayeeCorrectedAt, Priority: o.Priority, Ground: o.Ground,
		CatastropheCode: o.CatastropheCode, PayeeConfirmation: h.confirmationOf(o)}
	if !o.AgreedAt.IsZero() {
		t := o.AgreedAt
		r.AgreedAt = &t
	}
	if o.Payee != (domain.Payee{}) {
		m := o.Payee.Masked()
		r.Payee = maskedPayee(&m)
	}
	return r
}

// limit reads the limit query parameter: 1 to 500, 100 when absent.
func limit(c *gin.Context) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 500 {
		return 0, apperr.InvalidField("limit", "must be a whole number from 1 to 500")
	}
	return n, nil
}

// offsetOf reads the offset query parameter of a page: 0 or more, 0 when absent.
func offsetOf(c *gin.Context) (int, error) {
	s := c.Query("offset")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, apperr.InvalidField("offset", "must be a whole number, 0 or more")
	}
	return n, nil
}

func (h *HTTP) list(c *gin.Context) {
	n, err := limit(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	state, err := stateFilter(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	offset, err := offsetOf(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	f := domain.ObligationFilter{ClaimID: c.Query("claim_id"), State: state, Limit: n, Offset: offset}
	list, totals, err := h.app.ObligationPage(c.Request.Context(), f, c.Query("from"), c.Query("to"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	out := make([]obligationResponse, len(list))
	for i, o := range list {
		out[i] = h.toResponse(o)
	}
	c.JSON(http.StatusOK, gin.H{"obligations": out, "limit": n, "offset": offset,
		"total": gin.H{"count": totals.Count, "amount_fen": totals.AmountFen}})
}

func (h *HTTP) get(c *gin.Context) {
	o, err := h.app.Obligation(c.Request.Context(), c.Param("id"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, h.toResponse(o))
}

func (h *HTTP) correctPayee(c *gin.Context) {
	actor, err := authhttp.Actor(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	var in correctionJSON
	if err := httpapi.BindJSON(c, &in); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	p := domain.Payee{Name: in.Name, Role: domain.Role(in.Role), BankName: in.BankName, AccountNumber: in.AccountNumber}
	if in.OnBehalfOf != nil {
		p.OnBehalfOf = &domain.Person{Name: in.OnBehalfOf.Name, Relation: in.OnBehalfOf.Relation}
	}
	o, err := h.app.CorrectPayee(c.Request.Context(), c.Param("id"), p, actor.Subject, in.Reason)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	h.log.Info("payee details corrected", "obligation_id", o.ID, "claim_id", o.ClaimID, "by", actor.Subject, "state", string(o.State))
	c.JSON(http.StatusOK, h.toResponse(o))
}

type revealRequest struct {
	Reason string `json:"reason"`
}

// revealPayee answers the payee in clear to a role allowed to see it, for a
// stated reason, and records the reveal (R11).
func (h *HTTP) revealPayee(c *gin.Context) {
	actor, err := authhttp.Actor(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	var in revealRequest
	if err := httpapi.BindJSON(c, &in); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	p, err := h.app.RevealPayee(c.Request.Context(), c.Param("id"), actor, in.Reason)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	out := payeeJSON{Name: p.Name, Role: string(p.Role), BankName: p.BankName, AccountNumber: p.AccountNumber}
	if p.OnBehalfOf != nil {
		out.OnBehalfOf = &personJSON{Name: p.OnBehalfOf.Name, Relation: p.OnBehalfOf.Relation}
	}
	h.log.Info("payee revealed", "obligation_id", c.Param("id"), "by", actor.Subject)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

type reversalRequest struct {
	Reason     string     `json:"reason"`
	ReturnedAt *time.Time `json:"returned_at"`
}

func (h *HTTP) reverse(c *gin.Context) {
	actor, err := authhttp.Actor(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	var in reversalRequest
	if err := httpapi.BindJSON(c, &in); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	reversed, replacement, err := h.app.Reverse(c.Request.Context(), c.Param("id"), in.Reason, in.ReturnedAt)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	h.log.Info("payment returned by the bank", "obligation_id", reversed.ID, "claim_id", reversed.ClaimID,
		"replacement_id", replacement.ID, "by", actor.Subject)
	c.JSON(http.StatusOK, gin.H{"reversed": h.toResponse(reversed), "replacement": h.toResponse(replacement)})
}

type dayTotalJSON struct {
	Date               string `json:"date,omitempty"`
	PayoutType         string `json:"payout_type"`
	CompletedCount     int64  `json:"completed_count"`
	CompletedAmountFen int64  `json:"completed_amount_fen"`
	ReversedCount      int64  `json:"reversed_count"`
	ReversedAmountFen  int64  `json:"reversed_amount_fen"`
}

func toDayTotals(days []domain.DayTotal) []dayTotalJSON {
	out := make([]dayTotalJSON, len(days))
	for i, d := range days {
		out[i] = dayTotalJSON{Date: d.Date, PayoutType: string(d.Type), CompletedCount: d.CompletedCount,
			CompletedAmountFen: d.CompletedFen, ReversedCount: d.ReversedCount, ReversedAmountFen: d.ReversedFen}
	}
	return out
}

// reconciliationCSVHeader is the first line of the CSV report.
func reconciliationCSVHeader() []string {
	return []string{"date", "payout_type", "currency", "completed_count", "completed_amount_fen", "reversed_count", "reversed_amount_fen"}
}

func (h *HTTP) reconciliation(c *gin.Context) {
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		httpapi.WriteError(c, h.log, apperr.InvalidField("format", "must be json or csv"))
		return
	}
	r, err := h.app.Reconciliation(c.Request.Context(), c.Query("from"), c.Query("to"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	from, to := r.Period.From.Format(time.DateOnly), r.Period.To.Format(time.DateOnly)
	if format == "json" {
		c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "time_zone": "Asia/Shanghai", "currency": domain.Currency,
			"days": toDayTotals(r.Days), "totals": toDayTotals(r.Totals)})
		return
	}
	c.Header("Content-Disposition", `attachment; filename="reconciliation-`+from+`-`+to+`.csv"`)
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	w := csv.NewWriter(c.Writer)
	_ = w.Write(reconciliationCSVHeader())
	for _, d := range r.Days {
		_ = w.Write([]string{d.Date, string(d.Type), domain.Currency, strconv.FormatInt(d.CompletedCount, 10),
			strconv.FormatInt(d.CompletedFen, 10), strconv.FormatInt(d.ReversedCount, 10), strconv.FormatInt(d.ReversedFen, 10)})
	}
	w.Flush()
}

type recipientJSON struct {
	Role     string `json:"role"`
	Name     string `json:"name"`
	Relation string `json:"relation,omitempty"`
}

type noticeResponse struct {
	ID           string        `json:"id"`
	ClaimID      string        `json:"claim_id"`
	ObligationID string        `json:"obligation_id"`
	PolicyNumber string        `json:"policy_number"`
	Rule         string        `json:"rule"`
	Template     string        `json:"template"`
	Recipient    recipientJSON `json:"recipient"`
	Channel      string        `json:"channel"`
	AmountFen    int64         `json:"amount_fen"`
	ValueDate    string        `json:"value_date"`
	Text         string        `json:"text"`
	CreatedAt    time.Time     `json:"created_at"`
	SentAt       *time.Time    `json:"sent_at"`
}

func (h *HTTP) notices(c *gin.Context) {
	n, err := limit(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	list, err := h.app.Notices(c.Request.Context(), c.Query("claim_id"), n)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	out := make([]noticeResponse, len(list))
	for i, x := range list {
		out[i] = noticeResponse{ID: x.ID, ClaimID: x.ClaimID, ObligationID: x.ObligationID, PolicyNumber: x.PolicyNumber,
			Rule: x.Rule, Template: x.Template, Recipient: recipientJSON{Role: x.RecipientRole, Name: x.RecipientName,
				Relation: x.RecipientRelation}, Channel: domain.ChannelSMS, AmountFen: x.AmountFen, ValueDate: x.ValueDate, Text: x.Text,
			CreatedAt: x.CreatedAt, SentAt: x.SentAt}
	}
	c.JSON(http.StatusOK, gin.H{"notifications": out})
}
