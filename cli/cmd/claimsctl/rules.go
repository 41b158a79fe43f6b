package main

import (
	"errors"
	"flag"
	"io"

	"claims.local/pkg/deadline"
)

// rulesOutput is the JSON printed by "claimsctl rules".
type rulesOutput struct {
	Rules []ruleOutput `json:"rules"`
}

type ruleOutput struct {
	ID                  string        `json:"id"`
	RID                 string        `json:"r_id"`
	Title               string        `json:"title"`
	TitleZH             string        `json:"title_zh"`
	ClockStart          string        `json:"clock_start"`
	Length              int           `json:"length"`
	Unit                string        `json:"unit"`
	ExtendToWorkingDay  bool          `json:"extend_to_working_day"`
	ContractMayOverride bool          `json:"contract_may_override"`
	Pausable            bool          `json:"pausable"`
	CompanyTarget       bool          `json:"company_target"`
	Basis               []basisOutput `json:"basis"`
}

type basisOutput struct {
	Citation   string `json:"citation"`
	CitationEN string `json:"citation_en"`
	TextZH     string `json:"text_zh"`
	TextEN     string `json:"text_en"`
}

const rulesUsage = `Usage: claimsctl rules

Print the deadline rules R3-R9 (id, period, clock-start event, whether the
contract may change the period or R3 notices pause it, legal basis with
Chinese and English text) as one JSON object.
`

// runRules implements "claimsctl rules".
func runRules(e env, args []string) int {
	const name = "rules"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(e.stdout, rulesUsage)
			return exitOK
		}
		return usageError(e, name, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(e, name, "unexpected argument %q", fs.Arg(0))
	}

	var out rulesOutput
	for _, r := range deadline.Rules() {
		ro := ruleOutput{
			ID:                  string(r.ID),
			RID:                 r.RNumber,
			Title:               r.Title,
			TitleZH:             r.TitleZH,
			ClockStart:          r.ClockStart,
			Length:              r.Length,
			Unit:                r.Unit.String(),
			ExtendToWorkingDay:  r.ExtendToWorkingDay,
			ContractMayOverride: r.ContractMayOverride,
			Pausable:            r.Pausable,
			CompanyTarget:       r.CompanyTarget,
		}
		for _, b := range r.Basis {
			ro.Basis = append(ro.Basis, basisOutput{Citation: b.Citation, CitationEN: b.CitationEN, TextZH: b.TextZH, TextEN: b.TextEN})
		}
		out.Rules = append(out.Rules, ro)
	}
	return writeJSON(e, name, out)
}
