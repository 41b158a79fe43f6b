package service_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
)

type complaintAnswer struct {
	ID              string `json:"id"`
	ClaimID         string `json:"claim_id"`
	AcceptedBy      string `json:"accepted_by"`
	ProgressNotices []struct {
		SentBy    string `json:"sent_by"`
		BeforeDue bool   `json:"before_due"`
	} `json:"progress_notices"`
	Reply *struct {
		Text      string `json:"text"`
		RepliedBy string `json:"replied_by"`
	} `json:"reply"`
	Deadline *struct {
		Rule    string `json:"rule"`
		RNumber string `json:"r_number"`
		State   string `json:"state"`
		Risk    string `json:"risk"`
	} `json:"deadline"`
}

func TestAComplaintIsRegisteredAnsweredOnceBySeniorsAndCountedInTheComplianceReport(t *testing.T) {
	t.Parallel()
	r, path := startWithCase(t)
	claimID := path[len("/v1/cases/"):]
	handler := r.as(t, "handler-1", auth.Handler)
	senior := r.as(t, "senior-1", auth.SeniorHandler)

	// Bad input loses nothing and says which field.
	bad := handler.Do(t, http.MethodPost, "/v1/complaints", `{"channel":"pigeon","complainant":"李四","category":"claim_decision","content":"不服"}`)
	want(t, bad, http.StatusBadRequest, nil)
	assert.Contains(t, string(bad.Body), `"field":"channel"`)
	want(t, handler.Do(t, http.MethodPost, "/v1/complaints", `{"claim_id":"no-such-claim","channel":"phone","complainant":"李四","category":"claim_decision","content":"不服"}`), http.StatusBadRequest, nil)
	assert.Equal(t, int64(0), r.count(t, `SELECT count(*) FROM complaints`))

	var c complaintAnswer
	want(t, handler.Do(t, http.MethodPost, "/v1/complaints", `{"claim_id":"`+claimID+`","channel":"phone","complainant":"李四",
		"contact":"138 0000 0000","category":"claim_delay","content":"提交材料一周仍未核定。"}`), http.StatusCreated, &c)
	require.NotNil(t, c.Deadline)
	assert.Equal(t, "complaint-reply", c.Deadline.Rule)
	assert.Equal(t, "R12", c.Deadline.RNumber)
	assert.Equal(t, "open", c.Deadline.State)
	assert.Equal(t, "handler-1", c.AcceptedBy)

	var list struct {
		Deadlines []struct {
			Rule    string `json:"rule"`
			Subject string `json:"subject"`
		} `json:"deadlines"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/deadlines?rule=complaint-reply", ""), http.StatusOK, &list)
	require.Len(t, list.Deadlines, 1)
	assert.Equal(t, "complaint/"+c.ID, list.Deadlines[0].Subject)

	want(t, handler.Do(t, http.MethodPost, "/v1/complaints/"+c.ID+"/progress-notices", `{"text":"正在核实，预计下周答复。","channel":"phone"}`), http.StatusCreated, &c)
	require.Len(t, c.ProgressNotices, 1)
	assert.True(t, c.ProgressNotices[0].BeforeDue)

	// ATTACK: a handler may not answer; a reply by SMS is no written reply.
	want(t, handler.Do(t, http.MethodPost, "/v1/complaints/"+c.ID+"/reply", `{"text":"已处理","channel":"letter"}`), http.StatusForbidden, nil)
	want(t, senior.Do(t, http.MethodPost, "/v1/complaints/"+c.ID+"/reply", `{"text":"已处理","channel":"sms"}`), http.StatusBadRequest, nil)
	want(t, senior.Do(t, http.MethodPost, "/v1/complaints/"+c.ID+"/reply", `{"text":"已于今日完成核定并通知您。","channel":"letter"}`), http.StatusOK, &c)
	require.NotNil(t, c.Reply)
	assert.Equal(t, "senior-1", c.Reply.RepliedBy)
	assert.Equal(t, "met", c.Deadline.State)

	// ATTACK: a repeated reply, even by another senior, is refused and
	// leaves the first.
	other := r.as(t, "senior-2", auth.SeniorHandler)
	want(t, other.Do(t, http.MethodPost, "/v1/complaints/"+c.ID+"/reply", `{"text":"改口","channel":"letter"}`), http.StatusConflict, nil)
	want(t, r.Do(t, http.MethodGet, "/v1/complaints/"+c.ID, ""), http.StatusOK, &c)
	assert.Equal(t, "已于今日完成核定并通知您。", c.Reply.Text)
	assert.Equal(t, int64(1), r.count(t, `SELECT count(*) FROM complaint_replies`))

	var answered struct {
		Complaints []complaintAnswer `json:"complaints"`
	}
	want(t, r.Do(t, http.MethodGet, "/v1/complaints?answered=true&claim_id="+claimID, ""), http.StatusOK, &answered)
	assert.Len(t, answered.Complaints, 1)
	want(t, r.Do(t, http.MethodGet, "/v1/complaints?answered=maybe", ""), http.StatusBadRequest, nil)
	want(t, r.Do(t, http.MethodGet, "/v1/complaints/no-such", ""), http.StatusNotFound, nil)

	var report struct {
		Rules []struct {
			Rule    string `json:"rule"`
			RNumber string `json:"r_number"`
			Met     int    `json:"met"`
		} `json:"rules"`
	}
	year := time.Now().Year()
	want(t, r.Do(t, http.MethodGet, "/v1/compliance-report?from="+time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")+
		"&to="+time.Date(year+1, 12, 31, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), ""), http.StatusOK, &report)
	found := false
	for _, l := range report.Rules {
		if l.Rule == "complaint-reply" {
			found = true
			assert.Equal(t, "R12", l.RNumber)
			assert.Equal(t, 1, l.Met)
		}
	}
	assert.True(t, found, "the compliance report has an R12 line")
}
