package domain_test

import (
	"strings"
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
		{"unknown relation", func(r *domain.NewReport) { r.Reporter.Relation = "cousin" }, "reporter.relation"},
		{"insured reporting as someone's spouse", func(r *domain.NewReport) {
			r.Reporter = domain.Reporter{Name: "张三", Role: domain.RoleInsured, Relation: domain.RelationSpouse}
		}, "reporter.relation"},
		{"insured reporting their own death", func(r *domain.NewReport) {
			r.IncidentType, r.Reporter = "death", domain.Reporter{Name: "张三", Role: domain.RoleInsured}
		}, "reporter.role"},
		{"product code", func(r *domain.NewReport) { r.ProductCode = "PM-2026" }, ""},
		{"product code with a slash", func(r *domain.NewReport) { r.ProductCode = "PM/2026" }, "product_code"},
		{"place in Pudong", func(r *domain.NewReport) { r.IncidentPlace = "310115" }, ""},
		{"place of 5 digits", func(r *domain.NewReport) { r.IncidentPlace = "31011" }, "incident_place"},
		{"place in no province", func(r *domain.NewReport) { r.IncidentPlace = "990101" }, "incident_place"},
		{"description with lines", func(r *domain.NewReport) { r.Description = "摔倒\n送医" }, ""},
		{"description too long", func(r *domain.NewReport) { r.Description = strings.Repeat("长", 2001) }, "description"},
		{"description with a bell", func(r *domain.NewReport) { r.Description = "a\ab" }, "description"},
		{"mobile number", func(r *domain.NewReport) { r.Contact = "+86 138-0000-0000" }, ""},
		{"e-mail address", func(r *domain.NewReport) { r.Contact = "li.si@example.cn" }, ""},
		{"contact that is neither", func(r *domain.NewReport) { r.Contact = "call me" }, "contact"},
		{"beneficiary", func(r *domain.NewReport) {
			r.Beneficiary = &domain.Person{Name: "李四", Relation: domain.RelationSpouse}
		}, ""},
		{"beneficiary without relation", func(r *domain.NewReport) { r.Beneficiary = &domain.Person{Name: "李四"} }, "beneficiary.relation"},
		{"beneficiary without name", func(r *domain.NewReport) { r.Beneficiary = &domain.Person{Relation: domain.RelationChild} }, "beneficiary.name"},
		{"insured as beneficiary of their death", func(r *domain.NewReport) {
			r.IncidentType, r.Beneficiary = "death", &domain.Person{Name: "张三", Relation: domain.RelationSelf}
		}, "beneficiary.relation"},
		{"negative amount", func(r *domain.NewReport) { r.ClaimedAmountFen = -1 }, "claimed_amount_fen"},
		{"absurd amount", func(r *domain.NewReport) { r.ClaimedAmountFen = domain.MaxAmountFen + 1 }, "claimed_amount_fen"},
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

func TestInsuredReportsAsSelf(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	r, err := domain.NewIncidentReport("r1", "c1", domain.NewReport{
		PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical", IncidentTime: now.Add(-time.Hour),
		Reporter: domain.Reporter{Name: "张三", Role: domain.RoleInsured},
	}, now)
	if err != nil || r.Reporter.Relation != domain.RelationSelf {
		t.Fatalf("got relation %q, %v; want self", r.Reporter.Relation, err)
	}
}

func TestClaimant(t *testing.T) {
	spouse := domain.Person{Name: "李四", Relation: domain.RelationSpouse}
	tests := []struct {
		name        string
		kind        domain.IncidentType
		reporter    domain.Reporter
		beneficiary *domain.Person
		want        domain.Person
		wantOther   bool
	}{
		{"insured claims their medical expenses", domain.IncidentMedical, domain.Reporter{Name: "张三", Role: domain.RoleInsured, Relation: domain.RelationSelf}, nil, domain.Person{}, false},
		{"an agent reports a medical claim", domain.IncidentMedical, domain.Reporter{Name: "王五", Role: domain.RoleAgent}, nil, domain.Person{}, false},
		{"a beneficiary reports", domain.IncidentMedical, domain.Reporter{Name: "李四", Role: domain.RoleBeneficiary, Relation: domain.RelationSpouse}, nil, spouse, true},
		{"the report names a beneficiary", domain.IncidentCriticalIllness, domain.Reporter{Name: "王五", Role: domain.RoleAgent}, &spouse, spouse, true},
		{"the report names the insured", domain.IncidentMedical, domain.Reporter{Name: "王五", Role: domain.RoleAgent}, &domain.Person{Name: "张三", Relation: domain.RelationSelf},
			domain.Person{Name: "张三", Relation: domain.RelationSelf}, false},
		{"a death reported by the policyholder", domain.IncidentDeath, domain.Reporter{Name: "王五", Role: domain.RolePolicyholder}, nil, domain.Person{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := domain.IncidentReport{IncidentType: tt.kind, Reporter: tt.reporter, Beneficiary: tt.beneficiary}
			got, other := r.Claimant()
			if got != tt.want || other != tt.wantOther {
				t.Fatalf("got %+v, %v; want %+v, %v", got, other, tt.want, tt.wantOther)
			}
		})
	}
}

func TestIncidentDateIsTheShanghaiDate(t *testing.T) {
	r := domain.IncidentReport{IncidentTime: time.Date(2026, 9, 30, 16, 20, 0, 0, time.UTC)}
	if got := r.IncidentDate().String(); got != "2026-10-01" {
		t.Fatalf("got %s, want 2026-10-01", got)
	}
}
