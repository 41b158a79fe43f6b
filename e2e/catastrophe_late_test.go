package e2e

import (
	"net/http"
	"strings"
	"testing"

	"claims.local/pkg/kafkabus/kafkatest"
)

// TestACatastropheActivatedLateTagsTheMatchingOpenClaims: claims filed
// before the typhoon's mode was switched on carry no tag. Activating it
// tags the open claims whose place, date and type it covers, each recorded
// on the case's timeline as the activation's, so they join the fast
// channel (an advance offered, first in the queue); so does a claim handed
// over after the activation without intake's tag. A claim outside the
// regions stays on the normal path.
func TestACatastropheActivatedLateTagsTheMatchingOpenClaims(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("adjudication")
	sys.waitReady("adjudication")
	sys.importCover(t, "P-E2E-CAT-LATE")
	sys.claimsctl(t, "catastrophe", "declare", "--code", catastropheCode, "--name", "台风“海葵”", "--peril", "typhoon",
		"--regions", "4401,4403", "--from", "2026-09-01", "--to", "2026-09-10", "--share-bps", "3000", "--cap-fen", "5000000",
		"--types", "death,disability,medical", "--target-days", "1")

	outside := sys.requested(t, "P-E2E-CAT-LATE", "medical", "110105", "", 100_000)
	death := sys.requested(t, "P-E2E-CAT-LATE", "death", "440106", "", 0)
	if c := sys.trackedCase(t, death); c.Catastrophe != nil {
		t.Fatalf("got %+v before the activation, want no tag", c.Catastrophe)
	}
	if got := sys.claimsctl(t, "catastrophe", "activate", "--code", catastropheCode, "--reason", "台风登陆，启动应急预案"); got["active"] != true {
		t.Fatalf("activate: got %v, want the mode on", got)
	}

	// A report filed before the activation and handed over after it reaches
	// adjudication untagged (intake keeps the channel a report was given).
	handedLater := sys.requested(t, "P-E2E-CAT-LATE", "medical", "440305", "", 300_000)
	if c := sys.trackedCase(t, handedLater); c.Catastrophe == nil || c.Catastrophe.Code != catastropheCode {
		t.Fatalf("got %+v for a claim handed over after the activation, want tagged %s", c.Catastrophe, catastropheCode)
	}

	c := sys.trackedCase(t, death)
	if c.Catastrophe == nil || c.Catastrophe.Code != catastropheCode || len(c.Advances) != 1 || c.Advances[0].AmountFen != 5_000_000 {
		t.Fatalf("got case %+v, want tagged %s with its advance of 5000000 fen offered", c, catastropheCode)
	}
	if o := sys.trackedCase(t, outside); o.Catastrophe != nil {
		t.Fatalf("got the claim outside the regions tagged %+v, want the normal path", o.Catastrophe)
	}
	var timeline struct {
		Entries []struct {
			Actor   string         `json:"actor"`
			Action  string         `json:"action"`
			Reason  string         `json:"reason"`
			Details map[string]any `json:"details"`
		} `json:"entries"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+death+"/timeline"), nil, &timeline)
	tagged := 0
	for _, e := range timeline.Entries {
		if e.Action == "catastrophe_tagged" {
			tagged++
			if e.Actor == "" || strings.Contains(e.Actor, "intake") || !strings.Contains(e.Reason, "activated") {
				t.Errorf("got tag entry %+v, want it by the activation's actor with its reason", e)
			}
		}
	}
	if tagged != 1 {
		t.Fatalf("got %d tag entries on the timeline, want 1", tagged)
	}
	var q struct {
		Items []struct {
			ClaimID string `json:"claim_id"`
		} `json:"items"`
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/queue"), nil, &q)
	if len(q.Items) != 3 || q.Items[2].ClaimID != outside {
		t.Fatalf("got queue %+v, want the tagged cases before %s", q.Items, outside)
	}
}
