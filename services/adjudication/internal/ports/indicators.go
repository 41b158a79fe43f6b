package ports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/calendar"
	"claims.local/pkg/httpapi"
)

// indicatorPermissions is who reads the service indicators (R13) and the
// catastrophe daily report: senior handlers, the catastrophe team (its
// report), auditors and admins. They name handlers and branches, not
// claimants.
func indicatorPermissions() auth.Permissions {
	return auth.Permissions{
		"GET /v1/indicators":                      {auth.SeniorHandler, auth.Auditor, auth.Admin},
		"GET /v1/catastrophes/:code/daily-report": {auth.SeniorHandler, auth.CatastropheCoordinator, auth.Auditor, auth.Admin},
	}
}

// registerIndicators adds the routes of the reports to v1.
func registerIndicators(v1 *gin.RouterGroup, h *HTTP) {
	v1.GET("/indicators", h.indicators)
	v1.GET("/catastrophes/:code/daily-report", h.catastropheReport)
}

// reportQuery reads the period (from, to: Asia/Shanghai dates, both
// required) and the format (json, the default, or csv) of a report.
func reportQuery(c *gin.Context) (from, to calendar.Date, csvOut bool, err error) {
	for _, p := range []struct {
		name string
		into *calendar.Date
	}{{"from", &from}, {"to", &to}} {
		s := c.Query(p.name)
		if s == "" {
			return from, to, false, apperr.InvalidField(p.name, "is required (YYYY-MM-DD, Asia/Shanghai)")
		}
		if *p.into, err = calendar.ParseDate(s); err != nil {
			return from, to, false, apperr.InvalidField(p.name, "must be a date YYYY-MM-DD")
		}
	}
	switch c.DefaultQuery("format", "json") {
	case "json":
		return from, to, false, nil
	case "csv":
		return from, to, true, nil
	}
	return from, to, false, apperr.InvalidField("format", "must be json or csv")
}

// writeCSV answers rows as a CSV attachment named name.
func (h *HTTP) writeCSV(c *gin.Context, name string, rows [][]string) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// indicatorLineJSON is one group's indicators; times are in hours.
type indicatorLineJSON struct {
	Group                     string  `json:"group"`
	Decided                   int     `json:"decided"`
	Withdrawn                 int     `json:"withdrawn"`
	DecidedWithin5            int     `json:"decided_within_5_working_days"`
	FiveDayClosureRate        float64 `json:"five_day_closure_rate"`
	Paid                      int     `json:"paid"`
	Rejected                  int     `json:"rejected"`
	PaidShare                 float64 `json:"paid_share"`
	PaymentsDone              int     `json:"payments_completed"`
	AvgClaimToPaymentHours    float64 `json:"avg_claim_to_payment_hours"`
	AvgIncidentToPaymentHours float64 `json:"avg_incident_to_payment_hours"`
	SmallDecided              int     `json:"small_decided"`
	SmallWithin1              int     `json:"small_decided_within_1_working_day"`
	SmallWithin5              int     `json:"small_decided_within_5_working_days"`
	SmallOneDayRate           float64 `json:"small_one_day_closure_rate"`
	SmallFiveDayRate          float64 `json:"small_five_day_closure_rate"`
	Automatic                 int     `json:"decided_automatically"`
}

func hours(d time.Duration) float64 { return float64(int64(d.Hours()*100+0.5)) / 100 }

func toIndicatorLine(l domain.IndicatorLine) indicatorLineJSON {
	return indicatorLineJSON{Group: l.Group, Decided: l.Decided, Withdrawn: l.Withdrawn, DecidedWithin5: l.Within5,
		FiveDayClosureRate: domain.Rate(l.Within5, l.Decided), Paid: l.Paid, Rejected: l.Rejected, PaidShare: domain.Rate(l.Paid, l.Decided),
		PaymentsDone: l.PaymentsDone, AvgClaimToPaymentHours: hours(l.AvgClaimToPayment()), AvgIncidentToPaymentHours: hours(l.AvgIncidentToPayment()),
		SmallDecided: l.SmallDecided, SmallWithin1: l.SmallWithin1, SmallWithin5: l.SmallWithin5,
		SmallOneDayRate: domain.Rate(l.SmallWithin1, l.SmallDecided), SmallFiveDayRate: domain.Rate(l.SmallWithin5, l.SmallDecided),
		Automatic: l.Automatic}
}

var indicatorCSVHeader = []string{"from", "to", "group_by", "group", "decided", "withdrawn", "decided_within_5_working_days",
	"five_day_closure_rate", "paid", "rejected", "paid_share", "payments_completed", "avg_claim_to_payment_hours",
	"avg_incident_to_payment_hours", "small_decided", "small_decided_within_1_working_day", "small_decided_within_5_working_days",
	"small_one_day_closure_rate", "small_five_day_closure_rate"}

func indicatorCSV(r app.IndicatorReport, lines []indicatorLineJSON) [][]string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	out := [][]string{indicatorCSVHeader}
	for _, l := range lines {
		out = append(out, []string{r.From.String(), r.To.String(), r.Group, l.Group, strconv.Itoa(l.Decided), strconv.Itoa(l.Withdrawn),
			strconv.Itoa(l.DecidedWithin5), f(l.FiveDayClosureRate), strconv.Itoa(l.Paid), strconv.Itoa(l.Rejected), f(l.PaidShare),
			strconv.Itoa(l.PaymentsDone), f(l.AvgClaimToPaymentHours), f(l.AvgIncidentToPaymentHours), strconv.Itoa(l.SmallDecided),
			strconv.Itoa(l.SmallWithin1), strconv.Itoa(l.SmallWithin5), f(l.SmallOneDayRate), f(l.SmallFiveDayRate)})
	}
	return out
}

func (h *HTTP) indicators(c *gin.Context) {
	from, to, csvOut, err := reportQuery(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	group, err := domain.ParseGroup(c.DefaultQuery("group", domain.GroupBranch))
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	r, err := h.app.ServiceIndicators(c.Request.Context(), from, to, group)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	lines := make([]indicatorLineJSON, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = toIndicatorLine(l)
	}
	total := toIndicatorLine(r.Total)
	if csvOut {
		h.writeCSV(c, fmt.Sprintf("indicators-%s-%s-%s", group, from, to), indicatorCSV(r, append(lines, total)))
		return
	}
	c.JSON(http.StatusOK, gin.H{"from": from.String(), "to": to.String(), "group_by": group, "generated_at": r.GeneratedAt,
		"small_claim_limit_fen": domain.SmallClaimLimitFen, "lines": lines, "total": total})
}

// catastropheDayJSON is one day of the catastrophe daily report.
type catastropheDayJSON struct {
	Date            string  `json:"date"`
	NewCases        int     `json:"new_cases"`
	ValidCases      int     `json:"valid_cases"`
	Deaths          int     `json:"deaths"`
	Disabilities    int     `json:"disabilities"`
	Medical         int     `json:"medical"`
	NewClosed       int     `json:"new_closed"`
	Closed          int     `json:"closed"`
	AdvancesPaid    int     `json:"advances_paid"`
	AdvancesPaidFen int64   `json:"advances_paid_fen"`
	EstimatedFen    int64   `json:"estimated_fen"`
	HandlingRate    float64 `json:"handling_rate"`
}

var catastropheCSVHeader = []string{"catastrophe", "date", "new_cases", "valid_cases", "deaths", "disabilities", "medical",
	"new_closed", "closed", "advances_paid", "advances_paid_fen", "estimated_fen", "handling_rate"}

func (h *HTTP) catastropheReport(c *gin.Context) {
	from, to, csvOut, err := reportQuery(c)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	r, err := h.app.CatastropheDailyReport(c.Request.Context(), c.Param("code"), from, to)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	days := make([]catastropheDayJSON, len(r.Days))
	rows := [][]string{catastropheCSVHeader}
	for i, d := range r.Days {
		days[i] = catastropheDayJSON{Date: d.Date.String(), NewCases: d.NewCases, ValidCases: d.ValidCases, Deaths: d.Deaths,
			Disabilities: d.Disabilities, Medical: d.Medical, NewClosed: d.NewClosed, Closed: d.Closed, AdvancesPaid: d.AdvancesPaid,
			AdvancesPaidFen: d.AdvancesPaidFen, EstimatedFen: d.EstimatedFen, HandlingRate: d.HandlingRate()}
		rows = append(rows, []string{r.Code, d.Date.String(), strconv.Itoa(d.NewCases), strconv.Itoa(d.ValidCases), strconv.Itoa(d.Deaths),
			strconv.Itoa(d.Disabilities), strconv.Itoa(d.Medical), strconv.Itoa(d.NewClosed), strconv.Itoa(d.Closed),
			strconv.Itoa(d.AdvancesPaid), strconv.FormatInt(d.AdvancesPaidFen, 10), strconv.FormatInt(d.EstimatedFen, 10),
			strconv.FormatFloat(d.HandlingRate(), 'f', 4, 64)})
	}
	if csvOut {
		h.writeCSV(c, fmt.Sprintf("catastrophe-%s-%s-%s", r.Code, from, to), rows)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": r.Code, "from": from.String(), "to": to.String(), "generated_at": r.GeneratedAt, "days": days})
}
