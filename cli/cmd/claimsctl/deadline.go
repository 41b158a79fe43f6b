package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"claims.local/pkg/calendar"
	"claims.local/pkg/deadline"
)

// deadlineOutput is the JSON printed by "claimsctl deadline". Times are
// RFC 3339 in Asia/Shanghai (+08:00); dates are YYYY-MM-DD.
type deadlineOutput struct {
	Rule             string `json:"rule"`
	RID              string `json:"r_id"`
	Title            string `json:"title"`
	From             string `json:"from"`
	StartDate        string `json:"start_date"`
	Length           int    `json:"length"`
	Unit             string `json:"unit"`
	Overridden       bool   `json:"overridden"`
	DueDate          string `json:"due_date"`
	DueAt            string `json:"due_at"`
	AtRiskFrom       string `json:"at_risk_from"`
	DeductedDays     int    `json:"deducted_days"`
	Basis            string `json:"basis"`
	Explanation      string `json:"explanation"`
	Provisional      bool   `json:"provisional"`
	ProvisionalYears []int  `json:"provisional_years"`
	CalendarVersion  string `json:"calendar_version"`
}

// timeList is a repeatable flag of RFC 3339 times.
type timeList []time.Time

func (l *timeList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, t := range *l {
		parts[i] = t.Format(time.RFC3339Nano)
	}
	return strings.Join(parts, ",")
}

func (l *timeList) Set(s string) error {
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	*l = append(*l, t)
	return nil
}

// parseTime parses an RFC 3339 time with any offset. RFC 3339 allows a
// lower-case "t" and "z", which time.Parse does not, so the text is
// upper-cased first (it holds no other letters).
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("want an RFC 3339 time such as 2026-09-30T16:20:00+08:00, got %q", s)
	}
	return t, nil
}

func writeDeadlineUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString(`Usage: claimsctl deadline --rule RULE --from TIME [flags]

Compute the due date of a statutory deadline, counted in PRC working days
and Asia/Shanghai dates, and print it with its legal basis as one JSON object.

Flags:
  --rule RULE           the rule (required), one of:
`)
	for _, r := range deadline.Rules() {
		fmt.Fprintf(&b, "                          %-26s %s, %s from %s\n", r.ID, r.RNumber, r.Describe(), r.ClockStart)
	}
	b.WriteString(`  --from TIME           the clock-start event (required), RFC 3339 with any
                        offset; day D is its Asia/Shanghai date
  --paused-at TIME      R4 only: a missing-documents notice reached the claimant
                        (its delivery, not its sending); the days after it
                        are deducted; repeat for several pauses
  --resumed-at TIME     R4 only: the supplement arrived; the n-th --resumed-at
                        ends the n-th --paused-at
  --calendar FILE       holiday calendar JSON in the format of
                        shared/data/cn-holidays.json (default: embedded)
  --override-days N     contract period replacing the statutory one
                        (decision, complex-decision and payment only)
  --override-unit UNIT  working-days or days (default: the rule's unit)
  --risk-lead N         working days before the due date from which an open
                        obligation is at risk, for at_risk_from (default 1)

Output fields: rule, r_id, title, from, start_date, length, unit, overridden,
due_date, due_at (end of due_date, +08:00: late from the next day 00:00),
at_risk_from, deducted_days, basis, explanation, provisional,
provisional_years, calendar_version.

Exit status: 0 on success, 2 on bad arguments, 1 if output fails.
`)
	io.WriteString(w, b.String())
}

// runDeadline implements "claimsctl deadline".
func runDeadline(e env, args []string) int {
	const name = "deadline"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var (
		ruleFlag     = fs.String("rule", "", "")
		fromFlag     = fs.String("from", "", "")
		calendarFlag = fs.String("calendar", "", "")
		overrideDays = fs.Int("override-days", 0, "")
		overrideUnit = fs.String("override-unit", "", "")
		riskLead     = fs.Int("risk-lead", deadline.DefaultRiskLead, "")
		pausedAt     timeList
		resumedAt    timeList
	)
	fs.Var(&pausedAt, "paused-at", "")
	fs.Var(&resumedAt, "resumed-at", "")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeDeadlineUsage(e.stdout)
			return exitOK
		}
		return usageError(e, name, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(e, name, "unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if *ruleFlag == "" {
		return usageError(e, name, "--rule is required")
	}
	rule, err := deadline.RuleByID(deadline.RuleID(*ruleFlag))
	if err != nil {
		return usageError(e, name, "--rule: %s", trimPackage(err))
	}
	if *fromFlag == "" {
		return usageError(e, name, "--from is required: the time of the event %q", rule.ClockStart)
	}
	from, err := parseTime(*fromFlag)
	if err != nil {
		return usageError(e, name, "--from: %v", err)
	}

	req := deadline.Request{Rule: rule.ID, From: from}
	if len(resumedAt) > len(pausedAt) {
		return usageError(e, name, "--resumed-at %s without a matching --paused-at", resumedAt[len(pausedAt)].Format(time.RFC3339Nano))
	}
	if len(pausedAt) > len(resumedAt) {
		return usageError(e, name, "--paused-at %s has no matching --resumed-at: while the clock is paused there is no due date", pausedAt[len(resumedAt)].Format(time.RFC3339Nano))
	}
	for i := range pausedAt {
		req.Pauses = append(req.Pauses, deadline.Pause{PausedAt: pausedAt[i], ResumedAt: resumedAt[i]})
	}

	if set["override-unit"] && !set["override-days"] {
		return usageError(e, name, "--override-unit needs --override-days")
	}
	if set["override-days"] {
		unit := rule.Unit
		if set["override-unit"] {
			if unit, err = deadline.ParseUnit(*overrideUnit); err != nil {
				return usageError(e, name, "--override-unit: %s", trimPackage(err))
			}
		}
		req.Overrides = []deadline.Override{{Rule: rule.ID, Length: *overrideDays, Unit: unit}}
	}
	if *riskLead < 0 {
		return usageError(e, name, "--risk-lead must be 0 or more, got %d", *riskLead)
	}

	cal := calendar.Default()
	if *calendarFlag != "" {
		data, err := e.readFile(*calendarFlag)
		if err != nil {
			return usageError(e, name, "--calendar: %v", err)
		}
		if cal, err = calendar.Parse(data); err != nil {
			return usageError(e, name, "--calendar %s: %v", *calendarFlag, err)
		}
	}

	calc := deadline.NewCalculator(cal)
	d, err := calc.Compute(req)
	if err != nil {
		return usageError(e, name, "%s", trimPackage(err))
	}
	years := d.ProvisionalYears
	if years == nil {
		years = []int{}
	}
	return writeJSON(e, name, deadlineOutput{
		Rule:             string(d.Rule.ID),
		RID:              d.Rule.RNumber,
		Title:            d.Rule.Title,
		From:             d.From.In(calendar.Location()).Format(time.RFC3339Nano),
		StartDate:        d.StartDate.String(),
		Length:           d.Length,
		Unit:             d.Unit.String(),
		Overridden:       d.Overridden,
		DueDate:          d.DueDate.String(),
		DueAt:            d.DueAt.Format(time.RFC3339),
		AtRiskFrom:       calc.AtRiskFrom(d, *riskLead).Format(time.RFC3339Nano),
		DeductedDays:     d.DeductedDays,
		Basis:            d.Basis,
		Explanation:      d.Explanation,
		Provisional:      d.Provisional,
		ProvisionalYears: years,
		CalendarVersion:  d.CalendarVersion,
	})
}

// trimPackage drops the "deadline: " prefix of the package's errors, which
// the subcommand name already gives.
func trimPackage(err error) string {
	return strings.TrimPrefix(err.Error(), "deadline: ")
}
