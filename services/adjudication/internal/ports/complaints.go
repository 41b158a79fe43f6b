package ports

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/tracking"
)

// complaintPermissions is who may use the complaint register (R12):
// handlers and senior handlers register complaints and send progress
// notices; only senior handlers answer them; the register is read by
// claims staff, auditors and admins.
func complaintPermissions() auth.Permissions {
	workers := []auth.Role{auth.Handler, auth.SeniorHandler}
	readers := []auth.Role{auth.Handler, auth.SeniorHandler, auth.Auditor, auth.Admin}
	return auth.Permissions{
		"POST /v1/complaints":                      workers,
		"GET /v1/complaints":                       readers,
		"GET /v1/complaints/:id":                   readers,
		"POST /v1/complaints/:id/progress-notices": workers,
		"POST /v1/complaints/:id/reply":            {auth.SeniorHandler},
	}
}

// registerComplaints adds the routes of the complaint register to v1.
func registerComplaints(v1 *gin.RouterGroup, h *HTTP) {
	v1.POST("/complaints", h.registerComplaint)
	v1.GET("/complaints", h.complaints)
	v1.GET("/complaints/:id", h.complaint)
	v1.POST("/complaints/:id/progress-notices", written(h, http.StatusCreated, h.app.SendProgressNotice))
	v1.POST("/complaints/:id/reply", written(h, http.StatusOK, h.app.AnswerComplaint))
}

type complaintRequest struct {
	ClaimID     string     `json:"claim_id"`
	Channel     string     `json:"channel"`
	Complainant string     `json:"complainant"`
	Contact     string     `json:"contact"`
	Category    string     `json:"category"`
	Content     string     `json:"content"`
	ReceivedAt  *time.Time `json:"received_at"`
}

// writtenRequest is a progress notice or a reply: its text and channel.
type writtenRequest struct {
	Text    string `json:"text"`
	Channel string `json:"channel"`
}

type progressNoticeJSON struct {
	Text      string    `json:"text"`
	Channel   string    `json:"channel"`
	SentAt    time.Time `json:"sent_at"`
	SentBy    string    `json:"sent_by"`
	BeforeDue bool      `json:"before_due"`
}

type complaintReplyJSON struct {
	Text      string    `json:"text"`
	Channel   string    `json:"channel"`
	RepliedAt time.Time `json:"replied_at"`
	RepliedBy string    `json:"replied_by"`
}

type complaintJSON struct {
	ID          string               `json:"id"`
	ClaimID     string               `json:"claim_id"`
	Channel     string               `json:"channel"`
	Complainant string               `json:"complainant"`
	Contact     string               `json:"contact"`
	Category    string               `json:"category"`
	Content     string               `json:"content"`
	ReceivedAt  time.Time            `json:"received_at"`
	AcceptedBy  string               `json:"accepted_by"`
	CreatedAt   time.Time            `json:"created_at"`
	Notices     []progressNoticeJSON `json:"progress_notices"`
	Reply       *complaintReplyJSON  `json:"reply"`
	Deadline    *queueDeadlineJSON   `json:"deadline"`
}

func toComplaint(v app.ComplaintView) complaintJSON {
	c := v.Complaint
	out := complaintJSON{ID: c.ID, ClaimID: c.ClaimID, Channel: c.Channel, Complainant: c.Complainant, Contact: c.Contact,
		Category: c.Category, Content: c.Content, ReceivedAt: c.ReceivedAt, AcceptedBy: c.AcceptedBy, CreatedAt: c.CreatedAt,
		Notices: make([]progressNoticeJSON, len(c.Notices)), Deadline: toQueueDeadline(v.Deadline)}
	for i, n := range c.Notices {
		out.Notices[i] = progressNoticeJSON{Text: n.Text, Channel: n.Channel, SentAt: n.SentAt, SentBy: n.SentBy, BeforeDue: n.BeforeDue}
	}
	if r := c.Reply; r != nil {
		out.Reply = &complaintReplyJSON{Text: r.Text, Channel: r.Channel, RepliedAt: r.RepliedAt, RepliedBy: r.RepliedBy}
	}
	return out
}

func (h *HTTP) registerComplaint(c *gin.Context) {
	req, who, ok := bind[complaintRequest](h, c)
	if !ok {
		return
	}
	in := domain.ComplaintInput{ClaimID: req.ClaimID, Channel: req.Channel, Complainant: req.Complainant, Contact: req.Contact,
		Category: req.Category, Content: req.Content}
	if req.ReceivedAt != nil {
		in.ReceivedAt = *req.ReceivedAt
	}
	v, err := h.app.RegisterComplaint(c.Request.Context(), who, in)
	h.answer(c, http.StatusCreated, toComplaint(v), err)
}

func (h *HTTP) complaints(c *gin.Context) {
	f := app.ComplaintFilter{ClaimID: c.Query("claim_id")}
	if s := c.Query("answered"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			httpapi.WriteError(c, h.log, apperr.InvalidField("answered", "must be true or false"))
			return
		}
		f.Answered = &b
	}
	if s := c.Query("risk"); s != "" {
		r, err := tracking.ParseRisk(s)
		if err != nil {
			httpapi.WriteError(c, h.log, err)
			return
		}
		f.Risk = r
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", 100, 1, 500); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	list, err := h.app.ListComplaints(c.Request.Context(), f)
	out := make([]complaintJSON, len(list))
	for i, v := range list {
		out[i] = toComplaint(v)
	}
	h.answer(c, http.StatusOK, gin.H{"complaints": out}, err)
}

func (h *HTTP) complaint(c *gin.Context) {
	v, err := h.app.Complaint(c.Request.Context(), c.Param("id"))
	h.answer(c, http.StatusOK, toComplaint(v), err)
}

// written answers a progress notice (201) or the reply (200): it binds the
// text and channel and runs do on the complaint of the path as the
// signed-in actor.
func written(h *HTTP, status int, do func(ctx context.Context, who domain.Actor, id, text, channel string) (app.ComplaintView, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, who, ok := bind[writtenRequest](h, c)
		if !ok {
			return
		}
		v, err := do(c.Request.Context(), who, c.Param("id"), req.Text, req.Channel)
		h.answer(c, status, toComplaint(v), err)
	}
}
