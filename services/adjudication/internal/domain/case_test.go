package domain_test

import (
	"slices"
	"testing"
	"time"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

var (
	t0  = time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)
	now = time.Date(2026, 10, 9, 1, 0, 0, 0, time.UTC)
)

var (
	handler   = domain.Actor{Subject: "h1", Roles: []string{domain.RoleHandler}}
	handler2  = domain.Actor{Subject: "h2", Roles: []string{domain.RoleHandler}}
	senior    = domain.Actor{Subject: "s1", Roles: []string{domain.RoleSenior}}
	senior2   = domain.Actor{Subject: "s2", Roles: []string{domain.RoleHandler, domain.RoleSenior}}
	authority = mustAuthority(map[string]int64{domain.RoleHandler: 5_000_000, domain.RoleSenior: domain.Unlimited})
)

func mustAuthority(limits map[string]int64) domain.Authority {
	a, err := domain.NewAuthority(limits)
	if err != nil {
		panic(err)
	}
	return a
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if code == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	if !ok || e.Code != code || e.Field != field {
		t.Fatalf("got %v, want %s on field %q", err, code, field)
	}
}

func line(benefit string, claimed, approved int64) domain.BenefitLine {
	return domain.BenefitLine{Benefit: benefit, ClaimedFen: claimed, ApprovedFen: approved}
}

func reason() domain.RejectionReason {
	return domain.RejectionReason{Code: "WAITING_PERIOD", Text: "等待期内确诊。", Clause: "《XX医疗保险条款》第七条"}
}

func approve(amount int64) domain.DecisionInput {
	return domain.DecisionInput{Outcome: "approve", Lines: []domain.BenefitLine{line("medical_expense", amount, amount)}}
}

func reject() domain.DecisionInput {
	return domain.DecisionInput{Outcome: "reject", Reasons: []domain.RejectionReason{reason()}}
}

// caseIn returns a case that stands in state s with what that state
// implies: an awaited supplement, a decision, a sent letter, an agreement.
func caseIn(t *testing.T, s domain.State) *domain.Case {
	t.Helper()
	c := &domain.Case{ID: "case-1", ClaimID: "claim-1", PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: t0.Add(-48 * time.Hour), FirstReceivedAt: t0, State: domain.StateReceived, Version: 1,
		Documents: []domain.Document{{DocumentID: "doc-poa", Type: "other"}}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("bring the case to %s: %v", s, err)
		}
	}
	switch s {
	case domain.StateUnderReview:
		must(c.StartReview(handler, t0))
	case domain.StateAwaitingDocuments:
		must(c.RequestDocuments(handler, domain.DocumentRequest{Documents: []string{"medical_invoice"}}, t0.Add(time.Hour)))
	case domain.StateComplex:
		must(c.MarkComplex(senior, "多家医院就诊，需调查", t0))
	case domain.StatePendingApproval:
		must(c.Decide(handler, authority, approve(6_000_000), t0))
	case domain.StateApproved:
		must(c.Decide(handler, authority, approve(100_000), t0))
	case domain.StatePartlyApproved:
		must(c.Decide(handler, authority, domain.DecisionInput{Outcome: "partly_approve",
			Lines: []domain.BenefitLine{line("medical_expense", 100_000, 60_000)}, Reasons: []domain.RejectionReason{reason()}}, t0))
	case domain.StateRejected:
		must(c.Decide(handler, authority, reject(), t0))
		must(c.AttachRejectionLetter(handler, domain.RejectionNotice{LetterNumber: "L-1", IssueDate: calendar.DateOf(t0)}, []byte("%PDF"), t0))
		must(c.RecordRejectionLetterSent(handler, "post", t0))
	case domain.StateAgreed:
		must(c.Decide(handler, authority, approve(100_000), t0))
		_, err := c.RecordAgreement(handler, agreement(), 0, t0)
		must(err)
	case domain.StateClosed:
		_, err := c.Close(handler, "撤回", t0)
		must(err)
	}
	if c.State != s {
		t.Fatalf("got case in %s, want %s", c.State, s)
	}
	c.Changes = nil
	return c
}

// agreement pays the insured, the one party the rules can verify without
// the policy.
func agreement() domain.AgreementInput {
	return domain.AgreementInput{AgreedBy: "张三", Channel: "signed_form", Payee: domain.PayeeInput{
		Name: "张三", Role: "insured", BankName: "中国工商银行", AccountNumber: "6222 0202 0011 2233 445"}}
}

// TestStateMachine tries every action in every state: it moves the case
// where the state machine says, and is refused with a conflict everywhere
// else, changing nothing.
func TestStateMachine(t *testing.T) {
	type action struct {
		name string
		do   func(c *domain.Case) error
		// from maps each state the action works in to the state it leads to.
		from map[domain.State]domain.State
	}
	actions := []action{
		{"start review", func(c *domain.Case) error { return c.StartReview(handler, now) },
			map[domain.State]domain.State{domain.StateReceived: domain.StateUnderReview}},
		{"request documents", func(c *domain.Case) error {
			return c.RequestDocuments(handler, domain.DocumentRequest{Documents: []string{"diagnosis_certificate"}}, now)
		},
			map[domain.State]domain.State{domain.StateReceived: domain.StateAwaitingDocuments, domain.StateUnderReview: domain.StateAwaitingDocuments,
				domain.StateComplex: domain.StateAwaitingDocuments}},
		{"documents received", func(c *domain.Case) error { _, err := c.RecordDocumentsReceived(handler, time.Time{}, now); return err },
			map[domain.State]domain.State{domain.StateAwaitingDocuments: domain.StateUnderReview}},
		{"mark complex", func(c *domain.Case) error { return c.MarkComplex(senior, "疑难案件", now) },
			map[domain.State]domain.State{domain.StateReceived: domain.StateComplex, domain.StateUnderReview: domain.StateComplex,
				domain.StateAwaitingDocuments: domain.StateAwaitingDocuments}},
		{"decide within authority", func(c *domain.Case) error { return c.Decide(handler, authority, approve(5_000_000), now) },
			map[domain.State]domain.State{domain.StateReceived: domain.StateApproved, domain.StateUnderReview: domain.StateApproved,
				domain.StateComplex: domain.StateApproved}},
		{"reject", func(c *domain.Case) error { return c.Decide(handler, authority, reject(), now) },
			map[domain.State]domain.State{domain.StateReceived: domain.StateRejected, domain.StateUnderReview: domain.StateRejected,
				domain.StateComplex: domain.StateRejected}},
		{"decide above authority", func(c *domain.Case) error { return c.Decide(handler, authority, approve(5_000_001), now) },
			map[domain.State]domain.State{domain.StateReceived: domain.StatePendingApproval, domain.StateUnderReview: domain.StatePendingApproval,
				domain.StateComplex: domain.StatePendingApproval}},
		{"approve the decision", func(c *domain.Case) error { return c.ReviewDecision(senior, authority, "approve", "", 0, now) },
			map[domain.State]domain.State{domain.StatePendingApproval: domain.StateApproved}},
		{"return the decision", func(c *domain.Case) error {
			return c.ReviewDecision(senior, authority, "return", "金额有误", 0, now)
		},
			map[domain.State]domain.State{domain.StatePendingApproval: domain.StateUnderReview}},
		{"record agreement", func(c *domain.Case) error { _, err := c.RecordAgreement(handler, agreement(), 0, now); return err },
			map[domain.State]domain.State{domain.StateApproved: domain.StateAgreed, domain.StatePartlyApproved: domain.StateAgreed}},
		{"close", func(c *domain.Case) error { _, err := c.Close(handler, "结案", now); return err },
			map[domain.State]domain.State{domain.StateReceived: domain.StateClosed, domain.StateUnderReview: domain.StateClosed,
				domain.StateAwaitingDocuments: domain.StateClosed, domain.StateComplex: domain.StateClosed,
				domain.StateRejected: domain.StateClosed, domain.StateAgreed: domain.StateClosed}},
	}
	for _, a := range actions {
		for _, from := range domain.States() {
			t.Run(a.name+" from "+string(from), func(t *testing.T) {
				c := caseIn(t, from)
				before := *c
				err := a.do(c)
				want, ok := a.from[from]
				if !ok {
					wantCode(t, err, apperr.Conflict, "")
					if c.State != from || len(c.Changes) != 0 || c.Decision != before.Decision {
						t.Fatalf("got state %s with %d audit entries after a refused action, want %s and none", c.State, len(c.Changes), from)
					}
					return
				}
				wantCode(t, err, "", "")
				if c.State != want {
					t.Fatalf("got state %s, want %s", c.State, want)
				}
				if len(c.Changes) == 0 {
					t.Fatalf("got no audit entry, want the change recorded")
				}
				last := c.Changes[len(c.Changes)-1]
				if last.Actor == "" || !last.At.Equal(now) || last.To != want {
					t.Fatalf("got audit entry %+v, want one by someone at %v to %s", last, now, want)
				}
			})
		}
	}
}

func TestClosedIsFinalAndNothingLeadsBackToReceived(t *testing.T) {
	for _, s := range domain.States() {
		if domain.CanMove(domain.StateClosed, s) {
			t.Errorf("got closed -> %s allowed, want closed final", s)
		}
		if domain.CanMove(s, domain.StateReceived) {
			t.Errorf("got %s -> received allowed, want received only at the start", s)
		}
	}
}

func TestRefusedMoveSaysWhy(t *testing.T) {
	c := caseIn(t, domain.StateAwaitingDocuments)
	err := c.Decide(handler, authority, approve(100), now)
	e, _ := apperr.As(err)
	want := "case of claim claim-1 is awaiting_documents: it cannot be decided (what can happen from awaiting_documents: documents_received, marked_complex, closed)"
	if e == nil || e.Message != want {
		t.Fatalf("got %v, want the message %q", err, want)
	}
}

func TestDocumentsPauseAndComplexChangesTheRule(t *testing.T) {
	c := caseIn(t, domain.StateUnderReview)
	if c.DecisionRule() != deadline.Decision {
		t.Fatalf("got rule %s, want %s", c.DecisionRule(), deadline.Decision)
	}
	asked := t0.Add(24 * time.Hour)
	if err := c.RequestDocuments(handler, domain.DocumentRequest{Documents: []string{"medical_invoice"}, Note: "请补充发票原件"}, asked); err != nil {
		t.Fatal(err)
	}
	if err := c.MarkComplex(senior, "需要调查", asked.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if c.State != domain.StateAwaitingDocuments || c.DecisionRule() != deadline.ComplexDecision {
		t.Fatalf("got %s under %s, want awaiting_documents under complex-decision", c.State, c.DecisionRule())
	}
	if closed, open := c.Pauses(); len(closed) != 0 || open != nil {
		t.Fatalf("got pauses %v open %v before delivery, want none", closed, open)
	}
	delivered := asked.Add(2 * time.Hour)
	if _, err := c.RecordNoticeDelivered(handler, delivered, "挂号信回执 XA1", now); err != nil {
		t.Fatal(err)
	}
	closed, open := c.Pauses()
	if len(closed) != 0 || open == nil || !open.Equal(delivered) {
		t.Fatalf("got pauses %v open %v, want one open since the delivery %v", closed, open, delivered)
	}
	_, err := c.RecordDocumentsReceived(handler, asked.Add(-time.Minute), now)
	wantCode(t, err, apperr.Invalid, "received_at")
	_, err = c.RecordDocumentsReceived(handler, now.Add(time.Minute), now)
	wantCode(t, err, apperr.Invalid, "received_at")
	got, err := c.RecordDocumentsReceived(handler, asked.Add(48*time.Hour), now)
	wantCode(t, err, "", "")
	if c.State != domain.StateComplex || !got.Equal(asked.Add(48*time.Hour)) {
		t.Fatalf("got %s, received %v, want complex, received two days after asking", c.State, got)
	}
	closed, open = c.Pauses()
	if len(closed) != 1 || open != nil || !closed[0].PausedAt.Equal(delivered) {
		t.Fatalf("got pauses %v open %v, want one closed pause from the delivery %v", closed, open, delivered)
	}
}

func TestMarkComplexNeedsASeniorAndAReason(t *testing.T) {
	tests := []struct {
		name      string
		actor     domain.Actor
		reason    string
		wantCode  apperr.Code
		wantField string
	}{
		{"senior with a reason", senior, "涉及多项既往症调查", "", ""},
		{"handler", handler, "涉及多项既往症调查", apperr.Forbidden, ""},
		{"senior without a reason", senior, "  ", apperr.Invalid, "reason"},
		{"reason with a control character", senior, "a\x00b", apperr.Invalid, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StateUnderReview)
			err := c.MarkComplex(tt.actor, tt.reason, now)
			wantCode(t, err, tt.wantCode, tt.wantField)
			if tt.wantCode == "" && (c.Complex == nil || c.Complex.By != tt.actor.Subject || c.Complex.Reason != tt.reason) {
				t.Fatalf("got complex mark %+v, want one by %s", c.Complex, tt.actor.Subject)
			}
			if tt.wantCode != "" && (c.Complex != nil || c.State != domain.StateUnderReview) {
				t.Fatalf("got %s with mark %+v, want nothing changed", c.State, c.Complex)
			}
		})
	}
	c := caseIn(t, domain.StateComplex)
	wantCode(t, c.MarkComplex(senior2, "again", now), apperr.Conflict, "")
}

func TestAssign(t *testing.T) {
	tests := []struct {
		name     string
		current  string
		actor    domain.Actor
		assignee string
		wantCode apperr.Code
	}{
		{"handler takes an unassigned case", "", handler, "h1", ""},
		{"handler gives up their own case", "h1", handler, "", ""},
		{"handler gives a case to another", "", handler, "h2", apperr.Forbidden},
		{"handler takes another's case", "h2", handler, "h1", apperr.Forbidden},
		{"senior reassigns", "h2", senior, "h1", ""},
		{"senior unassigns", "h2", senior, "", ""},
		{"same assignee again", "h1", senior, "h1", apperr.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caseIn(t, domain.StateUnderReview)
			c.Assignee = tt.current
			err := c.Assign(tt.actor, tt.assignee, "", now)
			wantCode(t, err, tt.wantCode, "")
			want := tt.assignee
			if tt.wantCode != "" {
				want = tt.current
			}
			if c.Assignee != want {
				t.Fatalf("got assignee %q, want %q", c.Assignee, want)
			}
		})
	}
	c := caseIn(t, domain.StateClosed)
	wantCode(t, c.Assign(senior, "h1", "", now), apperr.Conflict, "")
}

func TestStartReviewTakesAnUnassignedCase(t *testing.T) {
	c := caseIn(t, domain.StateReceived)
	if err := c.StartReview(handler2, now); err != nil {
		t.Fatal(err)
	}
	if c.Assignee != "h2" {
		t.Fatalf("got assignee %q, want h2", c.Assignee)
	}
}

func TestCloseRejectedCaseNeedsTheLetterSent(t *testing.T) {
	c := caseIn(t, domain.StateReceived)
	if err := c.Decide(handler, authority, reject(), now); err != nil {
		t.Fatal(err)
	}
	_, err := c.Close(handler, "结案", now)
	wantCode(t, err, apperr.Conflict, "")
	err = c.RecordRejectionLetterSent(handler, "post", now)
	wantCode(t, err, apperr.Conflict, "") // not generated yet
	if err := c.AttachRejectionLetter(handler, domain.RejectionNotice{LetterNumber: "L-2"}, []byte("%PDF-1.4"), now); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.RecordRejectionLetterSent(handler, "pigeon", now), apperr.Invalid, "channel")
	for _, notWritten := range []string{"sms", "app", "email"} {
		wantCode(t, c.RecordRejectionLetterSent(handler, notWritten, now), apperr.Invalid, "channel")
	}
	wantCode(t, c.RecordRejectionLetterSent(handler, "registered_electronic", now), "", "")
	wantCode(t, c.RecordRejectionLetterSent(handler, "post", now), apperr.Conflict, "")
	withdrawn, err := c.Close(handler, "结案", now)
	wantCode(t, err, "", "")
	if withdrawn {
		t.Fatal("got withdrawn for a rejected case, want false")
	}
}

func TestCloseBeforeTheDecisionIsAWithdrawal(t *testing.T) {
	c := caseIn(t, domain.StateUnderReview)
	_, err := c.Close(handler, "", now)
	wantCode(t, err, apperr.Invalid, "reason")
	withdrawn, err := c.Close(handler, "申请人撤回索赔", now)
	wantCode(t, err, "", "")
	if !withdrawn || c.Closure == nil || c.Closure.Reason != "申请人撤回索赔" {
		t.Fatalf("got withdrawn=%v closure %+v, want a withdrawal with its reason", withdrawn, c.Closure)
	}
}

func TestOpenAppliesTheSupplementsItCan(t *testing.T) {
	at := func(h int) *time.Time { x := t0.Add(time.Duration(h) * time.Hour); return &x }
	tests := []struct {
		name      string
		in        []domain.Supplement
		wantState domain.State
		wantKept  int
		wantDrops int
	}{
		{"none", nil, domain.StateReceived, 0, 0},
		{"two closed, given out of order", []domain.Supplement{{NoticeSentAt: *at(50), ReceivedAt: at(60)}, {NoticeSentAt: *at(1), ReceivedAt: at(20)}},
			domain.StateReceived, 2, 0},
		{"last one awaited", []domain.Supplement{{NoticeSentAt: *at(1), ReceivedAt: at(20)}, {NoticeSentAt: *at(30)}},
			domain.StateAwaitingDocuments, 2, 0},
		{"notice before the claim", []domain.Supplement{{NoticeSentAt: *at(-1), ReceivedAt: at(20)}}, domain.StateReceived, 0, 1},
		{"received before asked", []domain.Supplement{{NoticeSentAt: *at(10), ReceivedAt: at(5)}}, domain.StateReceived, 0, 1},
		{"overlapping", []domain.Supplement{{NoticeSentAt: *at(1), ReceivedAt: at(20)}, {NoticeSentAt: *at(10), ReceivedAt: at(30)}},
			domain.StateReceived, 1, 1},
		{"asked again while awaited", []domain.Supplement{{NoticeSentAt: *at(1)}, {NoticeSentAt: *at(10), ReceivedAt: at(30)}},
			domain.StateAwaitingDocuments, 1, 1},
		{"in the future", []domain.Supplement{{NoticeSentAt: now.Add(time.Hour)}}, domain.StateReceived, 0, 1},
		{"delivered before sent", []domain.Supplement{{NoticeSentAt: *at(10), DeliveredAt: at(9), ReceivedAt: at(30)}}, domain.StateReceived, 0, 1},
		{"delivered in the future", []domain.Supplement{{NoticeSentAt: *at(10), DeliveredAt: ptr(now.Add(time.Hour))}}, domain.StateReceived, 0, 1},
		{"received before delivered", []domain.Supplement{{NoticeSentAt: *at(10), DeliveredAt: at(40), ReceivedAt: at(30)}}, domain.StateReceived, 0, 1},
		{"the later sent while awaited, delivered after the arrival", []domain.Supplement{{NoticeSentAt: *at(1), DeliveredAt: at(3), ReceivedAt: at(20)},
			{NoticeSentAt: *at(10), DeliveredAt: at(25), ReceivedAt: at(30)}}, domain.StateReceived, 2, 0},
		{"the later delivered before the arrival", []domain.Supplement{{NoticeSentAt: *at(1), DeliveredAt: at(3), ReceivedAt: at(20)},
			{NoticeSentAt: *at(10), DeliveredAt: at(15), ReceivedAt: at(30)}}, domain.StateReceived, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := domain.Open(domain.Case{ClaimID: "c", FirstReceivedAt: t0, Supplements: tt.in}, domain.System("intake"), now)
			if c.State != tt.wantState || len(c.Supplements) != tt.wantKept {
				t.Fatalf("got %s with %d supplements, want %s with %d", c.State, len(c.Supplements), tt.wantState, tt.wantKept)
			}
			if len(c.Changes) != 1 || c.Changes[0].Action != domain.ActionOpened || c.Changes[0].Actor != "system:intake" {
				t.Fatalf("got audit %+v, want one opened entry by system:intake", c.Changes)
			}
			dropped, _ := c.Changes[0].Details["ignored_supplements"].([]string)
			if len(dropped) != tt.wantDrops {
				t.Fatalf("got ignored supplements %v, want %d", dropped, tt.wantDrops)
			}
			if !slices.IsSortedFunc(c.Supplements, func(a, b domain.Supplement) int { return a.NoticeSentAt.Compare(b.NoticeSentAt) }) {
				t.Fatalf("got supplements out of order: %+v", c.Supplements)
			}
		})
	}
}

func TestCheckVersion(t *testing.T) {
	c := caseIn(t, domain.StateReceived)
	in := approve(100)
	in.Version = 7
	wantCode(t, c.Decide(handler, authority, in, now), apperr.Conflict, "")
	in.Version = 1
	wantCode(t, c.Decide(handler, authority, in, now), "", "")
}

// TestASupplementaryNoticeIsSentOnce: after the one-time notice, a document
// request says what new information made it necessary, and names an item
// asked for before only then (Insurance Law art. 22); its delivery is recorded once,
// never before it was sent nor in the future.
func TestASupplementaryNoticeIsSentOnce(t *testing.T) {
	asked := t0.Add(24 * time.Hour)
	first := func(t *testing.T) *domain.Case {
		t.Helper()
		c := caseIn(t, domain.StateUnderReview)
		wantCode(t, c.RequestDocuments(handler, domain.DocumentRequest{Documents: []string{"出院小结"}}, asked), "", "")
		_, err := c.RecordNoticeDelivered(handler, asked.Add(time.Hour), "SMS-1", asked.Add(2*time.Hour))
		wantCode(t, err, "", "")
		_, err = c.RecordDocumentsReceived(handler, asked.Add(3*time.Hour), asked.Add(3*time.Hour))
		wantCode(t, err, "", "")
		return c
	}
	tests := []struct {
		name      string
		req       domain.DocumentRequest
		wantCode  apperr.Code
		wantField string
	}{
		{"the same item again without a reason", domain.DocumentRequest{Documents: []string{"出院小结"}}, apperr.Conflict, ""},
		{"the same item padded and in other case", domain.DocumentRequest{Documents: []string{" 出院小结 "}}, apperr.Conflict, ""},
		{"a new item with an old one", domain.DocumentRequest{Documents: []string{"费用清单", "出院小结"}}, apperr.Conflict, ""},
		{"the same item with the new information", domain.DocumentRequest{Documents: []string{"出院小结"}, Reason: "另有转院治疗"}, "", ""},
		{"a new item without a reason (red team, session 12: drip-fed notices)", domain.DocumentRequest{Documents: []string{"费用清单"}}, apperr.Invalid, "reason"},
		{"a new item with a blank reason", domain.DocumentRequest{Documents: []string{"费用清单"}, Reason: " \u3000 "}, apperr.Invalid, "reason"},
		{"a new item with the new information", domain.DocumentRequest{Documents: []string{"费用清单"}, Reason: "出院小结记载另有门诊费用"}, "", ""},
		{"an unknown channel", domain.DocumentRequest{Documents: []string{"费用清单"}, Channel: "pigeon", Reason: "出院小结记载另有门诊费用"}, apperr.Invalid, "channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := first(t)
			before := len(c.Supplements)
			wantCode(t, c.RequestDocuments(handler, tt.req, asked.Add(4*time.Hour)), tt.wantCode, tt.wantField)
			if tt.wantCode != "" && len(c.Supplements) != before {
				t.Fatalf("got %d supplements after a refused request, want %d", len(c.Supplements), before)
			}
		})
	}

	c := caseIn(t, domain.StateUnderReview)
	wantCode(t, c.RequestDocuments(handler, domain.DocumentRequest{Documents: []string{"出院小结"}}, asked), "", "")
	_, err := c.RecordNoticeDelivered(handler, asked.Add(-time.Minute), "R-1", now)
	wantCode(t, err, apperr.Invalid, "delivered_at")
	_, err = c.RecordNoticeDelivered(handler, now.Add(time.Minute), "R-1", now)
	wantCode(t, err, apperr.Invalid, "delivered_at")
	_, err = c.RecordNoticeDelivered(handler, asked, "", now)
	wantCode(t, err, apperr.Invalid, "receipt")
	_, err = c.RecordNoticeDelivered(handler, asked.Add(time.Hour), "R-1", now)
	wantCode(t, err, "", "")
	_, err = c.RecordNoticeDelivered(handler, asked.Add(2*time.Hour), "R-2", now)
	wantCode(t, err, apperr.Conflict, "")
	_, err = c.RecordDocumentsReceived(handler, asked.Add(30*time.Minute), now)
	wantCode(t, err, apperr.Invalid, "received_at")
}

// Issue 20: the rejection letter names the claim by the short reference
// the console shows, never its UUID.
func TestTheRejectionNoticeNamesTheClaimByItsReference(t *testing.T) {
	c := &domain.Case{ID: "case-1", ClaimID: "b1fc4b97-7765-4ebb-ac1c-b8f74816e179", PolicyNumber: "P-1", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: t0.Add(-48 * time.Hour), FirstReceivedAt: t0, State: domain.StateReceived, Version: 1}
	if err := c.Decide(handler, authority, reject(), t0); err != nil {
		t.Fatal(err)
	}
	issuer := domain.LetterIssuer{CompanyName: "XX人寿", CompanyAddress: "北京", ServicePhone: "95500", ReviewProcedure: "书面申请复核"}
	n, err := c.RejectionNotice(domain.BenefitRefusal, issuer, "L-1", calendar.DateOf(t0))
	if err != nil {
		t.Fatal(err)
	}
	if n.ClaimNumber != "B1FC4B97" {
		t.Fatalf("got claim number %q, want the reference B1FC4B97", n.ClaimNumber)
	}
}
