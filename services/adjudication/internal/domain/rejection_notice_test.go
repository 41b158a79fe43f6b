package domain_test

import (
	"strings"
	"testing"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// validDraft returns a notice that passes validation; each test case spoils
// one part of it.
func validDraft() domain.RejectionNotice {
	return domain.RejectionNotice{
		Kind:          domain.BenefitRefusal,
		LetterNumber:  "理赔拒字〔2026〕第000123号",
		ClaimNumber:   "CLM-2026-000123",
		PolicyNumber:  "P110000123456",
		InsuredName:   "张三",
		AddresseeName: "李四",
		DecisionDate:  calendar.Date{Year: 2026, Month: 10, Day: 9},
		IssueDate:     calendar.Date{Year: 2026, Month: 10, Day: 10},
		Reasons: []domain.RejectionReason{{
			Code:   "WAITING_PERIOD",
			Text:   "被保险人于合同生效后九十日等待期内确诊，不属于保险责任。",
			Clause: "《XX重大疾病保险条款》第七条第（二）项",
		}},
		ReviewProcedure: "如对本通知有异议，请自收到本通知之日起三十日内向我公司提出书面复核申请。",
		ServicePhone:    "95500",
		CompanyName:     "XX人寿保险股份有限公司",
		CompanyAddress:  "北京市西城区金融大街1号",
	}
}

func TestNewRejectionNoticeRefuses(t *testing.T) {
	tests := []struct {
		name      string
		spoil     func(n *domain.RejectionNotice)
		wantField string
	}{
		{"unknown kind", func(n *domain.RejectionNotice) { n.Kind = "maybe" }, "kind"},
		{"no kind", func(n *domain.RejectionNotice) { n.Kind = "" }, "kind"},
		{"no letter number", func(n *domain.RejectionNotice) { n.LetterNumber = "  " }, "letter_number"},
		{"no claim number", func(n *domain.RejectionNotice) { n.ClaimNumber = "" }, "claim_number"},
		{"claim number with a line break", func(n *domain.RejectionNotice) { n.ClaimNumber = "CLM-1\nCLM-2" }, "claim_number"},
		{"no policy number", func(n *domain.RejectionNotice) { n.PolicyNumber = "" }, "policy_number"},
		{"no insured", func(n *domain.RejectionNotice) { n.InsuredName = "" }, "insured_name"},
		{"no addressee", func(n *domain.RejectionNotice) { n.AddresseeName = "" }, "addressee_name"},
		{"addressee too long", func(n *domain.RejectionNotice) { n.AddresseeName = strings.Repeat("王", 65) }, "addressee_name"},
		{"no company", func(n *domain.RejectionNotice) { n.CompanyName = "" }, "company_name"},
		{"no company address", func(n *domain.RejectionNotice) { n.CompanyAddress = "" }, "company_address"},
		{"no decision date", func(n *domain.RejectionNotice) { n.DecisionDate = calendar.Date{} }, "decision_date"},
		{"impossible decision date", func(n *domain.RejectionNotice) { n.DecisionDate = calendar.Date{Year: 2026, Month: 2, Day: 30} }, "decision_date"},
		{"no issue date", func(n *domain.RejectionNotice) { n.IssueDate = calendar.Date{} }, "issue_date"},
		{"issued before the decision", func(n *domain.RejectionNotice) { n.IssueDate = calendar.Date{Year: 2026, Month: 10, Day: 8} }, "issue_date"},
		{"no reasons", func(n *domain.RejectionNotice) { n.Reasons = nil }, "reasons"},
		{"too many reasons", func(n *domain.RejectionNotice) {
			n.Reasons = make([]domain.RejectionReason, domain.MaxRejectionReasons+1)
			for i := range n.Reasons {
				n.Reasons[i] = validDraft().Reasons[0]
			}
		}, "reasons"},
		{"reason without code", func(n *domain.RejectionNotice) { n.Reasons[0].Code = "" }, "reasons[0].code"},
		{"reason code with spaces", func(n *domain.RejectionNotice) { n.Reasons[0].Code = "waiting period" }, "reasons[0].code"},
		{"reason without text", func(n *domain.RejectionNotice) { n.Reasons[0].Text = " \n " }, "reasons[0].text"},
		{"reason text too long", func(n *domain.RejectionNotice) { n.Reasons[0].Text = strings.Repeat("长", 1001) }, "reasons[0].text"},
		{"reason without clause", func(n *domain.RejectionNotice) { n.Reasons[0].Clause = "" }, "reasons[0].clause"},
		{"clause naming no document", func(n *domain.RejectionNotice) { n.Reasons[0].Clause = "clause 4.2" }, "reasons[0].clause"},
		{"clause with an unclosed title mark", func(n *domain.RejectionNotice) { n.Reasons[0].Clause = "《XX重大疾病保险条款第七条" }, "reasons[0].clause"},
		{"second reason without clause", func(n *domain.RejectionNotice) {
			n.Reasons = append(n.Reasons, domain.RejectionReason{Code: "EXCL-03", Text: "既往症。"})
		}, "reasons[1].clause"},
		{"no review procedure", func(n *domain.RejectionNotice) { n.ReviewProcedure = "" }, "review_procedure"},
		{"review procedure with a control character", func(n *domain.RejectionNotice) { n.ReviewProcedure = "请\x07复核" }, "review_procedure"},
		{"hotline with letters", func(n *domain.RejectionNotice) { n.RegulatorHotline = "call us" }, "regulator_hotline"},
		{"no service phone", func(n *domain.RejectionNotice) { n.ServicePhone = "" }, "service_phone"},
		{"service phone too short", func(n *domain.RejectionNotice) { n.ServicePhone = "110" }, "service_phone"},
		{"service phone with letters", func(n *domain.RejectionNotice) { n.ServicePhone = "95500 ext. 1" }, "service_phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draft := validDraft()
			tt.spoil(&draft)
			_, err := domain.NewRejectionNotice(draft)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Field != tt.wantField {
				t.Fatalf("got %v, want %s on field %q", err, apperr.Invalid, tt.wantField)
			}
		})
	}
}

func TestNewRejectionNoticeAccepts(t *testing.T) {
	tests := []struct {
		name  string
		amend func(n *domain.RejectionNotice)
	}{
		{"as drafted", func(*domain.RejectionNotice) {}},
		{"indemnity", func(n *domain.RejectionNotice) { n.Kind = domain.IndemnityRefusal }},
		{"issued on the decision day", func(n *domain.RejectionNotice) { n.IssueDate = n.DecisionDate }},
		{"issued late", func(n *domain.RejectionNotice) { n.IssueDate = calendar.Date{Year: 2026, Month: 11, Day: 30} }},
		{"statute cited", func(n *domain.RejectionNotice) {
			n.Reasons[0].Clause = "《中华人民共和国保险法》第十六条"
		}},
		{"landline with area code", func(n *domain.RejectionNotice) { n.ServicePhone = "(010) 6666-8888" }},
		{"multiline reason", func(n *domain.RejectionNotice) { n.Reasons[0].Text = "第一，……\n第二，……" }},
		{"the most reasons", func(n *domain.RejectionNotice) {
			n.Reasons = make([]domain.RejectionReason, domain.MaxRejectionReasons)
			for i := range n.Reasons {
				n.Reasons[i] = validDraft().Reasons[0]
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			draft := validDraft()
			tt.amend(&draft)
			n, err := domain.NewRejectionNotice(draft)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if err := n.Validate(); err != nil {
				t.Fatalf("got Validate error %v on a constructed notice, want none", err)
			}
		})
	}
}

func TestNewRejectionNoticeNormalizes(t *testing.T) {
	draft := validDraft()
	draft.ClaimNumber = "  CLM-2026-000123\t"
	draft.Reasons[0].Text = "  第一行\r\n第二行\r第三行 "
	draft.Reasons[0].Clause = " 《XX重大疾病保险条款》第七条第（二）项 "
	draft.ReviewProcedure = "\n请申请复核。\n"
	n, err := domain.NewRejectionNotice(draft)
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	checks := []struct{ what, got, want string }{
		{"claim number", n.ClaimNumber, "CLM-2026-000123"},
		{"reason text", n.Reasons[0].Text, "第一行\n第二行\n第三行"},
		{"clause", n.Reasons[0].Clause, "《XX重大疾病保险条款》第七条第（二）项"},
		{"review procedure", n.ReviewProcedure, "请申请复核。"},
		{"regulator hotline", n.RegulatorHotline, domain.RegulatorHotline},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
	draft.Reasons[0].Code = "CHANGED"
	if got := n.Reasons[0].Code; got != "WAITING_PERIOD" {
		t.Errorf("reason code after changing the draft: got %q, want %q (the notice keeps its own copy)", got, "WAITING_PERIOD")
	}
}

func TestValidateRefusesHandBuiltNotice(t *testing.T) {
	n := validDraft()
	n.Reasons[0].Clause = ""
	err := n.Validate()
	if e, ok := apperr.As(err); !ok || e.Field != "reasons[0].clause" {
		t.Fatalf("got %v, want an error on field %q", err, "reasons[0].clause")
	}
}

func TestNoticeKindWording(t *testing.T) {
	tests := []struct {
		kind                domain.NoticeKind
		wantTitle, wantVerb string
	}{
		{domain.BenefitRefusal, "拒绝给付保险金通知书", "拒绝给付保险金"},
		{domain.IndemnityRefusal, "拒绝赔偿通知书", "拒绝赔偿"},
		{"other", "", ""},
	}
	for _, tt := range tests {
		if got := tt.kind.Title(); got != tt.wantTitle {
			t.Errorf("%s title: got %q, want %q", tt.kind, got, tt.wantTitle)
		}
		if got := tt.kind.Refusal(); got != tt.wantVerb {
			t.Errorf("%s refusal: got %q, want %q", tt.kind, got, tt.wantVerb)
		}
	}
}
