package deadline

import (
	"errors"
	"fmt"
	"strings"
)

// RuleID names a statutory deadline rule. The ids are stable: they are
// stored with claims and sent in events.
type RuleID string

// The deadline rules of docs/product.md, "The rules the platform enforces".
const (
	// MissingDocumentsNotice is R3: the one-time notice (一次性通知) of all
	// missing documents, a company target of 5 working days (Insurance Law
	// art. 22 only says "promptly", 及时).
	MissingDocumentsNotice RuleID = "missing-documents-notice"
	// Decision is R4: decide (核定) the claim within 5 working days (Reg.
	// art. 23; notice §8.3(1); Insurance Law art. 23). The contract may
	// provide otherwise; R3 notices pause the clock.
	Decision RuleID = "decision"
	// ComplexDecision is R4 for complex cases: 30 days. The contract may
	// provide otherwise; R3 notices pause the clock.
	ComplexDecision RuleID = "complex-decision"
	// RejectionNotice is R5: the written rejection notice, 3 days from the
	// not-covered decision (Reg. art. 24; notice §8.3(2)).
	RejectionNotice RuleID = "rejection-notice"
	// Payment is R6: pay within 10 days of agreeing the amount, or the
	// contract's period (Reg. art. 26; notice §8.3(3)).
	Payment RuleID = "payment"
	// AdvancePayment is R7: pay in advance what can be determined when the
	// amount is still not determined 60 days after the claim request and
	// materials were received (Insurance Law art. 25).
	AdvancePayment RuleID = "advance-payment"
	// ResultNotification is R9: tell the payee the result the day after the
	// claim is settled (notice §6.2).
	ResultNotification RuleID = "result-notification"
	// ComplaintReply is R12: answer a complaint within 10 working days of
	// accepting it (Reg. art. 29); a reply that will be late is announced
	// to the complainant with a progress notice before the period ends.
	ComplaintReply RuleID = "complaint-reply"
)

// Unit is the unit in which a period is counted.
type Unit int

const (
	// WorkingDays counts only working days of the PRC calendar.
	WorkingDays Unit = iota + 1
	// Days counts calendar days; a period whose last day is not a working
	// day may be extended (Civil Code art. 203, see Rule.ExtendToWorkingDay).
	Days
)

// String returns "working-days" or "days", the spelling ParseUnit accepts.
func (u Unit) String() string {
	switch u {
	case WorkingDays:
		return "working-days"
	case Days:
		return "days"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// ParseUnit parses "working-days" or "days".
func ParseUnit(s string) (Unit, error) {
	switch s {
	case "working-days":
		return WorkingDays, nil
	case "days":
		return Days, nil
	}
	return 0, fmt.Errorf("deadline: unknown unit %q: want working-days or days", s)
}

// describe renders a length in the unit, e.g. "5 working days", "1 day".
func (u Unit) describe(n int) string {
	noun := "day"
	if u == WorkingDays {
		noun = "working day"
	}
	if n != 1 {
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}

// LegalBasis is one provision a rule rests on.
type LegalBasis struct {
	// Citation is the Chinese citation, e.g. "《人身保险业务基本服务规定》第二十三条".
	Citation string
	// CitationEN is the English citation, e.g. "CIRC Basic Service Rules
	// for Personal Insurance, art. 23".
	CitationEN string
	// TextZH is the operative text in Chinese.
	TextZH string
	// TextEN is an English rendering of TextZH (not an official
	// translation).
	TextEN string
}

// String returns "Citation (CitationEN)".
func (b LegalBasis) String() string { return b.Citation + " (" + b.CitationEN + ")" }

// Rule is a deadline rule: what must be done, from which event, within which
// period, and on what legal basis.
type Rule struct {
	ID RuleID
	// RNumber is the rule's id in docs/product.md, e.g. "R4".
	RNumber string
	// Title says in English what must be done.
	Title string
	// TitleZH is the Chinese term for the obligation.
	TitleZH string
	// ClockStart is the event that starts the clock; day D is its
	// Asia/Shanghai date.
	ClockStart string
	// Length and Unit give the period: Length working days or calendar
	// days after day D.
	Length int
	Unit   Unit
	// ExtendToWorkingDay applies Civil Code art. 203: when the last day of
	// a period counted in Days is not a working day, the period ends on the
	// next working day. It has no effect on WorkingDays periods, whose last
	// day is a working day by construction. It is true for every rule,
	// including R9 "next day": the notice's 次日 is a period of one day, and
	// art. 203 governs the last day of any period counted in days.
	ExtendToWorkingDay bool
	// ContractMayOverride is true when the provision allows the insurance
	// contract to set another period ("合同另有约定的除外" / "保险合同对……期限
	// 有约定的"): R4 decision, R4 complex-decision and R6 payment.
	ContractMayOverride bool
	// Pausable is true when the time the claimant spends supplying
	// documents asked for in an R3 notice is deducted (Judicial
	// Interpretation II of the Insurance Law, art. 15): R4 only.
	Pausable bool
	// CompanyTarget is true when the period is the company's own target
	// rather than a statutory limit (R3).
	CompanyTarget bool
	// Basis lists the provisions, most specific first.
	Basis []LegalBasis
}

// Describe returns the rule's period in words, e.g. "5 working days".
func (r Rule) Describe() string { return r.Unit.describe(r.Length) }

// BasisCitations joins the rule's citations with "; ".
func (r Rule) BasisCitations() string {
	parts := make([]string, len(r.Basis))
	for i, b := range r.Basis {
		parts[i] = b.String()
	}
	return strings.Join(parts, "; ")
}

// Errors returned by Compute and RuleByID; match them with errors.Is.
var (
	ErrUnknownRule        = errors.New("unknown rule")
	ErrOverrideNotAllowed = errors.New("the regulation does not let the contract change this period")
	ErrInvalidOverride    = errors.New("invalid contract override")
	ErrPauseNotAllowed    = errors.New("only R4 decision periods can be paused")
	ErrInvalidPause       = errors.New("invalid pause")
	ErrInvalidTime        = errors.New("invalid time")
)

// Rules returns the deadline rules R3-R9 and R12 in product order. Each call returns
// a fresh slice the caller may modify.
func Rules() []Rule {
	regulation23 := LegalBasis{
		Citation:   "《人身保险业务基本服务规定》第二十三条",
		CitationEN: "CIRC Basic Service Rules for Personal Insurance, art. 23",
		TextZH:     "保险公司在收到被保险人或者受益人的赔偿或者给付保险金的请求后,应当在5个工作日内作出核定;情形复杂的,应当在30日内作出核定,但合同另有约定的除外。",
		TextEN:     "After receiving a request from the insured or the beneficiary for indemnity or payment of insurance benefits, the insurance company shall decide on it within 5 working days, or within 30 days where the case is complex, unless the contract provides otherwise.",
	}
	notice83_1 := companyNotice("八、3(1)", "§8.3(1)",
		"公司在收到被保险人或者受益人的赔偿或者给付保险金的请求后,在5个工作日内作出核定;情形复杂的,在30日内作出核定(合同另有约定的除外);",
		"The company decides on a request for indemnity or payment of insurance benefits within 5 working days of receiving it, or within 30 days where the case is complex (unless the contract provides otherwise).")
	insuranceLaw23 := LegalBasis{
		Citation:   "《中华人民共和国保险法》第二十三条",
		CitationEN: "Insurance Law of the PRC, art. 23",
		TextZH:     "保险人收到被保险人或者受益人的赔偿或者给付保险金的请求后,应当及时作出核定;情形复杂的,应当在三十日内作出核定,但合同另有约定的除外。",
		TextEN:     "After receiving a request from the insured or the beneficiary for indemnity or payment of insurance benefits, the insurer shall decide on it promptly, or within thirty days where the case is complex, unless the contract provides otherwise.",
	}
	return []Rule{
		{
			ID:                 MissingDocumentsNotice,
			RNumber:            "R3",
			Title:              "One-time notice of all missing or insufficient documents",
			TitleZH:            "一次性通知补充提供证明和资料",
			ClockStart:         "claim materials received",
			Length:             5,
			Unit:               WorkingDays,
			ExtendToWorkingDay: true,
			CompanyTarget:      true,
			Basis: []LegalBasis{{
				Citation:   "《中华人民共和国保险法》第二十二条",
				CitationEN: "Insurance Law of the PRC, art. 22",
				TextZH:     "保险人按照合同的约定,认为有关的证明和资料不完整的,应当及时一次性通知投保人、被保险人或者受益人补充提供。",
				TextEN:     "Where the insurer considers under the contract that the certificates and materials are incomplete, it shall promptly notify the policyholder, the insured or the beneficiary once and for all to supplement them.",
			}},
		},
		{
			ID:                  Decision,
			RNumber:             "R4",
			Title:               "Decide the claim",
			TitleZH:             "核定",
			ClockStart:          "claim request first received",
			Length:              5,
			Unit:                WorkingDays,
			ExtendToWorkingDay:  true,
			ContractMayOverride: true,
			Pausable:            true,
			Basis:               []LegalBasis{regulation23, notice83_1, insuranceLaw23},
		},
		{
			ID:                  ComplexDecision,
			RNumber:             "R4",
			Title:               "Decide a complex claim",
			TitleZH:             "情形复杂的核定",
			ClockStart:          "claim request first received",
			Length:              30,
			Unit:                Days,
			ExtendToWorkingDay:  true,
			ContractMayOverride: true,
			Pausable:            true,
			Basis:               []LegalBasis{regulation23, notice83_1, insuranceLaw23},
		},
		{
			ID:                 RejectionNotice,
			RNumber:            "R5",
			Title:              "Send the written rejection notice with reasons",
			TitleZH:            "拒绝赔偿或者拒绝给付保险金通知书",
			ClockStart:         "not-covered decision made",
			Length:             3,
			Unit:               Days,
			ExtendToWorkingDay: true,
			Basis: []LegalBasis{
				{
					Citation:   "《人身保险业务基本服务规定》第二十四条",
					CitationEN: "CIRC Basic Service Rules for Personal Insurance, art. 24",
					TextZH:     "保险公司作出不属于保险责任的核定后,应当自作出核定之日起3日内向被保险人或者受益人发出拒绝赔偿或者拒绝给付保险金通知书,并说明理由。",
					TextEN:     "Having decided that a claim is not covered, the insurance company shall, within 3 days of the decision, send the insured or the beneficiary a notice rejecting indemnity or payment of insurance benefits, stating the reasons.",
				},
				companyNotice("八、3(2)", "§8.3(2)",
					"对于不属于保险责任的,在作出核定之日起3日内向被保险人或者受益人以书面形式发出拒绝赔偿或者拒绝给付保险金通知书,并说明理由;",
					"Where a claim is not covered, the company sends the insured or the beneficiary a written rejection notice with reasons within 3 days of the decision."),
			},
		},
		{
			ID:                  Payment,
			RNumber:             "R6",
			Title:               "Pay the agreed indemnity or benefit",
			TitleZH:             "履行赔偿或者给付保险金义务",
			ClockStart:          "agreement on the amount reached",
			Length:              10,
			Unit:                Days,
			ExtendToWorkingDay:  true,
			ContractMayOverride: true,
			Basis: []LegalBasis{
				{
					Citation:   "《人身保险业务基本服务规定》第二十六条",
					CitationEN: "CIRC Basic Service Rules for Personal Insurance, art. 26",
					TextZH:     "保险公司应当在与被保险人或者受益人达成赔偿或者给付保险金的协议后10日内,履行赔偿或者给付保险金义务。保险合同对赔偿或者给付保险金的期限有约定的,保险公司应当按照约定履行赔偿或者给付保险金义务。",
					TextEN:     "The insurance company shall pay within 10 days of reaching agreement with the insured or the beneficiary on the indemnity or benefit. Where the contract sets a period for payment, the company shall pay as agreed.",
				},
				companyNotice("八、3(3)", "§8.3(3)",
					"公司在与被保险人或者受益人达成赔偿或者给付保险金的协议后10日内,履行赔偿或者给付保险金义务。保险合同对赔偿或者给付保险金的期限有约定的,保险公司应当按照约定履行赔偿或者给付保险金义务。",
					"The company pays within 10 days of the agreement on the amount, or within the period the contract sets."),
			},
		},
		{
			ID:                 AdvancePayment,
			RNumber:            "R7",
			Title:              "Pay in advance the amount that can already be determined",
			TitleZH:            "先予支付",
			ClockStart:         "claim request and materials received",
			Length:             60,
			Unit:               Days,
			ExtendToWorkingDay: true,
			Basis: []LegalBasis{{
				Citation:   "《中华人民共和国保险法》第二十五条",
				CitationEN: "Insurance Law of the PRC, art. 25",
				TextZH:     "保险人自收到赔偿或者给付保险金的请求和有关证明、资料之日起六十日内,对其赔偿或者给付保险金的数额不能确定的,应当根据已有证明和资料可以确定的数额先予支付;保险人最终确定赔偿或者给付保险金的数额后,应当支付相应的差额。",
				TextEN:     "Where the insurer cannot determine the amount within sixty days of receiving the request and the certificates and materials, it shall pay in advance the amount that can be determined from them, and pay the difference once the amount is finally determined.",
			}},
		},
		{
			ID:                 ResultNotification,
			RNumber:            "R9",
			Title:              "Tell the payee the result (amount and method of payment)",
			TitleZH:            "办理结果通知",
			ClockStart:         "payment completed",
			Length:             1,
			Unit:               Days,
			ExtendToWorkingDay: true,
			Basis: []LegalBasis{companyNotice("六、2", "§6.2",
				"对于保全或理赔付费业务,公司会在保全处理完成或理赔结案次日,以短信方式将办理结果通知投保人、被保险人或者受益人,并通知客户领款金额和领款方式。",
				"For claim payments the company notifies the policyholder, the insured or the beneficiary of the result by text message on the day after the claim is settled, with the amount and the method of collection.")},
		},
		{
			ID:                 ComplaintReply,
			RNumber:            "R12",
			Title:              "Answer the complaint in writing",
			TitleZH:            "投诉答复",
			ClockStart:         "complaint accepted",
			Length:             10,
			Unit:               WorkingDays,
			ExtendToWorkingDay: true,
			Basis: []LegalBasis{{
				Citation:   "《人身保险业务基本服务规定》第二十九条",
				CitationEN: "CIRC Basic Service Rules for Personal Insurance, art. 29",
				// The article's second paragraph as issued (shared/seeds,
				// part 2). It asks for the progress report without a time;
				// the product rules (R12) send it before the period ends.
				TextZH: "保险公司应当自受理投诉之日起10个工作日内向投诉人做出明确答复。由于特殊原因无法按时答复的,保险公司应当向投诉人反馈进展情况。",
				TextEN: "The insurance company shall give the complainant a clear answer within 10 working days of accepting the complaint. Where for special reasons it cannot answer in time, it shall report the progress to the complainant.",
			}},
		},
	}
}

// companyNotice cites the insurer's internal notice implementing the CIRC
// rules (shared/seeds, part 1).
func companyNotice(sectionZH, sectionEN, textZH, textEN string) LegalBasis {
	return LegalBasis{
		Citation:   "《关于执行保监会〈人身保险业服务规定〉规范公司服务流程和时效的通知》" + sectionZH,
		CitationEN: "Company notice implementing the CIRC service rules, " + sectionEN,
		TextZH:     textZH,
		TextEN:     textEN,
	}
}

// RuleByID returns the rule with the given id, or an error wrapping
// ErrUnknownRule that lists the known ids.
func RuleByID(id RuleID) (Rule, error) {
	rules := Rules()
	ids := make([]string, len(rules))
	for i, r := range rules {
		if r.ID == id {
			return r, nil
		}
		ids[i] = string(r.ID)
	}
	return Rule{}, fmt.Errorf("deadline: %w %q: want one of %s", ErrUnknownRule, string(id), strings.Join(ids, ", "))
}

// CivilCodeArticle201 is the rule that the day a period starts is not counted.
func CivilCodeArticle201() LegalBasis {
	return LegalBasis{
		Citation:   "《中华人民共和国民法典》第二百零一条",
		CitationEN: "Civil Code of the PRC, art. 201",
		TextZH:     "按照年、月、日计算期间的,开始的当日不计入,自下一日开始计算。",
		TextEN:     "Where a period is counted in years, months or days, the day on which it starts is not counted; counting starts on the next day.",
	}
}

// CivilCodeArticle203 is the rule that a period whose last day is a holiday
// ends on the day after the holiday, at 24:00.
func CivilCodeArticle203() LegalBasis {
	return LegalBasis{
		Citation:   "《中华人民共和国民法典》第二百零三条",
		CitationEN: "Civil Code of the PRC, art. 203",
		TextZH:     "期间的最后一日是法定休假日的,以法定休假日结束的次日为期间的最后一日。期间的最后一日的截止时间为二十四时;有业务时间的,停止业务活动的时间为截止时间。",
		TextEN:     "Where the last day of a period is a statutory holiday, the day after the holiday ends is the last day of the period. The last day ends at 24:00, or when business stops where there are business hours.",
	}
}

// JudicialInterpretationIIArticle15 is the rule that the time the claimant
// spends supplying documents asked for in a missing-documents notice is
// deducted from the R4 decision period.
func JudicialInterpretationIIArticle15() LegalBasis {
	return LegalBasis{
		Citation:   "《最高人民法院关于适用〈中华人民共和国保险法〉若干问题的解释(二)》第十五条",
		CitationEN: "Judicial Interpretation II of the Insurance Law, art. 15",
		TextZH:     "保险人主张扣除投保人、被保险人或者受益人补充提供有关证明和资料期间的,人民法院应予支持。扣除期间自保险人根据保险法第二十二条规定作出的通知到达投保人、被保险人或者受益人之日起,至投保人、被保险人或者受益人按照通知要求补充提供的有关证明和资料到达保险人之日止。",
		TextEN:     "The period in which the policyholder, the insured or the beneficiary supplies further certificates and materials is deducted; it runs from the day the insurer's notice under Insurance Law art. 22 reaches them until the day the supplementary materials reach the insurer.",
	}
}
