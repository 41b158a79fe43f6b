package domain_test

import (
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
)

func TestNewIncidentReportValidation(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	valid := domain.NewReport{
		PolicyNumber: "P-2026-0001", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: now.Add(-48 * time.Hour), Reporter: domain.Reporter{Name: "李四", Role: domain.RoleBeneficiary},
	}
	tests := []struct {
		name      string
		change    func(*domain.NewReport)
		wantField string
	}{
		{"valid", func(*domain.NewReport) {}, ""},
		{"missing policy", func(r *domain.NewReport) { r.PolicyNumber = " " }, "policy_number"},
		{"policy with spaces", func(r *domain.NewReport) { r.PolicyNumber = "P 1" }, "policy_number"},
		{"missing insured", func(r *domain.NewReport) { r.InsuredName = "" }, "insured_name"},
		{"insured with control char", func(r *domain.NewReport) { r.InsuredName = "a\x00b" }, "insured_name"},
		{"unknown incident type", func(r *domain.NewReport) { r.IncidentType = "flood" }, "incident_type"},
		{"no incident time", func(r *domain.NewReport) { r.IncidentTime = time.Time{} }, "incident_time"},
		{"incident in the future", func(r *domain.NewReport) { r.IncidentTime = now.Add(time.Hour) }, "incident_time"},
		{"incident within clock skew", func(r *domain.NewReport) { r.IncidentTime = now.Add(5 * time.Minute) }, ""},
		{"missing reporter", func(r *domain.NewReport) { r.Reporter.Name = "" }, "reporter.name"},
		{"unknown reporter role", func(r *domain.NewReport) { r.Reporter.Role = "friend" }, "reporter.role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.change(&in)
			r, err := domain.NewIncidentReport("r1", "c1", in, now)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if r.ClaimID != "c1" || r.ReportedAt != now {
					t.Fatalf("got claim %q reported %v, want c1 at %v", r.ClaimID, r.ReportedAt, now)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Field != tt.wantField {
				t.Fatalf("got %v, want invalid_argument on field %s", err, tt.wantField)
			}
		})
	}
}

func TestRequestClaimKeepsFirstReceipt(t *testing.T) {
	first := time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)
	r := domain.IncidentReport{ID: "r1"}
	if ok, err := r.RequestClaim(nil, first); err != nil || !ok {
		t.Fatalf("got first=%v err=%v on the first request, want true and no error", ok, err)
	}
	if ok, _ := r.RequestClaim(nil, first.Add(time.Hour)); ok {
		t.Fatalf("got first=true on a repeated request, want false")
	}
	if !r.ClaimRequestedAt.Equal(first) {
		t.Fatalf("got claim requested at %v, want %v", r.ClaimRequestedAt, first)
	}
}

func TestRequestClaimReceivedEarlierOnPaper(t *testing.T) {
	now := time.Date(2026, 10, 20, 2, 0, 0, 0, time.UTC)
	incident := time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		receivedAt time.Time
		wantField  string
	}{
		{"a week ago at a branch", now.Add(-7 * 24 * time.Hour), ""},
		{"in the future", now.Add(time.Hour), "received_at"},
		{"before the incident", incident.Add(-time.Hour), "received_at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := domain.IncidentReport{ID: "r1", IncidentTime: incident}
			first, err := r.RequestClaim(&tc.receivedAt, now)
			if tc.wantField != "" {
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.Invalid || e.Field != tc.wantField {
					t.Fatalf("got %v, want invalid_argument on %s", err, tc.wantField)
				}
				if r.ClaimRequestedAt != nil {
					t.Fatalf("got a receipt recorded after a refusal, want none")
				}
				return
			}
			if err != nil || !first || !r.ClaimRequestedAt.Equal(tc.receivedAt) {
				t.Fatalf("got first=%v err=%v at %v, want true, nil, %v", first, err, r.ClaimRequestedAt, tc.receivedAt)
			}
		})
	}
	r := domain.IncidentReport{ID: "r2", IncidentTime: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)}
	old := now.Add(-domain.MaxBackdating - time.Hour)
	if _, err := r.RequestClaim(&old, now); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("got %v for a request received over five years ago, want invalid_argument", err)
	}
}
