package domain_test

import (
	"strings"
	"testing"
	"time"

	"claims.local/intake/internal/domain"
	"claims.local/pkg/document"
)

// typhoon is the fast channel of a typhoon granting 30 % of the expected
// benefit, at most CNY 50,000.
func typhoon() domain.FastChannel {
	return domain.FastChannel{Code: "TY-2026-09", Name: "台风“海葵”", AdvanceShareBps: 3000, AdvanceCapFen: 5_000_000}
}

// variant is a simplified checklist of kind: an identity card and one proof.
func variant(kind domain.IncidentType) domain.ChecklistTemplate {
	insured := item("insured_id", document.IDCard)
	insured.Person = domain.PersonInsured
	return domain.ChecklistTemplate{IncidentType: kind, Variant: domain.VariantCatastrophe, Version: "catastrophe/" + string(kind) + "@1",
		Title: text("fast"), Items: []domain.ChecklistItem{insured, item("proof", document.DischargeSummary, document.MedicalInvoice)}}
}

func reportAt(t *testing.T, kind, place string) domain.IncidentReport {
	t.Helper()
	now := time.Date(2026, 9, 12, 2, 0, 0, 0, time.UTC)
	r, err := domain.NewIncidentReport("r1", "c1", domain.NewReport{PolicyNumber: "P-2026-0001", InsuredName: "张三", IncidentType: kind,
		IncidentTime: time.Date(2026, 9, 5, 2, 0, 0, 0, time.UTC), IncidentPlace: place,
		Reporter: domain.Reporter{Name: "李四", Role: domain.RoleBeneficiary, Relation: domain.RelationSpouse}}, now)
	if err != nil {
		t.Fatalf("NewIncidentReport: got %v, want no error", err)
	}
	r.Checklist = template()
	return r
}

func TestTakeFastChannel(t *testing.T) {
	t.Parallel()
	standard := template()
	tests := []struct {
		name    string
		kind    string
		place   string
		fc      domain.FastChannel
		variant domain.ChecklistTemplate
		wantErr string
	}{
		{"a report in the catastrophe's region", "medical", "440106", typhoon(), variant(domain.IncidentMedical), ""},
		{"a report without a place", "medical", "", typhoon(), variant(domain.IncidentMedical), "no incident place"},
		{"the standard checklist", "medical", "440106", typhoon(), standard, "not the catastrophe variant"},
		{"the variant of another incident type", "medical", "440106", typhoon(), variant(domain.IncidentDeath), "not the catastrophe variant"},
		{"a catastrophe without a name", "medical", "440106", domain.FastChannel{Code: "TY-2026-09"}, variant(domain.IncidentMedical), "code and name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := reportAt(t, tt.kind, tt.place)
			err := r.TakeFastChannel(tt.fc, tt.variant)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				if r.FastChannel != nil || r.Checklist.Version != standard.Version {
					t.Fatalf("got fast channel %+v and checklist %s after a refusal, want the report as it was", r.FastChannel, r.Checklist.Version)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if r.FastChannel == nil || *r.FastChannel != tt.fc {
				t.Fatalf("got fast channel %+v, want %+v", r.FastChannel, tt.fc)
			}
			if r.Checklist.Variant != domain.VariantCatastrophe || len(r.Checklist.Items) != 2 {
				t.Fatalf("got checklist %s of %d items, want the simplified variant of 2", r.Checklist.Version, len(r.Checklist.Items))
			}
			// The claim file evaluates the simplified checklist: two items
			// to provide, however many the standard one asks for.
			f := domain.ClaimFile{Report: r}
			if got := len(f.Checklist().Missing()); got != 2 {
				t.Fatalf("got %d missing items, want 2", got)
			}
		})
	}
}

func TestFastChannelNoticeTellsWhatItMeans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fc     domain.FastChannel
		kind   domain.IncidentType
		want   []string // in the Chinese or English points
		onSite string
	}{
		{"medical, with the advance policy", typhoon(), domain.IncidentMedical,
			[]string{"台风“海葵”", "优先", "简化", "预计赔款的30%", "50,000.00元", "30% of it, at most CNY 50,000.00", "deducted from the final settlement"},
			"如您行动不便"},
		{"death: the company arranges the visit", typhoon(), domain.IncidentDeath, []string{"预付部分赔款"}, "主动与您联系"},
		{"disability: the company arranges the visit", typhoon(), domain.IncidentDisability, []string{"on-site service"}, "主动与您联系"},
		{"a share of 12.5 %", domain.FastChannel{Code: "FL-1", Name: "洪水", AdvanceShareBps: 1250, AdvanceCapFen: 100}, domain.IncidentMedical,
			[]string{"预计赔款的12.5%", "每案最高人民币1.00元"}, "如您行动不便"},
		{"no advance policy known", domain.FastChannel{Code: "FL-1", Name: "洪水"}, domain.IncidentMedical,
			[]string{"先行预付部分赔款，最终结案时"}, "如您行动不便"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := tt.fc.Notice(tt.kind)
			if !strings.Contains(n.Title.ZH, tt.fc.Name) || !strings.Contains(n.Title.EN, tt.fc.Name) {
				t.Fatalf("got title %+v, want the catastrophe's name %q in both languages", n.Title, tt.fc.Name)
			}
			if len(n.Points) != 4 {
				t.Fatalf("got %d points, want 4 (priority, documents, advance, on-site)", len(n.Points))
			}
			var all strings.Builder
			for _, p := range n.Points {
				if p.ZH == "" || p.EN == "" {
					t.Fatalf("got point %+v, want Chinese and English", p)
				}
				all.WriteString(p.ZH + "\n" + p.EN + "\n")
			}
			for _, w := range append(tt.want, tt.onSite) {
				if !strings.Contains(all.String(), w) {
					t.Errorf("got points\n%s\nwant them to say %q", all.String(), w)
				}
			}
			if !strings.Contains(n.Basis, "第二十七条") {
				t.Errorf("got basis %q, want Reg. art. 27 (R8)", n.Basis)
			}
		})
	}
}

func TestValidateRefusesAnUnknownVariant(t *testing.T) {
	t.Parallel()
	v := variant(domain.IncidentMedical)
	if err := v.Validate(); err != nil {
		t.Fatalf("the catastrophe variant: got %v, want valid", err)
	}
	v.Variant = "express"
	if err := v.Validate(); err == nil || !strings.Contains(err.Error(), "unknown variant") {
		t.Fatalf("variant express: got %v, want an unknown variant", err)
	}
}
