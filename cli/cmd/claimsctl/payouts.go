package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"claims.local/pkg/calendar"
	"claims.local/pkg/events"
	"claims.local/pkg/redact"
)

// runPayouts follows the finance topic and prints one line per payout
// event, what a finance team runs first:
//
//	2026-10-10T10:00:03+08:00  completed  obligation=007ff83a-…  claim=b903d2b9-…  final  1034.56 CNY
//	    payee=王* 中国建设银行 ****8812  value_date=2026-10-10  ref=SIM-ceb2510e00d0b28e  at=3/17
//
// (on one line). at=PARTITION/OFFSET resumes with --from-offset. Amounts
// are printed in yuan from the integer fen of the event, exactly.
func runPayouts(e env, args []string) int {
	if len(args) == 0 || args[0] != "tail" {
		return usageError(e, "payouts", "the only subcommand is tail")
	}
	fs := flag.NewFlagSet("payouts tail", flag.ContinueOnError)
	flags := addTailFlags(fs, "the finance topic")
	fromOffset := fs.Int64("from-offset", -1, "start every partition at this offset (default: only new events)")
	since := fs.String("since", "", "start at the first event written at or after this RFC 3339 time")
	req, msg := flags.parse(fs, args[1:])
	switch {
	case msg != "":
		return usageError(e, "payouts", "%s", msg)
	case *fromOffset < -1:
		return usageError(e, "payouts", "--from-offset must not be negative")
	case *fromOffset >= 0 && *since != "":
		return usageError(e, "payouts", "give --from-offset or --since, not both")
	case *fromOffset >= 0:
		req.fromOffset = fromOffset
	case *since != "":
		t, err := time.Parse(time.RFC3339, *since)
		if err != nil {
			return usageError(e, "payouts", "--since must be an RFC 3339 time such as 2026-10-10T00:00:00+08:00")
		}
		req.since = t
	}
	return follow(e, "payouts", req, func(l tailLine) { fmt.Fprintln(e.stdout, redact.Text(payoutLine(l))) })
}

// payoutLine writes one event of the finance topic as a line: time
// (Asia/Shanghai), what happened, obligation, claim, payout type, amount in
// yuan, masked payee, value date, then the bank reference, the failure or
// reversal reason, and where the event is in the topic.
func payoutLine(l tailLine) string {
	at := fmt.Sprintf("at=%d/%d", l.Partition, l.Offset)
	if l.Error != "" {
		return fmt.Sprintf("%s  unreadable event: %s", at, l.Error)
	}
	what, ok := strings.CutPrefix(l.Type, "claims.payout.payout-")
	var d events.PayoutData
	if !ok || json.Unmarshal(l.Data, &d) != nil {
		return fmt.Sprintf("%s  %s  not a payout event  key=%s", at, l.Type, l.Key)
	}
	when := ""
	if l.Time != nil {
		when = l.Time.In(calendar.Location()).Format(time.RFC3339)
	}
	payee := "payee=-"
	if p := d.Payee; p != nil {
		payee = "payee=" + p.Name + " " + p.BankName + " " + p.AccountNumber
		if p.OnBehalfOf != nil {
			payee += " for " + p.OnBehalfOf.Name
		}
	}
	value := d.ValueDate
	if value == "" {
		value = "-"
	}
	parts := []string{when, what, "obligation=" + d.ObligationID, "claim=" + d.ClaimID, d.PayoutType,
		events.Yuan(d.AmountFen) + " " + d.Currency, payee, "value_date=" + value}
	if d.BankReference != "" {
		parts = append(parts, "ref="+d.BankReference)
	}
	for _, reason := range []string{d.FailureReason, d.ReversalReason} {
		if reason != "" {
			parts = append(parts, fmt.Sprintf("reason=%q", reason))
		}
	}
	return strings.Join(append(parts, at), "  ")
}
