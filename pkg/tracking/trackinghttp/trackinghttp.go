// Package trackinghttp serves a service's deadlines over HTTP: the list the
// console's work queue sorts by, one obligation with its explanation, the
// compliance report (R13) as JSON or CSV, and the working-day calendar with
// its audited versions. Every service that tracks deadlines registers the
// same routes and merges OpenAPIPaths into its OpenAPI document.
package trackinghttp

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/auth/authhttp"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/tracking"
)

// OpenAPIPaths is the OpenAPI 3 fragment (paths and components) of these
// routes; MergeOpenAPI adds it to a service's document.
//
//go:embed openapi.json
var OpenAPIPaths []byte

// Register adds the deadline and calendar routes to e.
func Register(e *gin.Engine, d *tracking.UseCases, log *slog.Logger) {
	h := &handler{d: d, log: log}
	v1 := e.Group("/v1")
	v1.GET("/deadlines", h.list)
	v1.GET("/deadlines/:id", h.get)
	v1.GET("/compliance-report", h.compliance)
	v1.GET("/calendar", h.calendar)
	v1.GET("/calendar/versions", h.versions)
	v1.POST("/calendar/versions", h.submit)
}

// Permissions is who may call these routes: every member of staff reads
// deadlines and the calendar in force (the claimant's channel does not); compliance reports are for senior handlers,
// auditors and admins; the calendar's audit is for auditors and admins; only
// an admin submits a new calendar.
func Permissions() auth.Permissions {
	everyone := auth.StaffRoles()
	return auth.Permissions{
		"GET /v1/deadlines":          everyone,
		"GET /v1/deadlines/:id":      everyone,
		"GET /v1/compliance-report":  {auth.SeniorHandler, auth.Auditor, auth.Admin},
		"GET /v1/calendar":           everyone,
		"GET /v1/calendar/versions":  {auth.Auditor, auth.Admin},
		"POST /v1/calendar/versions": {auth.Admin},
	}
}

type handler struct {
	d   *tracking.UseCases
	log *slog.Logger
}

type pauseResponse struct {
	PausedAt  time.Time `json:"paused_at"`
	ResumedAt time.Time `json:"resumed_at"`
}

type overrideResponse struct {
	Length int    `json:"length"`
	Unit   string `json:"unit"`
}

type obligationResponse struct {
	ID                string            `json:"id"`
	ClaimID           string            `json:"claim_id"`
	Subject           string            `json:"subject"`
	Rule              string            `json:"rule"`
	RNumber           string            `json:"r_number"`
	State             string            `json:"state"`
	Risk              string            `json:"risk"`
	ClockStart        time.Time         `json:"clock_start"`
	DueDate           string            `json:"due_date"`
	DueAt             string            `json:"due_at"`
	AtRiskFrom        string            `json:"at_risk_from"`
	Basis             string            `json:"basis"`
	Explanation       string            `json:"explanation"`
	BasisCitations    []citation        `json:"basis_citations"`
	Counting          counting          `json:"counting"`
	Provisional       bool              `json:"provisional"`
	CalendarVersion   string            `json:"calendar_version"`
	Pauses            []pauseResponse   `json:"pauses"`
	PausedAt          *time.Time        `json:"paused_at"`
	Override          *overrideResponse `json:"override"`
	DoneAt            *time.Time        `json:"done_at"`
	CancelReason      string            `json:"cancel_reason,omitempty"`
	DelaySeconds      int64             `json:"delay_seconds"`
	AtRiskAlertedAt   *time.Time        `json:"at_risk_alerted_at"`
	BreachedAlertedAt *time.Time        `json:"breached_alerted_at"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
}

// citation is one provision a deadline rests on, in Chinese and English,
// for a console to show in its user's language (issue 20).
type citation struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// counting is how a deadline was counted, as codes and values a console
// words from its own catalogue (issue 20); explanation says the same in
// English prose for other clients.
type counting struct {
	// StartDate is day D, the Asia/Shanghai date of the clock's start; it
	// is not counted (Civil Code art. 201).
	StartDate string `json:"start_date"`
	Length    int    `json:"length"`
	// Unit is "days" or "working-days".
	Unit string `json:"unit"`
	// Contract is true when the insurance contract set the period.
	Contract bool `json:"contract"`
	// CompanyTarget is true when the period is the company's target and the
	// law says only "promptly" (R3).
	CompanyTarget bool `json:"company_target"`
	// Pauses counts the closed pauses for documents asked for (R4,
	// Judicial Interpretation II of the Insurance Law, art. 15).
	Pauses int `json:"pauses"`
}

// shanghai formats an instant as RFC 3339 in Asia/Shanghai, the zone the
// rules count in, so that a due time reads 2026-10-13T23:59:59+08:00.
func shanghai(t time.Time) string { return t.In(calendar.Location()).Format(time.RFC3339) }

func toResponse(o tracking.Deadline, now time.Time) obligationResponse {
	r := obligationResponse{
		ID: o.ID, ClaimID: o.ClaimID, Subject: o.Subject, Rule: string(o.Rule), State: string(o.State),
		Risk: string(o.RiskAt(now)), ClockStart: o.ClockStart, DueDate: o.DueDate.String(), DueAt: shanghai(o.DueAt),
		AtRiskFrom: shanghai(o.AtRiskFrom), Basis: o.Basis, Explanation: o.Explanation, Provisional: o.Provisional,
		CalendarVersion: o.CalendarVersion, Pauses: []pauseResponse{}, PausedAt: o.PausedAt, DoneAt: o.DoneAt, CancelReason: o.CancelReason,
		DelaySeconds: int64(o.Delay(now).Seconds()), AtRiskAlertedAt: o.AtRiskAlertedAt,
		BreachedAlertedAt: o.BreachedAlertedAt, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
	r.BasisCitations, r.Counting = []citation{}, counting{StartDate: o.ClockStart.In(calendar.Location()).Format(time.DateOnly), Pauses: len(o.Pauses)}
	if rule, err := deadline.RuleByID(o.Rule); err == nil {
		r.RNumber = rule.RNumber
		r.Counting.Length, r.Counting.Unit, r.Counting.CompanyTarget = rule.Length, rule.Unit.String(), rule.CompanyTarget
		if o.Override != nil {
			r.Counting.Length, r.Counting.Unit, r.Counting.Contract = o.Override.Length, o.Override.Unit.String(), true
		}
		basis := append(slices.Clone(rule.Basis), deadline.CivilCodeArticle201())
		if r.Counting.Unit == deadline.Days.String() && rule.ExtendToWorkingDay {
			basis = append(basis, deadline.CivilCodeArticle203())
		}
		if len(o.Pauses) > 0 {
			basis = append(basis, deadline.JudicialInterpretationIIArticle15())
		}
		for _, b := range basis {
			r.BasisCitations = append(r.BasisCitations, citation{ZH: b.Citation, EN: b.CitationEN})
		}
	}
	for _, p := range o.Pauses {
		r.Pauses = append(r.Pauses, pauseResponse{PausedAt: p.PausedAt, ResumedAt: p.ResumedAt})
	}
	if o.Override != nil {
		r.Override = &overrideResponse{Length: o.Override.Length, Unit: o.Override.Unit.String()}
	}
	return r
}

func (h *handler) fail(c *gin.Context, err error) { httpapi.WriteError(c, h.log, err) }

func (h *handler) list(c *gin.Context) {
	f, err := parseListFilter(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	page, err := h.d.List(c.Request.Context(), f)
	if err != nil {
		h.fail(c, err)
		return
	}
	now := h.d.Now()
	out := make([]obligationResponse, len(page.Obligations))
	for i, o := range page.Obligations {
		out[i] = toResponse(o, now)
	}
	body := gin.H{"deadlines": out, "next_page_token": nil}
	if page.Next != nil {
		body["next_page_token"] = encodeCursor(*page.Next)
	}
	c.JSON(http.StatusOK, body)
}

func parseListFilter(c *gin.Context) (tracking.ListFilter, error) {
	var f tracking.ListFilter
	if s := c.Query("state"); s != "" {
		for _, part := range strings.Split(s, ",") {
			st, err := tracking.ParseState(strings.TrimSpace(part))
			if err != nil {
				return f, err
			}
			f.States = append(f.States, st)
		}
	}
	if s := c.Query("risk"); s != "" {
		r, err := tracking.ParseRisk(s)
		if err != nil {
			return f, err
		}
		f.Risk = r
	}
	f.Rule, f.ClaimID = deadline.RuleID(c.Query("rule")), c.Query("claim_id")
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"due_from", &f.DueFrom}, {"due_to", &f.DueTo}} {
		if s := c.Query(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return f, apperr.InvalidField(p.name, "must be an RFC 3339 time such as 2026-10-13T23:59:59+08:00")
			}
			*p.dst = &t
		}
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return f, apperr.InvalidField("limit", "must be a whole number from 1 to %d", tracking.MaxListLimit)
		}
		f.Limit = n
	}
	if s := c.Query("page_token"); s != "" {
		cur, err := decodeCursor(s)
		if err != nil {
			return f, apperr.InvalidField("page_token", "is not a token this service gave out")
		}
		f.After = &cur
	}
	return f, nil
}

func encodeCursor(c tracking.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.DueAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

func decodeCursor(s string) (tracking.Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return tracking.Cursor{}, err
	}
	at, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" {
		return tracking.Cursor{}, fmt.Errorf("no id in cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	return tracking.Cursor{DueAt: t, ID: id}, err
}

func (h *handler) get(c *gin.Context) {
	o, err := h.d.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toResponse(o, h.d.Now()))
}

type lateResponse struct {
	ObligationID string     `json:"obligation_id"`
	ClaimID      string     `json:"claim_id"`
	Subject      string     `json:"subject"`
	State        string     `json:"state"`
	DueAt        string     `json:"due_at"`
	DoneAt       *time.Time `json:"done_at"`
	DelaySeconds int64      `json:"delay_seconds"`
}

// countsResponse is the counts of a rule's line, or of one of its modes.
type countsResponse struct {
	Total        int     `json:"total"`
	Met          int     `json:"met"`
	Missed       int     `json:"missed"`
	Open         int     `json:"open"`
	OpenBreached int     `json:"open_breached"`
	OnTimeRate   float64 `json:"on_time_rate"`
}

type ruleLineResponse struct {
	Rule    string `json:"rule"`
	RNumber string `json:"r_number"`
	countsResponse
	Worst []lateResponse `json:"worst"`
	Modes []modeResponse `json:"modes,omitempty"`
}

// modeResponse is a rule's counts in one mode (group=mode).
type modeResponse struct {
	Mode string `json:"mode"`
	countsResponse
}

// modesOf returns l's counts per mode; a rule with no obligation is one
// group of zeros under mode "", so that every rule has a row.
func modesOf(l tracking.RuleCompliance) []tracking.ModeCompliance {
	if len(l.Modes) == 0 {
		return []tracking.ModeCompliance{{}}
	}
	return l.Modes
}

func (h *handler) compliance(c *gin.Context) {
	from, err := parseDate(c, "from")
	if err != nil {
		h.fail(c, err)
		return
	}
	to, err := parseDate(c, "to")
	if err != nil {
		h.fail(c, err)
		return
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		h.fail(c, apperr.InvalidField("format", "must be json or csv"))
		return
	}
	// group=mode splits each rule by the mode its obligations were met in
	// (issue 19: automatic and manual decisions apart).
	group := c.Query("group")
	if group != "" && group != "mode" {
		h.fail(c, apperr.InvalidField("group", "must be mode or absent; got %q", group))
		return
	}
	byMode := group == "mode"
	r, err := h.d.Compliance(c.Request.Context(), from, to)
	if err != nil {
		h.fail(c, err)
		return
	}
	if format == "csv" {
		body, err := complianceCSV(r, byMode)
		if err != nil {
			h.fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="compliance-%s-%s-%s.csv"`, r.Service, r.From, r.To))
		c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
		return
	}
	lines := make([]ruleLineResponse, len(r.Rules))
	for i, l := range r.Rules {
		lines[i] = ruleLineResponse{Rule: string(l.Rule), RNumber: l.RNumber, Worst: []lateResponse{},
			countsResponse: countsResponse{Total: l.Total, Met: l.Met, Missed: l.Missed, Open: l.Open, OpenBreached: l.OpenBreached, OnTimeRate: l.OnTimeRate()}}
		for _, w := range l.Worst {
			lines[i].Worst = append(lines[i].Worst, lateResponse{ObligationID: w.ObligationID, ClaimID: w.ClaimID,
				Subject: w.Subject, State: string(w.State), DueAt: shanghai(w.DueAt), DoneAt: w.DoneAt,
				DelaySeconds: int64(w.Delay.Seconds())})
		}
		if byMode {
			for _, m := range modesOf(l) {
				lines[i].Modes = append(lines[i].Modes, modeResponse{Mode: m.Mode,
					countsResponse: countsResponse{Total: m.Total, Met: m.Met, Missed: m.Missed, Open: m.Open, OpenBreached: m.OpenBreached, OnTimeRate: m.OnTimeRate()}})
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"service": r.Service, "from": r.From.String(), "to": r.To.String(),
		"generated_at": r.GeneratedAt, "rules": lines})
}

// CSVHeader is the header row of the compliance report in CSV.
var csvHeader = []string{"service", "from", "to", "rule", "r_number", "total", "met", "missed", "open",
	"open_breached", "on_time_rate", "worst_delay_seconds", "worst_claim_id"}

// csvModeHeader is the header row of the report split by mode: a mode
// column after r_number, one row per rule and mode, the worst delay the
// rule's.
var csvModeHeader = append(append(slices.Clone(csvHeader[:5]), "mode"), csvHeader[5:]...)

func complianceCSV(r tracking.ComplianceReport, byMode bool) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := csvHeader
	if byMode {
		header = csvModeHeader
	}
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, l := range r.Rules {
		if byMode {
			if err := modeRows(w, r, l); err != nil {
				return nil, err
			}
			continue
		}
		worstDelay, worstClaim := worstOf(l)
		if err := w.Write([]string{r.Service, r.From.String(), r.To.String(), string(l.Rule), l.RNumber,
			strconv.Itoa(l.Total), strconv.Itoa(l.Met), strconv.Itoa(l.Missed), strconv.Itoa(l.Open),
			strconv.Itoa(l.OpenBreached), strconv.FormatFloat(l.OnTimeRate(), 'f', 4, 64), worstDelay, worstClaim}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// worstOf returns the largest delay of l in whole seconds and its claim.
func worstOf(l tracking.RuleCompliance) (string, string) {
	if len(l.Worst) == 0 {
		return "0", ""
	}
	return strconv.FormatInt(int64(l.Worst[0].Delay.Seconds()), 10), l.Worst[0].ClaimID
}

// modeRows writes l's rows in the report split by mode.
func modeRows(w *csv.Writer, r tracking.ComplianceReport, l tracking.RuleCompliance) error {
	worstDelay, worstClaim := worstOf(l)
	for _, m := range modesOf(l) {
		if err := w.Write([]string{r.Service, r.From.String(), r.To.String(), string(l.Rule), l.RNumber, m.Mode,
			strconv.Itoa(m.Total), strconv.Itoa(m.Met), strconv.Itoa(m.Missed), strconv.Itoa(m.Open),
			strconv.Itoa(m.OpenBreached), strconv.FormatFloat(m.OnTimeRate(), 'f', 4, 64), worstDelay, worstClaim}); err != nil {
			return err
		}
	}
	return nil
}

func parseDate(c *gin.Context, name string) (calendar.Date, error) {
	s := c.Query(name)
	if s == "" {
		return calendar.Date{}, apperr.InvalidField(name, "is required (YYYY-MM-DD, a due date in Asia/Shanghai)")
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return calendar.Date{}, apperr.InvalidField(name, "must be a date YYYY-MM-DD")
	}
	return d, nil
}

func (h *handler) calendar(c *gin.Context) {
	cal, seq := h.d.ActiveCalendar()
	years := cal.Years()
	provisional := []int{}
	if len(years) > 0 {
		thisYear := h.d.Now().In(calendar.Location()).Year()
		for y := years[0]; y <= max(years[len(years)-1], thisYear+1); y++ {
			if cal.Provisional(y) {
				provisional = append(provisional, y)
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"version": cal.Version(), "seq": seq, "source": cal.Source(), "years": years,
		"provisional_years": provisional})
}

type versionResponse struct {
	Seq         int64     `json:"seq"`
	Version     string    `json:"version"`
	Reason      string    `json:"reason"`
	SubmittedBy string    `json:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at"`
	AppliedAt   time.Time `json:"applied_at"`
	EventID     string    `json:"event_id"`
}

func (h *handler) versions(c *gin.Context) {
	vs, err := h.d.CalendarVersions(c.Request.Context())
	if err != nil {
		h.fail(c, err)
		return
	}
	out := make([]versionResponse, len(vs))
	for i, v := range vs {
		out[i] = versionResponse(v)
	}
	c.JSON(http.StatusOK, gin.H{"versions": out})
}

type submitRequest struct {
	Calendar json.RawMessage `json:"calendar"`
	Reason   string          `json:"reason"`
}

func (h *handler) submit(c *gin.Context) {
	actor, err := authhttp.Actor(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	var req submitRequest
	if err := httpapi.BindJSON(c, &req); err != nil {
		h.fail(c, err)
		return
	}
	v, err := h.d.SubmitCalendar(c.Request.Context(), tracking.CalendarSubmission{Calendar: req.Calendar, Reason: req.Reason, SubmittedBy: actor.Subject})
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"version": v.Version, "reason": v.Reason, "submitted_by": v.SubmittedBy,
		"submitted_at": v.SubmittedAt, "event_id": v.EventID})
}

// MergeOpenAPI returns the service's OpenAPI document with the paths and
// component schemas of these routes added.
func MergeOpenAPI(service []byte) ([]byte, error) {
	return httpapi.MergeOpenAPI(service, OpenAPIPaths)
}
