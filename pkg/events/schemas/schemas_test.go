package schemas_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
	"claims.local/pkg/events/schemas"
)

func validator(t *testing.T) *schemas.Validator {
	t.Helper()
	v, err := schemas.NewValidator()
	require.NoError(t, err)
	return v
}

func TestEveryExampleValidatesAndEveryTypeHasOne(t *testing.T) {
	t.Parallel()
	v := validator(t)
	examples, err := schemas.Examples()
	require.NoError(t, err)
	seen := map[string]bool{}
	for name, raw := range examples {
		if err := v.Validate(raw); err != nil {
			t.Errorf("example %s: got %v, want valid", name, err)
		}
		var head struct {
			Type string `json:"type"`
		}
		require.NoError(t, json.Unmarshal(raw, &head))
		seen[head.Type] = true
		// Go reads the example as the contract says.
		e, err := events.Decode(raw)
		require.NoError(t, err, name)
		if strings.HasPrefix(e.Type, "claims.payout.payout-") {
			var d events.PayoutData
			require.NoError(t, json.Unmarshal(e.Data, &d), name)
			if d.AmountFen <= 0 || d.Payee == nil {
				t.Errorf("example %s: got %+v, want an amount and a masked payee", name, d)
			}
		}
	}
	for _, typ := range schemas.Types() {
		if !seen[typ] {
			t.Errorf("got no example of %s, want one", typ)
		}
	}
}

func TestGoProducedEventsValidate(t *testing.T) {
	t.Parallel()
	v := validator(t)
	at := time.Date(2026, 10, 10, 2, 0, 3, 500000000, time.UTC)
	payee := &events.MaskedPayee{Name: "王*", Role: "agent", BankName: "中国建设银行", AccountNumber: "***************8812",
		OnBehalfOf: &events.Person{Name: "李*", Relation: "spouse"}}
	base := events.PayoutData{ObligationID: "o1", ClaimID: "c1", CaseID: "k1", PolicyNumber: "P-1", PayoutType: events.PayoutTypeFinal,
		AmountFen: 103456, AgreedAmountFen: 123456, AdvancedFen: 20000, Currency: "CNY", Payee: payee, DueDate: "2026-10-20",
		ScheduledAt: at.Add(-time.Minute), ValueDate: "2026-10-10"}
	completed := base
	completed.Status, completed.BankReference, completed.CompletedAt, completed.Attempt = events.PayoutStatusCompleted, "SIM-1", &at, 1
	failed := base
	failed.Status, failed.FailureReason, failed.ValueDate = events.PayoutStatusFailed, "invalid_account", ""
	reversed := completed
	reversed.Status, reversed.ReversedAt, reversed.ReversalReason = events.PayoutStatusReversed, &at, "退汇"
	scheduled := base
	scheduled.Status, scheduled.ReplacesObligationID = events.PayoutStatusScheduled, "o0"
	tests := []struct {
		typ  events.Type
		data any
	}{
		{events.PayoutScheduled, scheduled},
		{events.PayoutCompleted, completed},
		{events.PayoutFailed, failed},
		{events.PayoutReversed, reversed},
		{events.NotificationRequested, events.NotificationData{NotificationID: "n1", ClaimID: "c1", ObligationID: "o1",
			PolicyNumber: "P-1", Rule: events.NoticeResult, Template: "payout-result",
			Recipient: events.Recipient{Role: events.RecipientPayee, Name: "王*"}, Channel: events.NotificationChannelSMS,
			Language: "zh-CN", Text: "尊敬的客户", AmountFen: 103456, Currency: "CNY", Method: "bank_transfer",
			ValueDate: "2026-10-10", CreatedAt: at}},
	}
	for _, tt := range tests {
		e, err := events.New(tt.typ, "payout", "c1", at, tt.data)
		require.NoError(t, err)
		raw, err := json.Marshal(e)
		require.NoError(t, err)
		if err := v.Validate(raw); err != nil {
			t.Errorf("%s: got %v, want valid", tt.typ.Name, err)
		}
	}
}

func TestSchemasRefuseWhatBreaksTheContract(t *testing.T) {
	t.Parallel()
	v := validator(t)
	examples, err := schemas.Examples()
	require.NoError(t, err)
	completed := examples["payout-completed.json"]
	edit := func(change func(e, data map[string]any)) []byte {
		var e map[string]any
		require.NoError(t, json.Unmarshal(completed, &e))
		change(e, e["data"].(map[string]any))
		b, err := json.Marshal(e)
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name  string
		event []byte
	}{
		{"amount in yuan", edit(func(_, d map[string]any) { d["amount_fen"] = 1034.56 })},
		{"zero amount", edit(func(_, d map[string]any) { d["amount_fen"] = 0 })},
		{"other currency", edit(func(_, d map[string]any) { d["currency"] = "USD" })},
		{"account in clear", edit(func(_, d map[string]any) {
			d["payee"].(map[string]any)["account_number"] = "6222020200112233445"
		})},
		{"name in clear", edit(func(_, d map[string]any) { d["payee"].(map[string]any)["name"] = "王五" })},
		{"completed without bank reference", edit(func(_, d map[string]any) { delete(d, "bank_reference") })},
		{"completed with another status", edit(func(_, d map[string]any) { d["status"] = "failed" })},
		{"unknown payout type", edit(func(_, d map[string]any) { d["payout_type"] = "bonus" })},
		{"value date not a date", edit(func(_, d map[string]any) { d["value_date"] = "10/10/2026" })},
		{"undocumented member", edit(func(_, d map[string]any) { d["iban"] = "x" })},
		{"other schema version", edit(func(e, _ map[string]any) { e["schemaversion"] = 2 })},
		{"unknown type", edit(func(e, _ map[string]any) { e["type"] = "claims.payout.payout-cancelled" })},
	}
	for _, tt := range tests {
		if err := v.Validate(tt.event); err == nil {
			t.Errorf("%s: got valid, want refused", tt.name)
		}
	}
}

func TestYuanIsExactFromFen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fen  int64
		want string
	}{
		{0, "0.00"}, {1, "0.01"}, {10, "0.10"}, {100, "1.00"}, {123456, "1234.56"}, {-5, "-0.05"},
		{9223372036854775807, "92233720368547758.07"}, {-9223372036854775808, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := events.Yuan(tt.fen); got != tt.want {
			t.Errorf("Yuan(%d): got %q, want %q", tt.fen, got, tt.want)
		}
	}
}
