package domain

import (
	"testing"

	"claims.local/pkg/apperr"
)

func TestANoticeGoesOutOnlyAsPreviewed(t *testing.T) {
	n := Notice{Items: []NoticeItem{{ItemID: "medical_invoices"}, {ItemID: "treatment_record"}}}
	tests := []struct {
		name      string
		previewed []string
		want      apperr.Code
	}{
		{"no preview given", nil, ""},
		{"the same items", []string{"medical_invoices", "treatment_record"}, ""},
		{"the same items in another order", []string{"treatment_record", "medical_invoices"}, ""},
		{"an item uploaded since the preview", []string{"insured_id", "medical_invoices", "treatment_record"}, apperr.Conflict},
		{"an item needed since the preview", []string{"medical_invoices"}, apperr.Conflict},
		{"an empty preview", []string{}, apperr.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := n.Lists(tt.previewed)
			got := apperr.Code("")
			if err != nil {
				got = apperr.CodeOf(err)
			}
			if got != tt.want {
				t.Fatalf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}
