package domain_test

import (
	"fmt"
	"testing"
	"time"

	"claims.local/payout/internal/domain"
	"claims.local/pkg/apperr"
)

func TestMasking(t *testing.T) {
	names := []struct{ in, want string }{
		{"李四", "李*"}, {"欧阳娜娜", "欧***"}, {"李", "*"}, {"", "*"}, {"John Smith", "J*********"},
	}
	for _, tt := range names {
		if got := domain.MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	accounts := []struct{ in, want string }{
		{"6222020200112233445", "****3445"}, {"123456", "****3456"}, {"1234", "****"},
	}
	for _, tt := range accounts {
		if got := domain.MaskAccount(tt.in); got != tt.want {
			t.Errorf("MaskAccount(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	p := domain.Payee{Name: "王五", Role: domain.RoleAgent, BankName: "中国建设银行", AccountNumber: "6217000011112222",
		OnBehalfOf: &domain.Person{Name: "李四", Relation: "spouse"}}
	m := p.Masked()
	if m.Name != "王*" || m.AccountNumber != "****2222" || m.BankName != "中国建设银行" || m.OnBehalfOf.Name != "李*" ||
		m.OnBehalfOf.Relation != "spouse" || p.OnBehalfOf.Name != "李四" {
		t.Fatalf("got %+v, want names and account masked and the payee itself untouched", m)
	}
}

func TestNoticesOnCompletion(t *testing.T) {
	completed := func(role domain.Role, amountFen int64) domain.Obligation {
		a := agreement()
		a.AmountFen, a.AdvancedFen, a.Payee.Role = amountFen, 0, role
		if role == domain.RoleAgent {
			a.Payee.OnBehalfOf = &domain.Person{Name: "赵六", Relation: "parent"}
		}
		o, err := domain.NewFinalObligation("o1", a, t0)
		if err != nil {
			t.Fatal(err)
		}
		_ = o.Submit(t0)
		_ = o.Complete("REF", t0)
		return o
	}
	tests := []struct {
		name      string
		o         domain.Obligation
		wantRules []string
	}{
		{"beneficiary: R9 only", completed(domain.RoleBeneficiary, 500_000), []string{"R9"}},
		{"agent over RMB 1,000: R9 and R10", completed(domain.RoleAgent, 100_001), []string{"R9", "R10"}},
		{"agent at exactly RMB 1,000: R9 only (more than 1,000)", completed(domain.RoleAgent, 100_000), []string{"R9"}},
		{"agent under RMB 1,000: R9 only", completed(domain.RoleAgent, 99_999), []string{"R9"}},
		{"not completed: none", obligation(t), nil},
	}
	for _, tt := range tests {
		n := 0
		ids := func() string { n++; return fmt.Sprint("n", n) }
		got := domain.NoticesOnCompletion(tt.o, nil, ids, t0)
		var rules []string
		for _, x := range got {
			rules = append(rules, x.Rule)
			if x.ObligationID != "o1" || x.ClaimID != "c1" || x.AmountFen != tt.o.AmountFen || x.PolicyNumber != "P-1" {
				t.Errorf("%s: got notice %+v, want it about o1's payment", tt.name, x)
			}
		}
		if fmt.Sprint(rules) != fmt.Sprint(tt.wantRules) {
			t.Errorf("%s: got rules %v, want %v", tt.name, rules, tt.wantRules)
		}
		if len(got) == 2 {
			r10 := got[1]
			if r10.RecipientRole != domain.RecipientRepresented || r10.RecipientName != "赵*" || r10.RecipientRelation != "parent" ||
				r10.Template != domain.TemplateAgentCollection || got[0].RecipientName != "李*" || got[0].ID == r10.ID {
				t.Errorf("%s: got %+v, want R10 to the masked person collected for", tt.name, got)
			}
		}
	}
}

func TestParsePeriod(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	p, err := domain.ParsePeriod("2026-10-01", "2026-10-31", shanghai)
	if err != nil {
		t.Fatal(err)
	}
	if !p.From.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) || !p.End().Equal(time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %v to %v, want Shanghai midnights", p.From, p.End())
	}
	tests := []struct{ from, to, field string }{
		{"2026-10-1", "2026-10-31", "from"},
		{"2026-10-01", "", "to"},
		{"2026-10-31", "2026-10-01", "to"},
		{"2026-01-01", "2027-01-02", "to"},
	}
	for _, tt := range tests {
		_, err := domain.ParsePeriod(tt.from, tt.to, shanghai)
		if e, ok := apperr.As(err); !ok || e.Field != tt.field {
			t.Errorf("%s..%s: got %v, want invalid %s", tt.from, tt.to, err, tt.field)
		}
	}
	if _, err := domain.ParsePeriod("2024-01-01", "2024-12-31", shanghai); err != nil {
		t.Errorf("a leap year: got %v, want accepted", err)
	}
}

func TestTotalsAddUpPerType(t *testing.T) {
	days := []domain.DayTotal{
		{Date: "2026-10-09", Type: "final", CompletedCount: 2, CompletedFen: 300, ReversedCount: 0},
		{Date: "2026-10-09", Type: "advance", CompletedCount: 1, CompletedFen: 50},
		{Date: "2026-10-10", Type: "final", CompletedCount: 1, CompletedFen: 100, ReversedCount: 1, ReversedFen: 100},
	}
	got := domain.Totals(days)
	want := []domain.DayTotal{
		{Type: "final", CompletedCount: 3, CompletedFen: 400, ReversedCount: 1, ReversedFen: 100},
		{Type: "advance", CompletedCount: 1, CompletedFen: 50},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// R10 counts what one agent collected on one claim: advances and the final
// payment add up against RMB 1,000.
func TestAgentCollectionAddsUpPerClaimAndCollector(t *testing.T) {
	agent := func(id, claim, name, account string, typ domain.PayoutType, state domain.State, fen int64) domain.Obligation {
		return domain.Obligation{ID: id, ClaimID: claim, PolicyNumber: "P-1", Type: typ, State: state, AmountFen: fen, CompletedAt: &t0,
			Payee: domain.Payee{Name: name, Role: domain.RoleAgent, BankName: "中国银行", AccountNumber: account,
				OnBehalfOf: &domain.Person{Name: "赵六", Relation: "parent"}}}
	}
	final := agent("f", "c1", "王五", "6216600000001111", domain.PayoutFinal, domain.StateCompleted, 60_000)
	tests := []struct {
		name    string
		earlier []domain.Obligation
		want    []string
	}{
		{"alone under RMB 1,000", nil, []string{"R9"}},
		{"with an advance to the same agent: 1,200", []domain.Obligation{
			agent("a1", "c1", "王五", "6216600000001111", domain.PayoutAdvance, domain.StateCompleted, 60_000)}, []string{"R9", "R10"}},
		{"the same agent padded, another account", []domain.Obligation{
			agent("a1", "c1", " 王 五 ", "6216600000002222", domain.PayoutAdvance, domain.StateCompleted, 60_000)}, []string{"R9", "R10"}},
		{"exactly RMB 1,000 in total", []domain.Obligation{
			agent("a1", "c1", "王五", "6216600000001111", domain.PayoutAdvance, domain.StateCompleted, 40_000)}, []string{"R9"}},
		{"another agent", []domain.Obligation{
			agent("a1", "c1", "孙七", "6216600000001111", domain.PayoutAdvance, domain.StateCompleted, 60_000)}, []string{"R9"}},
		{"another claim", []domain.Obligation{
			agent("a1", "c2", "王五", "6216600000001111", domain.PayoutAdvance, domain.StateCompleted, 60_000)}, []string{"R9"}},
		{"an advance not yet paid", []domain.Obligation{
			agent("a1", "c1", "王五", "6216600000001111", domain.PayoutAdvance, domain.StateScheduled, 60_000)}, []string{"R9"}},
		{"an advance returned by the bank", []domain.Obligation{
			agent("a1", "c1", "王五", "6216600000001111", domain.PayoutAdvance, domain.StateReversed, 60_000)}, []string{"R9"}},
		{"the payment itself listed again", []domain.Obligation{final}, []string{"R9"}},
		{"a paid advance whose payee no longer opens", []domain.Obligation{
			{ID: "a1", ClaimID: "c1", Type: domain.PayoutAdvance, State: domain.StateCompleted, AmountFen: 60_000, PayeeUnreadable: "sealed: cannot open"}},
			[]string{"R9", "R10"}},
		{"an unpaid advance whose payee does not open", []domain.Obligation{
			{ID: "a1", ClaimID: "c1", Type: domain.PayoutAdvance, State: domain.StateScheduled, AmountFen: 60_000, PayeeUnreadable: "sealed: cannot open"}},
			[]string{"R9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			got := domain.NoticesOnCompletion(final, tt.earlier, func() string { n++; return fmt.Sprint("n", n) }, t0)
			var rules []string
			for _, x := range got {
				rules = append(rules, x.Rule)
			}
			if fmt.Sprint(rules) != fmt.Sprint(tt.want) {
				t.Fatalf("got rules %v, want %v", rules, tt.want)
			}
		})
	}
}
