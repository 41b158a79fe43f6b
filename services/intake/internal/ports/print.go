package ports

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages renders the printable pages handed to a claimant: the guidance
// checklist (R1, with the R2 reminder) and the notice of missing documents
// (R3), in Chinese with English under it. The browser prints them; the
// HTML needs no fonts of the server's.
type pages struct {
	checklist, notice *template.Template
}

func newPages() *pages {
	funcs := template.FuncMap{"inc": func(i int) int { return i + 1 }}
	parse := func(name string) *template.Template {
		return template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
	}
	return &pages{checklist: parse("checklist.html"), notice: parse("notice.html")}
}

// claimHeader is the claim as the printed pages name it: a claim has no
// number of its own, so the pages give the short reference the console
// shows (the first 8 characters of its id, in capitals), never the UUID
// (issue 20).
type claimHeader struct {
	ReportRef, ClaimRef, Policy, Insured, IncidentDate string
}

func headerOf(r domain.IncidentReport) claimHeader {
	return claimHeader{ReportRef: shortRef(r.ID), ClaimRef: shortRef(r.ClaimID), Policy: r.PolicyNumber, Insured: r.InsuredName,
		IncidentDate: chineseDate(r.IncidentDate())}
}

// shortRef is the reference of an id people read out: its first 8
// characters in capitals.
func shortRef(id string) string {
	if len(id) > 8 {
		id = id[:8]
	}
	return strings.ToUpper(id)
}

// chineseDate writes a date as 2026年12月2日.
func chineseDate(d calendar.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, d.Month, d.Day)
}

// channelNames name the channels a notice goes by, for the claimant.
// Read-only.
var channelNames = map[domain.NoticeChannel]domain.Text{
	domain.ChannelLetter:   {ZH: "信函", EN: "letter"},
	domain.ChannelSMS:      {ZH: "短信", EN: "text message"},
	domain.ChannelEmail:    {ZH: "电子邮件", EN: "e-mail"},
	domain.ChannelInPerson: {ZH: "当面递交", EN: "in person"},
}

// printedItem is an item of a printed page: Note says when the item is
// asked for (checklist) or why (notice).
type printedItem struct {
	Title, Description, Note, Reminder domain.Text
	Documents                          []domain.DocumentOption
	State                              string
	StateText                          domain.Text
}

// stateTexts say where an item stands, for the claimant. Read-only.
var stateTexts = map[domain.ItemState]domain.Text{
	domain.ItemSatisfied:     {ZH: "已收到", EN: "Received"},
	domain.ItemWaived:        {ZH: "已确认", EN: "Confirmed"},
	domain.ItemMissing:       {ZH: "待提供", EN: "To provide"},
	domain.ItemNotApplicable: {ZH: "无需提供", EN: "Not needed"},
}

// shanghaiTime writes t as Asia/Shanghai wall time, 2026年12月2日 14:03.
func shanghaiTime(t time.Time) string {
	l := t.In(calendar.Location())
	return fmt.Sprintf("%d年%d月%d日 %s", l.Year(), l.Month(), l.Day(), l.Format("15:04"))
}

func (h *HTTP) printChecklist(c *gin.Context) {
	f, err := h.app.Report(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	st := f.Checklist()
	data := struct {
		Title                   domain.Text
		Claim                   claimHeader
		FastChannel             *domain.FastChannelNotice
		Items                   []printedItem
		Basis, Version, Printed string
	}{Title: st.Template.Title, Claim: headerOf(f.Report), Basis: r1BasisZH, Version: st.Template.Version, Printed: shanghaiTime(time.Now())}
	if fc := f.Report.FastChannel; fc != nil {
		n := fc.Notice(f.Report.IncidentType)
		data.FastChannel = &n
	}
	for _, it := range st.Items {
		p := printedItem{Title: it.Title, Description: it.Description, Reminder: it.Reminder, Documents: it.Documents,
			State: string(it.State), StateText: stateTexts[it.State]}
		if !it.When.IsZero() {
			p.Note = it.When.Describe()
		}
		data.Items = append(data.Items, p)
	}
	h.render(c, h.pages.checklist, data)
}

func (h *HTTP) printNotice(c *gin.Context) {
	seq, err := seqParam(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	f, err := h.app.Report(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if seq > len(f.Notices) {
		h.fail(c, apperr.New(apperr.NotFound, "report %s has no notice %d", f.Report.ID, seq))
		return
	}
	n := f.Notices[seq-1]
	var items []printedItem
	for _, it := range n.Items {
		items = append(items, printedItem{Title: it.Title, Description: it.Description, Note: it.Why, Reminder: it.Reminder, Documents: it.Documents})
	}
	h.render(c, h.pages.notice, struct {
		Claim          claimHeader
		OneTime        bool
		Reason         string
		Items          []printedItem
		SentAt, SentBy string
		Channel        domain.Text
	}{Claim: headerOf(f.Report), OneTime: n.Seq == 1, Reason: n.Reason, Items: items,
		SentAt: shanghaiTime(n.SentAt), Channel: channelNames[n.Channel], SentBy: n.SentBy})
}

// pagePolicy is the Content-Security-Policy of the printable pages: their
// own inline style and nothing else, no script above all. The console opens
// a page as a blob: page with the console's origin, beside the session's
// tokens, and a blob: page has no headers, so templates/layout.html
// declares the same policy in its head; the header covers a page opened
// from intake itself.
const pagePolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

// render answers with a page, or with an error if it cannot be rendered.
func (h *HTTP) render(c *gin.Context, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Content-Security-Policy", pagePolicy)
	c.Data(http.StatusOK, "text/html; charset=utf-8", b.Bytes())
}
