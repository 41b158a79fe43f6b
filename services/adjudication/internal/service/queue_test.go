package service_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/redact"
)

// idNumber is a resident ID number whose GB 11643 checksum verifies.
const idNumber = "11010519491231002X"

type queuePage struct {
	Items []struct {
		ClaimID      string     `json:"claim_id"`
		PolicyNumber string     `json:"policy_number"`
		InsuredName  string     `json:"insured_name"`
		Assignee     string     `json:"assignee"`
		NearestDueAt *time.Time `json:"nearest_due_at"`
		NearestKind  string     `json:"nearest_kind"`
	} `json:"items"`
	Total      int  `json:"total"`
	NextOffset *int `json:"next_offset"`
}

func (q queuePage) claims() []string {
	out := make([]string, len(q.Items))
	for i, it := range q.Items {
		out[i] = it.ClaimID
	}
	return out
}

// Issue 20: the queue is searched, sorted, filtered and paged by the
// server, with a total over every page; the picker reads each handler's
// workload.
func TestTheQueueIsSearchedSortedAndPagedWithATotal(t *testing.T) {
	t.Parallel()
	r := start(t)
	a, b, c := requestData(), requestData(), requestData()
	a.PolicyNumber, a.InsuredName = "P-2026-100", "王小明"
	b.PolicyNumber, b.InsuredName = "P-2026-200", "李华"
	c.PolicyNumber, c.InsuredName = "P-2027-300", "王芳"
	// 王芳's identity card: intake sends its number masked only.
	c.Documents = []events.ClaimDocument{{DocumentID: "doc-id", Type: "id_card", SHA256: "ab", IDNumberMasked: redact.IDNumber(idNumber)}}
	b.FirstReceivedAt = b.FirstReceivedAt.Add(-time.Hour)
	c.FirstReceivedAt = c.FirstReceivedAt.Add(-2 * time.Hour)
	r.openCases(t, a, b, c)
	handler := r.as(t, "handler-1", auth.Handler)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+a.ClaimID+"/review", `{}`), 200, nil)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/"+c.ClaimID+"/review", `{}`), 200, nil)

	get := func(query string) queuePage {
		t.Helper()
		var q queuePage
		want(t, r.Do(t, http.MethodGet, "/v1/queue?"+query, ""), 200, &q)
		return q
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"q=" + url.QueryEscape("王"), []string{c.ClaimID, a.ClaimID}},
		{"q=p-2026", []string{b.ClaimID, a.ClaimID}},
		{"q=" + b.ClaimID, []string{b.ClaimID}},
		{"q=" + idNumber, []string{c.ClaimID}},
		{"q=" + strings.ToLower(idNumber), []string{c.ClaimID}},
		{"q=" + idNumber[:17] + "1", []string{}}, // the checksum fails: no ID number, no match
		{"q=" + redact.IDNumber(idNumber), []string{}},
		{"q=" + url.QueryEscape("%"), []string{}},
		{"q=" + url.QueryEscape("_"), []string{}},
		{"sort=insured_name", []string{b.ClaimID, a.ClaimID, c.ClaimID}}, // 李 < 王小 < 王芳 by code point
		{"sort=policy_number&order=desc", []string{c.ClaimID, b.ClaimID, a.ClaimID}},
		{"sort=received&order=desc", []string{a.ClaimID, b.ClaimID, c.ClaimID}},
		{"assignee=handler-1&sort=received", []string{c.ClaimID, a.ClaimID}},
		{"unassigned=true", []string{b.ClaimID}},
		{"catastrophe=" + url.QueryEscape("*"), []string{}},
		{"catastrophe=-&incident_type=medical&complex=false&sort=claim_id", sorted(a.ClaimID, b.ClaimID, c.ClaimID)},
	} {
		got := get(tc.query)
		assert.Equal(t, tc.want, got.claims(), tc.query)
		assert.Equal(t, len(tc.want), got.Total, "total of %s", tc.query)
	}
	page := get("sort=received&limit=2")
	require.Len(t, page.Items, 2)
	assert.Equal(t, 3, page.Total)
	require.NotNil(t, page.NextOffset)
	assert.Equal(t, 2, *page.NextOffset)
	last := get("sort=received&limit=2&offset=2")
	assert.Equal(t, []string{a.ClaimID}, last.claims())
	assert.Nil(t, last.NextOffset)
	require.NotNil(t, last.Items[0].NearestDueAt, "the decision deadline counts down")
	assert.Equal(t, "deadline", last.Items[0].NearestKind)

	doc := r.Spec(t)
	for _, bad := range []struct{ query, field string }{
		{"sort=password", "sort"}, {"order=up", "order"}, {"complex=maybe", "complex"}, {"incident_type=flood", "incident_type"},
	} {
		doc.WantError(t, "GET /v1/queue", r.Do(t, http.MethodGet, "/v1/queue?"+bad.query, ""), 400, "invalid_argument", bad.field)
	}

	var w struct {
		Handlers []struct {
			Assignee  string `json:"assignee"`
			OpenCases int    `json:"open_cases"`
		} `json:"handlers"`
	}
	want(t, r.as(t, "coordinator", auth.CatastropheCoordinator).Do(t, http.MethodGet, "/v1/workloads", ""), 200, &w)
	require.Len(t, w.Handlers, 1)
	assert.Equal(t, "handler-1", w.Handlers[0].Assignee)
	assert.Equal(t, 2, w.Handlers[0].OpenCases)
	want(t, r.as(t, "finance-1", auth.Finance).Do(t, http.MethodGet, "/v1/workloads", ""), 403, nil)
}

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// ATTACK: no answer of the queue carries an ID number in full; the masked
// form is all adjudication holds.
func TestTheQueueNeverAnswersAnIDNumber(t *testing.T) {
	t.Parallel()
	r := start(t)
	d := requestData()
	d.Documents = []events.ClaimDocument{{DocumentID: "doc-id", Type: "id_card", SHA256: "ab", IDNumberMasked: redact.IDNumber(idNumber)}}
	r.openCases(t, d)
	for _, path := range []string{"/v1/queue?q=" + idNumber, "/v1/cases/" + d.ClaimID} {
		a := r.Do(t, http.MethodGet, path, "")
		want(t, a, 200, nil)
		if strings.Contains(string(a.Body), idNumber) || strings.Contains(string(a.Body), idNumber[6:14]) {
			t.Fatalf("GET %s: got %s, want no ID number (nor its birth date) in it", path, a.Body)
		}
	}
	assert.Equal(t, int64(0), r.count(t, `SELECT count(*) FROM case_documents WHERE id_number_masked LIKE '%19491231%'`))
}
