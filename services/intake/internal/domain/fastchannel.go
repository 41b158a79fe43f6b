package domain

import (
	"fmt"
	"strings"
)

// VariantCatastrophe names the simplified checklist variant of an incident
// type that a report matching an active catastrophe takes (R8: Reg. art.
// 27, notice §7.2), in place of the standard checklist and any product's
// changes to it.
const VariantCatastrophe = "catastrophe"

// FastChannel is the catastrophe fast channel a report was given (R8): the
// active catastrophe its incident matched when it was taken, and the
// advance the catastrophe's policy granted then, as the claimant was told.
// A later switch of the mode changes neither: the report keeps the channel
// it was given.
type FastChannel struct {
	// Code and Name are the catastrophe's, such as TY-2026-09 and
	// 台风“海葵”.
	Code string
	Name string
	// AdvanceShareBps is the share of the expected benefit paid in advance
	// (basis points: 3000 is 30 %), at most AdvanceCapFen per claim.
	AdvanceShareBps int
	AdvanceCapFen   int64
}

// fastChannelBasis is the rule behind the fast channel.
const fastChannelBasis = "《人身保险业务基本服务规定》第二十七条；公司通知第七条第2项 (CIRC Basic Service Rules for Personal Insurance, art. 27; company notice §7.2)"

// TakeFastChannel tags the report with the catastrophe its incident
// matched (R8) and gives it variant, the simplified checklist of its
// incident type, in place of the checklist it had. Only a report that says
// where the incident happened can match a catastrophe, whose regions are
// places: a report without a place takes the normal path.
func (r *IncidentReport) TakeFastChannel(fc FastChannel, variant ChecklistTemplate) error {
	switch {
	case r.IncidentPlace == "":
		return fmt.Errorf("report %s names no incident place: it cannot match catastrophe %s", r.ID, fc.Code)
	case strings.TrimSpace(fc.Code) == "" || strings.TrimSpace(fc.Name) == "":
		return fmt.Errorf("report %s: a fast channel needs the catastrophe's code and name", r.ID)
	case variant.Variant != VariantCatastrophe || variant.IncidentType != r.IncidentType:
		return fmt.Errorf("report %s of %s: checklist %s is not the catastrophe variant of its incident type", r.ID, r.IncidentType, variant.Version)
	}
	r.FastChannel, r.Checklist = &fc, variant
	return nil
}

// FastChannelNotice is what a claimant is told at once when the report
// takes the fast channel (R8): what the channel means for them, Chinese
// first.
type FastChannelNotice struct {
	Title  Text
	Points []Text
	Basis  string
}

// Notice tells the claimant of a report of kind what the fast channel
// means for them: priority handling, the simplified documents, an advance
// of part of the expected benefit once the policy and the incident are
// verified (deducted from the final settlement), and on-site service where
// needed, which the company arranges at once after a death or a disability.
func (fc FastChannel) Notice(kind IncidentType) FastChannelNotice {
	n := FastChannelNotice{
		Title: Text{ZH: "巨灾快速理赔通道：" + fc.Name, EN: "Catastrophe fast claims channel: " + fc.Name},
		Basis: fastChannelBasis,
	}
	n.Points = append(n.Points,
		Text{
			ZH: fmt.Sprintf("您报案的事故属于%s（%s）巨灾应急预案的范围，我司将优先受理、优先处理您的理赔。", fc.Name, fc.Code),
			EN: fmt.Sprintf("Your incident falls under the emergency plan for the catastrophe %s (%s): we take and handle your claim first.", fc.Name, fc.Code),
		},
		Text{
			ZH: "您只需提供下列简化的理赔材料，即可申请理赔。",
			EN: "You need only the simplified documents listed below to claim.",
		},
		fc.advancePoint())
	if kind == IncidentDeath || kind == IncidentDisability {
		n.Points = append(n.Points, Text{
			ZH: "我司将主动与您联系，安排上门或现场服务。",
			EN: "We will contact you to arrange a visit: on-site service.",
		})
	} else {
		n.Points = append(n.Points, Text{
			ZH: "如您行动不便或需要协助，我司可提供上门或现场服务。",
			EN: "If you cannot travel or need help, we come to you: on-site service.",
		})
	}
	return n
}

// advancePoint says how much may be advanced: the share and the cap when
// the catastrophe's policy states them.
func (fc FastChannel) advancePoint() Text {
	if fc.AdvanceShareBps <= 0 || fc.AdvanceCapFen <= 0 {
		return Text{
			ZH: "保单和事故核实后，我司可先行预付部分赔款，最终结案时从赔款中扣除。",
			EN: "Once the policy and the incident are verified, we can pay part of the expected benefit in advance; it is deducted from the final settlement.",
		}
	}
	share := percent(fc.AdvanceShareBps)
	return Text{
		ZH: fmt.Sprintf("保单和事故核实后，我司可先行预付部分赔款（预计赔款的%s%%，每案最高人民币%s元），最终结案时从赔款中扣除。",
			share, Yuan(fc.AdvanceCapFen)),
		EN: fmt.Sprintf("Once the policy and the incident are verified, we can pay part of the expected benefit in advance (%s%% of it, at most CNY %s per claim); it is deducted from the final settlement.",
			share, Yuan(fc.AdvanceCapFen)),
	}
}

// percent writes basis points as a percentage: 3000 is "30", 1250 "12.5".
func percent(bps int) string {
	s := fmt.Sprintf("%d.%02d", bps/100, bps%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
