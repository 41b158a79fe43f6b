package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"claims.local/pkg/events"
)

// Issue 17 (R11): events tail prints the events of any topic with the
// names, account and ID numbers and contacts masked, an old unsealed
// agreement included; the ids and amounts an operator looks for stay.
func TestEventsTailPrintsPersonalDataMasked(t *testing.T) {
	// An agreement as adjudication published them before issue 17: the
	// payee and the claimant who agreed in clear.
	d := map[string]any{"claim_id": "c1", "case_id": "case-1", "amount_fen": 123456, "currency": "CNY", "agreed_by": "欧阳明远",
		"payee": events.Payee{Name: "李四", Role: "agent", BankName: "中国工商银行", AccountNumber: "6222020200112233445",
			OnBehalfOf: &events.Person{Name: "王五", Relation: "spouse"}}}
	agreement, err := events.New(events.AgreementReached, "adjudication", "c1", at, d)
	if err != nil {
		t.Fatal(err)
	}
	request, err := events.New(events.ClaimRequested, "intake", "c1", at, map[string]any{"claim_id": "c1", "contact": "13912345678",
		"documents": []map[string]any{{"fields": map[string]string{"id_number": "110105198506150014"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	e := env{stdout: &stdout, stderr: &stderr, tail: func(_ context.Context, _ tailRequest, out func(tailLine)) error {
		out(lineOf(t, agreement, 0, 1))
		out(lineOf(t, request, 0, 2))
		out(tailLine{Partition: 1, Offset: 3, Error: "malformed event: account 6222020200112233445"})
		return nil
	}}
	if code := runWith(e, []string{"events", "tail", "--topic", "claims.adjudication.v1"}); code != exitOK {
		t.Fatalf("got status %d (%s), want 0", code, stderr.String())
	}
	out := stdout.String()
	for _, clear := range []string{"6222020200112233445", "110105198506150014", "13912345678", "李四", "王五", "欧阳明远"} {
		if strings.Contains(out, clear) {
			t.Errorf("got %q in clear in:\n%s\nwant it masked", clear, out)
		}
	}
	for _, kept := range []string{agreement.ID, `"claim_id":"c1"`, `"amount_fen":123456`, "3445", "0014", "139****5678"} {
		if !strings.Contains(out, kept) {
			t.Errorf("got:\n%s\nwant it to keep %s", out, kept)
		}
	}
}
