package deadline

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestRulesTable(t *testing.T) {
	want := []struct {
		id          RuleID
		rNumber     string
		length      int
		unit        Unit
		overridable bool
		pausable    bool
		target      bool
		citations   []string
	}{
		{MissingDocumentsNotice, "R3", 5, WorkingDays, false, false, true, []string{"《中华人民共和国保险法》第二十二条"}},
		{Decision, "R4", 5, WorkingDays, true, true, false, []string{"《人身保险业务基本服务规定》第二十三条", "八、3(1)", "《中华人民共和国保险法》第二十三条"}},
		{ComplexDecision, "R4", 30, Days, true, true, false, []string{"《人身保险业务基本服务规定》第二十三条", "八、3(1)", "《中华人民共和国保险法》第二十三条"}},
		{RejectionNotice, "R5", 3, Days, false, false, false, []string{"《人身保险业务基本服务规定》第二十四条", "八、3(2)"}},
		{Payment, "R6", 10, Days, true, false, false, []string{"《人身保险业务基本服务规定》第二十六条", "八、3(3)"}},
		{AdvancePayment, "R7", 60, Days, false, false, false, []string{"《中华人民共和国保险法》第二十五条"}},
		{ResultNotification, "R9", 1, Days, false, false, false, []string{"六、2"}},
		{ComplaintReply, "R12", 10, WorkingDays, false, false, false, []string{"《人身保险业务基本服务规定》第二十九条"}},
	}
	rules := Rules()
	if len(rules) != len(want) {
		t.Fatalf("len(Rules()): got %d, want %d", len(rules), len(want))
	}
	for i, w := range want {
		r := rules[i]
		if r.ID != w.id || r.RNumber != w.rNumber || r.Length != w.length || r.Unit != w.unit {
			t.Errorf("rule %d: got %s %s %d %v, want %s %s %d %v", i, r.ID, r.RNumber, r.Length, r.Unit, w.id, w.rNumber, w.length, w.unit)
		}
		if r.ContractMayOverride != w.overridable || r.Pausable != w.pausable || r.CompanyTarget != w.target {
			t.Errorf("%s: got overridable=%v pausable=%v target=%v, want %v %v %v", r.ID, r.ContractMayOverride, r.Pausable, r.CompanyTarget, w.overridable, w.pausable, w.target)
		}
		if !r.ExtendToWorkingDay {
			t.Errorf("%s: got ExtendToWorkingDay=false, want true (Civil Code art. 203)", r.ID)
		}
		if r.Title == "" || r.TitleZH == "" || r.ClockStart == "" {
			t.Errorf("%s: got empty title or clock start: %+v", r.ID, r)
		}
		if len(r.Basis) != len(w.citations) {
			t.Fatalf("%s: got %d provisions, want %d", r.ID, len(r.Basis), len(w.citations))
		}
		for j, b := range r.Basis {
			if !strings.Contains(b.Citation, w.citations[j]) {
				t.Errorf("%s basis %d: got %q, want it to contain %q", r.ID, j, b.Citation, w.citations[j])
			}
			if b.CitationEN == "" || b.TextZH == "" || b.TextEN == "" {
				t.Errorf("%s basis %d: got empty field in %+v", r.ID, j, b)
			}
		}
	}
}

func TestDecisionBasisQuotesTheRegulation(t *testing.T) {
	r, err := RuleByID(Decision)
	if err != nil {
		t.Fatal(err)
	}
	got := r.BasisCitations()
	for _, want := range []string{
		"《人身保险业务基本服务规定》第二十三条 (CIRC Basic Service Rules for Personal Insurance, art. 23)",
		"Insurance Law of the PRC, art. 23",
		"§8.3(1)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("BasisCitations(): got %q, want it to contain %q", got, want)
		}
	}
	if !strings.Contains(r.Basis[0].TextZH, "应当在5个工作日内作出核定") {
		t.Errorf("art. 23 text: got %q, want the 5-working-day sentence", r.Basis[0].TextZH)
	}
}

// TestComplaintBasisQuotesTheRegulation: R12 quotes art. 29 of the Basic
// Service Rules as issued (shared/seeds, part 2: its second paragraph),
// not a summary of it.
func TestComplaintBasisQuotesTheRegulation(t *testing.T) {
	r, err := RuleByID(ComplaintReply)
	if err != nil {
		t.Fatal(err)
	}
	const want = "保险公司应当自受理投诉之日起10个工作日内向投诉人做出明确答复。由于特殊原因无法按时答复的,保险公司应当向投诉人反馈进展情况。"
	if got := r.Basis[0].TextZH; got != want {
		t.Errorf("art. 29 text: got %q, want %q", got, want)
	}
}

func TestRulesReturnsFreshValues(t *testing.T) {
	first := Rules()
	first[1].Length = 99
	first[1].Basis[0].Citation = "tampered"
	second := Rules()
	if second[1].Length != 5 || second[1].Basis[0].Citation == "tampered" {
		t.Errorf("Rules() after modifying an earlier result: got length %d citation %q, want 5 and the original", second[1].Length, second[1].Basis[0].Citation)
	}
}

func TestRuleByID(t *testing.T) {
	for _, r := range Rules() {
		got, err := RuleByID(r.ID)
		if err != nil || got.ID != r.ID {
			t.Errorf("RuleByID(%s): got %s, %v, want the rule", r.ID, got.ID, err)
		}
	}
	_, err := RuleByID("decisions")
	if !errors.Is(err, ErrUnknownRule) {
		t.Fatalf("RuleByID(decisions): got %v, want ErrUnknownRule", err)
	}
	if !strings.Contains(err.Error(), "missing-documents-notice, decision, complex-decision") {
		t.Errorf("error: got %q, want it to list the known ids", err)
	}
}

func TestUnits(t *testing.T) {
	for _, u := range []Unit{WorkingDays, Days} {
		got, err := ParseUnit(u.String())
		if err != nil || got != u {
			t.Errorf("ParseUnit(%q): got %v, %v, want %v", u.String(), got, err, u)
		}
	}
	if _, err := ParseUnit("weeks"); err == nil {
		t.Errorf("ParseUnit(weeks): got no error, want one")
	}
	if got := Unit(7).String(); got != "Unit(7)" {
		t.Errorf("Unit(7).String(): got %q, want %q", got, "Unit(7)")
	}
	tests := []struct {
		unit Unit
		n    int
		want string
	}{
		{WorkingDays, 5, "5 working days"},
		{WorkingDays, 1, "1 working day"},
		{Days, 1, "1 day"},
		{Days, 30, "30 days"},
	}
	for _, tt := range tests {
		if got := tt.unit.describe(tt.n); got != tt.want {
			t.Errorf("describe(%d): got %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestOverridableRulesAreExactlyThoseTheRegulationAllows(t *testing.T) {
	var got []RuleID
	for _, r := range Rules() {
		if r.ContractMayOverride {
			got = append(got, r.ID)
		}
	}
	want := []RuleID{Decision, ComplexDecision, Payment}
	if !slices.Equal(got, want) {
		t.Errorf("overridable rules: got %v, want %v", got, want)
	}
}
