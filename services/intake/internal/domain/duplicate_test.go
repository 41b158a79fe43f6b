package domain

import (
	"testing"

	"claims.local/pkg/apperr"
)

func TestResolveLink(t *testing.T) {
	for _, c := range []struct {
		name      string
		candidate string
		choice    LinkChoice
		want      LinkAction
		wantErr   bool
	}{
		{"no open report: new", "", LinkChoice{}, StoreNew, false},
		{"open report, no answer: ask", "r1", LinkChoice{}, AskFirst, false},
		{"open report, confirmed: link", "r1", LinkChoice{LinkTo: "r1"}, LinkToCandidate, false},
		{"open report, another incident: new", "r1", LinkChoice{ConfirmNew: true}, StoreNew, false},
		{"link to another report", "r1", LinkChoice{LinkTo: "r9"}, 0, true},
		{"link to a closed report (no open candidate)", "", LinkChoice{LinkTo: "r1"}, 0, true},
		{"both answers", "r1", LinkChoice{LinkTo: "r1", ConfirmNew: true}, 0, true},
		{"confirm new with no candidate", "", LinkChoice{ConfirmNew: true}, StoreNew, false},
	} {
		got, err := ResolveLink(c.candidate, c.choice)
		if c.wantErr {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: got %v, want invalid_argument", c.name, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %v %v, want %v", c.name, got, err, c.want)
		}
	}
}
