package ports

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth/authhttp"
	"claims.local/pkg/httpapi"
)

// payeeConfirmationJSON tells whether a payment's payee needs a second
// person, who may not confirm it (Excluded) and who did.
type payeeConfirmationJSON struct {
	Required     bool       `json:"required"`
	Excluded     []string   `json:"excluded"`
	MayConfirm   string     `json:"may_confirm,omitempty"`
	ConfirmedBy  string     `json:"confirmed_by,omitempty"`
	ConfirmedAt  *time.Time `json:"confirmed_at,omitempty"`
	ThresholdFen int64      `json:"threshold_fen"`
}

func (h *HTTP) confirmationOf(o domain.Obligation) payeeConfirmationJSON {
	j := payeeConfirmationJSON{Required: o.ConfirmationRequired, Excluded: o.Parties, ConfirmedBy: o.PayeeConfirmedBy,
		ConfirmedAt: o.PayeeConfirmedAt, ThresholdFen: h.app.PayeeConfirmationThresholdFen()}
	if j.Excluded == nil {
		j.Excluded = []string{}
	}
	if o.State == domain.StateAwaitingConfirmation {
		j.MayConfirm = "a senior_handler other than " + strings.Join(o.Parties, ", ")
		if len(o.Parties) == 0 {
			j.MayConfirm = "any senior_handler"
		}
	}
	return j
}

// states lists the states GET /v1/obligations filters by.
func states() []domain.State {
	return []domain.State{domain.StateAwaitingConfirmation, domain.StateScheduled, domain.StateSent, domain.StateCompleted,
		domain.StateFailed, domain.StateReversed, domain.StateCancelled}
}

func stateFilter(c *gin.Context) (domain.State, error) {
	s := domain.State(c.Query("state"))
	if s == "" || slices.Contains(states(), s) {
		return s, nil
	}
	return "", apperr.InvalidField("state", "must be one of awaiting_payee_confirmation, scheduled, sent, completed, failed, reversed, cancelled")
}

// correctionJSON is a corrected payee and why it was corrected.
type correctionJSON struct {
	Name          string      `json:"name"`
	Role          string      `json:"role"`
	BankName      string      `json:"bank_name"`
	AccountNumber string      `json:"account_number"`
	OnBehalfOf    *personJSON `json:"on_behalf_of,omitempty"`
	Reason        string      `json:"reason,omitempty"`
}

type confirmationRequest struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
}

// confirmPayee confirms (or refuses, with a reason) the payee of a payment
// waiting for a second person.
func (h *HTTP) confirmPayee(c *gin.Context) {
	actor, err := authhttp.Actor(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	var in confirmationRequest
	if err := httpapi.BindJSON(c, &in); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	var o domain.Obligation
	switch in.Decision {
	case "confirm":
		o, err = h.app.ConfirmPayee(c.Request.Context(), c.Param("id"), actor)
	case "reject":
		o, err = h.app.RejectPayee(c.Request.Context(), c.Param("id"), actor, in.Reason)
	default:
		err = apperr.InvalidField("decision", "must be confirm or reject")
	}
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	h.log.Info("payee "+in.Decision+"ed", "obligation_id", o.ID, "claim_id", o.ClaimID, "by", actor.Subject)
	c.JSON(http.StatusOK, h.toResponse(o))
}

type payeeChangeJSON struct {
	ID     string     `json:"id"`
	Action string     `json:"action"`
	By     string     `json:"by"`
	Reason string     `json:"reason,omitempty"`
	Before *payeeJSON `json:"before"`
	After  *payeeJSON `json:"after"`
	At     time.Time  `json:"at"`
}

func maskedPayee(m *domain.MaskedPayee) *payeeJSON {
	if m == nil {
		return nil
	}
	p := &payeeJSON{Name: m.Name, Role: string(m.Role), BankName: m.BankName, AccountNumber: m.AccountNumber}
	if m.OnBehalfOf != nil {
		p.OnBehalfOf = &personJSON{Name: m.OnBehalfOf.Name, Relation: m.OnBehalfOf.Relation}
	}
	return p
}

// payeeChanges answers the audit trail of a payment's payee, masked.
func (h *HTTP) payeeChanges(c *gin.Context) {
	list, err := h.app.PayeeChanges(c.Request.Context(), c.Param("id"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	out := make([]payeeChangeJSON, len(list))
	for i, x := range list {
		out[i] = payeeChangeJSON{ID: x.ID, Action: x.Action, By: x.By, Reason: x.Reason, Before: maskedPayee(x.Before), After: maskedPayee(x.After), At: x.At}
	}
	c.JSON(http.StatusOK, gin.H{"changes": out})
}

type threeWayLineJSON struct {
	ClaimID         string   `json:"claim_id,omitempty"`
	ObligationID    string   `json:"obligation_id,omitempty"`
	BankKey         string   `json:"bank_key,omitempty"`
	PayoutType      string   `json:"payout_type,omitempty"`
	State           string   `json:"state,omitempty"`
	AmountFen       int64    `json:"amount_fen"`
	AuthorisedFen   *int64   `json:"authorised_fen"`
	ExecutedFen     *int64   `json:"executed_fen"`
	AuthorisationID string   `json:"authorisation_id,omitempty"`
	Status          string   `json:"status"`
	Issues          []string `json:"issues"`
	// IssueCodes names each of issues, in order, for a console to word it
	// in its user's language (issue 20).
	IssueCodes []issueJSON `json:"issue_codes"`
}

type issueJSON struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params"`
}

func fen(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// threeWay answers the three-way reconciliation of a day as JSON or CSV.
func (h *HTTP) threeWay(c *gin.Context) {
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		httpapi.WriteError(c, h.log, apperr.InvalidField("format", "must be json or csv"))
		return
	}
	r, err := h.app.ThreeWay(c.Request.Context(), c.Query("date"))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	if format == "json" {
		lines := make([]threeWayLineJSON, len(r.Lines))
		unmatched := 0
		for i, l := range r.Lines {
			issues := l.Issues
			if issues == nil {
				issues = []string{}
			}
			if l.Status == domain.LineUnmatched {
				unmatched++
			}
			lines[i] = threeWayLineJSON{ClaimID: l.ClaimID, ObligationID: l.ObligationID, BankKey: l.BankKey, PayoutType: string(l.Type),
				State: string(l.State), AmountFen: l.AmountFen, AuthorisedFen: l.AuthorisedFen, ExecutedFen: l.ExecutedFen,
				AuthorisationID: l.AuthorisationID, Status: l.Status, Issues: issues, IssueCodes: []issueJSON{}}
			for _, f := range l.Found {
				lines[i].IssueCodes = append(lines[i].IssueCodes, issueJSON{Code: f.Code, Params: f.Params})
			}
		}
		out := gin.H{"date": r.Date, "time_zone": "Asia/Shanghai", "currency": domain.Currency, "unmatched": unmatched, "lines": lines,
			"authorisations_checked": r.AuthorisationsUnavailable == ""}
		if r.AuthorisationsUnavailable != "" {
			out["authorisations_unavailable"] = r.AuthorisationsUnavailable
		}
		c.JSON(http.StatusOK, out)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="three-way-`+r.Date+`.csv"`)
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"date", "status", "claim_id", "obligation_id", "bank_key", "payout_type", "state", "currency",
		"amount_fen", "authorised_fen", "executed_fen", "issues"})
	for _, l := range r.Lines {
		_ = w.Write([]string{r.Date, l.Status, l.ClaimID, l.ObligationID, l.BankKey, string(l.Type), string(l.State), domain.Currency,
			strconv.FormatInt(l.AmountFen, 10), fen(l.AuthorisedFen), fen(l.ExecutedFen), strings.Join(l.Issues, "; ")})
	}
	w.Flush()
}
