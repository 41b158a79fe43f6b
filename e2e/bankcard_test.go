package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// TestThePayeeIsPaidOnTheBankCardProvided: the insured uploads a photo of
// her bank card with the claim; intake reads its account and holder by OCR
// and hands adjudication only the account's fingerprint. A handler who
// records the agreement paying another account, to her name, is refused
// (issue 14) and nothing is paid; the agreement paying the card's account
// is paid by payout.
func TestThePayeeIsPaidOnTheBankCardProvided(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	card := scantest.Samples()[7] // 郑丽's debit card, 6222 0212 3456 7890 128
	data, media, err := scantest.Scan(fonts, card, 7)
	if err != nil {
		t.Fatal(err)
	}

	r := sys.newReport(t, "P-E2E-CARD", card.Want.AccountHolder, time.Now().Add(-72*time.Hour))
	if status, raw := sys.upload(t, r.ID, "card."+string(media), data); status != http.StatusCreated {
		t.Fatalf("upload the bank card: got %d %s, want 201", status, raw)
	}
	apitest.Eventually(t, 2*time.Minute, "the bank card read", func() bool {
		rep := sys.readReport(t, r.ID)
		return len(rep.Documents) == 1 && rep.Documents[0].State == "read"
	})
	if d := sys.readReport(t, r.ID).Documents[0]; d.Type != "bank_card" {
		t.Fatalf("got the card read as %s, want bank_card", d.Type)
	}
	sys.satisfyChecklist(t, r.ID)
	if status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports/"+r.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("POST claim-request: got status %d, want 201", status)
	}
	var c struct {
		Documents []struct {
			Type       string `json:"type"`
			Account    string `json:"account"`
			HolderName string `json:"holder_name"`
		} `json:"documents"`
	}
	apitest.Eventually(t, 60*time.Second, "case opened", func() bool {
		return sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+r.ClaimID), nil, &c) == http.StatusOK
	})
	if !slices.ContainsFunc(c.Documents, func(d struct {
		Type       string `json:"type"`
		Account    string `json:"account"`
		HolderName string `json:"holder_name"`
	}) bool {
		return d.Type == "bank_card" && d.Account == "****0128" && d.HolderName == card.Want.AccountHolder
	}) {
		t.Fatalf("got documents %+v, want the bank card ****0128 of %s on the case", c.Documents, card.Want.AccountHolder)
	}
	sys.approve(t, r.ClaimID, 300_000) // below the payee confirmation threshold: paid at once

	// The attack: the insured's name, an account of the handler's choosing.
	payee := func(account string) map[string]any {
		return map[string]any{"agreed_by": card.Want.AccountHolder, "channel": "signed_form", "payee": map[string]any{
			"name": card.Want.AccountHolder, "role": "insured", "bank_name": "中国工商银行", "account_number": account}}
	}
	var refused struct {
		Error struct{ Code, Message, Field string }
	}
	status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+r.ClaimID+"/agreement"), payee("6217000010001234567"), &refused)
	if status != http.StatusUnprocessableEntity || refused.Error.Code != "payee_not_entitled" ||
		!strings.Contains(refused.Error.Message, "the account is not the one on the bank card provided") {
		t.Fatalf("agreement paying another account: got %d %+v, want 422 payee_not_entitled naming the bank card rule", status, refused)
	}

	// The card's account is paid.
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+r.ClaimID+"/agreement"), payee("6222 0212 3456 7890 128"), nil); status != http.StatusOK {
		t.Fatalf("agreement paying the card's account: got status %d, want 200", status)
	}
	got := readTopic(t, sys.brokers, sys.topics.Payout(), 60*time.Second, func(es []events.Envelope) bool {
		return countOf(es, r.ClaimID, events.PayoutCompleted) >= 1
	})
	var paid []events.PayoutData
	for _, e := range got {
		if e.ClaimID != r.ClaimID || e.Type != events.PayoutCompleted.Name {
			continue
		}
		var p events.PayoutData
		if err := json.Unmarshal(e.Data, &p); err != nil {
			t.Fatalf("decode payout-completed: %v", err)
		}
		paid = append(paid, p)
	}
	if len(paid) != 1 || paid[0].AmountFen != 300_000 || paid[0].Payee == nil || paid[0].Payee.AccountNumber != "****0128" {
		t.Fatalf("got payments %+v, want one of 300000 fen to ****0128", paid)
	}
}
