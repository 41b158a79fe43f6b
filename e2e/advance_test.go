package e2e

import (
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/bankaccount"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus/kafkatest"
)

// The advance agreement (issue 19): the claimant agrees with the claim
// request to be paid the amount the product's rules decide, to their own
// account; intake seals the payee for payout and the system, deciding the
// claim, records the agreement itself. No person takes part.

// inAdvance returns d with the claimant's advance agreement given in the
// app and the payee name paid to account, as intake hands them over:
// sealed for payout and for d's claim, the account hashed with the
// signals' key.
func (s *system) inAdvance(t testing.TB, d events.ClaimRequestedData, name, account string) events.ClaimRequestedData {
	t.Helper()
	p, err := events.Payee{Name: name, Role: "insured", BankName: "中国建设银行", AccountNumber: account}.SealFor(eventstest.PayeeSealer(t), eventstest.Fingerprints(), d.ClaimID)
	if err != nil {
		t.Fatal(err)
	}
	key, err := hex.DecodeString(s.signalKey)
	if err != nil {
		t.Fatal(err)
	}
	d.Payee = &p
	d.AdvanceAgreement = &events.AdvanceAgreement{Channel: "app", AgreedAt: d.FirstReceivedAt, AccountKey: bankaccount.Key(key, account),
		EnteredBy: claimantApp.Subject, EnteredVia: events.EnteredViaClaimant}
	return d
}

// agreementsOf returns the agreement-reached events on the adjudication
// topic once stop holds.
func (s *system) agreementsOf(t *testing.T, stop func(map[string]events.AgreementReachedData) bool) map[string]events.AgreementReachedData {
	t.Helper()
	out := map[string]events.AgreementReachedData{}
	readTopic(t, s.brokers, s.topics.Adjudication(), 90*time.Second, func(es []events.Envelope) bool {
		clear(out)
		for _, e := range es {
			var d events.AgreementReachedData
			if e.Type == events.AgreementReached.Name && events.DecodeData(e, events.AgreementReached, &d) == nil {
				out[e.ClaimID] = d
			}
		}
		return stop(out)
	})
	return out
}

// assessed waits for the assessment of claimID and returns it with the
// case.
func (s *system) assessed(t *testing.T, claimID string) (stpAssessment, stpCase) {
	t.Helper()
	var a stpAssessment
	apitest.Eventually(t, 60*time.Second, "claim "+claimID+" assessed", func() bool {
		var ok bool
		a, ok = s.assessment(t, claimID)
		return ok
	})
	var c stpCase
	var raw json.RawMessage
	if code := s.call(t, http.MethodGet, s.url("adjudication", "/v1/cases/"+claimID), nil, &raw); code != http.StatusOK {
		t.Fatalf("GET case %s: got %d %s, want 200", claimID, code, raw)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return a, c
}

// TestACleanSmallClaimIsPaidWithoutAnyPerson publishes claim requests as
// intake hands them over, with advance agreements: the clean one is
// decided, agreed and paid with no call to adjudication's agreement API,
// the agreement recorded by the system. Then the attacks: a payee's
// account other than the card's, a payee of another person, a payee
// sealed for another claim, a replayed request, a handler naming the
// system as recorder, and an advance agreement under a product whose term
// is the claimant's agreement.
func TestACleanSmallClaimIsPaidWithoutAnyPerson(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	sys.importSTP(t)
	const insured = "孙预先"
	for _, p := range []string{"P-ADV-0", "P-ADV-1", "P-ADV-2", "P-ADV-3", "P-ADV-4", "P-ADV-5"} {
		sys.stpPolicy(t, p, insured+p[len(p)-1:])
	}
	clean := sys.inAdvance(t, stpRequest("P-ADV-0", insured+"0", "ADV-0001", stpAccount(100), defectNone), insured+"0", stpAccount(100))
	// The account on the request is not the bank card's.
	otherAccount := sys.inAdvance(t, stpRequest("P-ADV-1", insured+"1", "ADV-0002", stpAccount(101), defectNone), insured+"1", stpAccount(901))
	// The payee is another person, paid to the insured's card.
	otherPerson := sys.inAdvance(t, stpRequest("P-ADV-2", insured+"2", "ADV-0003", stpAccount(102), defectNone), "钱多多", stpAccount(102))
	sys.publishRequests(t, clean, otherAccount, otherPerson)

	a, c := sys.assessed(t, clean.ClaimID)
	if !a.Automatic || c.Decision.DecidedBy != "system:auto-adjudication/MED-STP/v1" {
		t.Fatalf("clean: got automatic %v (%+v), decided by %q; want decided by system:auto-adjudication/MED-STP/v1", a.Automatic, a.Reasons, c.Decision.DecidedBy)
	}
	got := sys.payouts(t, func(es []events.Envelope) bool { return countOf(es, clean.ClaimID, events.PayoutCompleted) >= 1 })
	if paid := payoutsOf(t, got, clean.ClaimID, events.PayoutCompleted); len(paid) != 1 || paid[0].AmountFen != 16_000 {
		t.Fatalf("clean: got payouts %+v, want one of 16000 fen", paid)
	}
	// The payee sealed for the clean claim, copied into another request
	// with its fingerprints made to match that claim's card and insured
	// (under the services' fingerprint key: an insider's forgery): with
	// the account's keyed hash as intake sent it, the account is already
	// paid to another insured (shared_account); with a made-up one,
	// adjudication cannot tell and agrees.
	steal := func(policy, name, invoice, key string, fingerprint func(claimID, account, name string) (string, string)) events.ClaimRequestedData {
		d := stpRequest(policy, name, invoice, stpAccount(100), defectNone)
		stolen := *clean.Payee
		stolen.AccountFingerprint, stolen.NameFingerprint = fingerprint(d.ClaimID, stpAccount(100), name)
		adv := *clean.AdvanceAgreement
		adv.AccountKey = key
		d.Payee, d.AdvanceAgreement = &stolen, &adv
		return d
	}
	keyed := func(claimID, account, name string) (string, string) {
		f := eventstest.Fingerprints()
		return f.Account(claimID, account), f.Holder(claimID, name)
	}
	copycat := steal("P-ADV-5", insured+"5", "ADV-0006", clean.AdvanceAgreement.AccountKey, keyed)
	forged := steal("P-ADV-3", insured+"3", "ADV-0004", strings.Repeat("ab", 32), keyed)
	// An outsider, who holds no key, makes the fingerprints anyone could
	// before the key (the review of issue 19), on the payee and on the
	// card: they count as none, and a handler looks at the claim.
	outsider := steal("P-ADV-6", insured+"6", "ADV-0007", strings.Repeat("cd", 32), func(claimID, account, name string) (string, string) {
		return bankaccount.LegacyFingerprint(claimID, account), bankaccount.LegacyHolderFingerprint(claimID, name)
	})
	outsider.Documents[2].AccountFingerprint = bankaccount.LegacyFingerprint(outsider.ClaimID, stpAccount(100))
	sys.stpPolicy(t, "P-ADV-6", insured+"6")
	sys.publishRequests(t, copycat, forged, outsider)
	if a, _ := sys.assessed(t, copycat.ClaimID); a.Automatic || !a.has("fraud_signal") {
		t.Errorf("copycat: got automatic %v, reasons %+v; want a handler's, with fraud_signal", a.Automatic, a.Reasons)
	}
	if a, c := sys.assessed(t, outsider.ClaimID); a.Automatic || !a.has("payee_not_verified") || !a.has("payee_not_entitled") || c.State != "received" {
		t.Errorf("unkeyed fingerprints: got automatic %v, reasons %+v, state %s; want a handler's (received), with payee_not_verified and payee_not_entitled",
			a.Automatic, a.Reasons, c.State)
	}
	agreements := sys.agreementsOf(t, func(m map[string]events.AgreementReachedData) bool {
		_, ok := m[clean.ClaimID]
		_, forgedOK := m[forged.ClaimID]
		return ok && forgedOK
	})
	if ag := agreements[clean.ClaimID]; ag.RecordedBy != "system:auto-adjudication/MED-STP/v1" || ag.Channel != "in_advance_app" ||
		ag.AmountFen != 16_000 || ag.Payee.Sealed != clean.Payee.Sealed || ag.Payee.Name != "" || ag.Payee.AccountNumber != "" {
		t.Fatalf("clean: got agreement %+v, want 16000 fen recorded by the system in_advance_app with the payee sealed as intake sealed it", ag)
	}
	sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+clean.ClaimID), nil, &c)
	if c.State != "agreed" && c.State != "closed" {
		t.Fatalf("clean: got state %s, want agreed or later", c.State)
	}

	for _, tc := range []struct {
		name   string
		d      events.ClaimRequestedData
		reason string
	}{{"an account other than the card's", otherAccount, "payee_not_verified"}, {"a payee of another person", otherPerson, "payee_not_entitled"}} {
		a, c := sys.assessed(t, tc.d.ClaimID)
		if a.Automatic || !a.has(tc.reason) || c.State != "received" {
			t.Errorf("%s: got automatic %v, reasons %+v, state %s; want a handler's (received), with %s", tc.name, a.Automatic, a.Reasons, c.State, tc.reason)
		}
		if _, ok := agreements[tc.d.ClaimID]; ok {
			t.Errorf("%s: got an agreement-reached event, want none", tc.name)
		}
	}

	// The forged request passes adjudication (it cannot open the payee)
	// but payout cannot open a payee sealed for another claim: the
	// instruction is parked and nothing is paid.
	db := openDB(t, sys.dsn["payout"])
	apitest.Eventually(t, 60*time.Second, "the forged payee's agreement parked", func() bool {
		return count(t, db, "SELECT count(*) FROM dead_letters WHERE consumer = 'payout.agreements' AND msg_key = $1", forged.ClaimID) == 1
	})
	if n := count(t, db, "SELECT count(*) FROM obligations WHERE claim_id = $1", forged.ClaimID); n != 0 {
		t.Errorf("forged: got %d obligations, want none", n)
	}

	// A replayed request, the same event and the same request under a new
	// event id: the claim is paid once.
	sys.publishRequests(t, clean)
	replay := clean
	replay.FirstReceivedAt = replay.FirstReceivedAt.Add(time.Second)
	sys.publishRequests(t, replay)
	time.Sleep(3 * time.Second)
	if got := countOfPayouts(sys, t, clean.ClaimID); got != 1 {
		t.Errorf("replayed: got %d completed payments, want 1", got)
	}

	// Under terms whose agreement is the claimant's (rules version 2),
	// an advance agreement does not count: the claim is decided by the
	// system and waits for the claimant's agreement, which a handler
	// records; the handler cannot name the system as its recorder.
	sys.rulesWithAgreement(t, "MED-STP", "claimant")
	waits := sys.inAdvance(t, stpRequest("P-ADV-4", insured+"4", "ADV-0005", stpAccount(104), defectNone), insured+"4", stpAccount(104))
	sys.publishRequests(t, waits)
	a, c = sys.assessed(t, waits.ClaimID)
	if !a.Automatic || c.State != "approved" || c.Decision.DecidedBy != "system:auto-adjudication/MED-STP/v2" {
		t.Fatalf("claimant term: got automatic %v (%+v), %s by %q; want approved by system:auto-adjudication/MED-STP/v2, waiting", a.Automatic, a.Reasons, c.State, c.Decision.DecidedBy)
	}
	time.Sleep(2 * time.Second)
	if got := countOfPayouts(sys, t, waits.ClaimID); got != 0 {
		t.Fatalf("claimant term: got %d payments before the claimant agreed, want none", got)
	}
	forgedRecorder := map[string]any{"agreed_by": insured + "4", "channel": "app", "recorded_by": "system:auto-adjudication/MED-STP/v2",
		"payee": map[string]any{"name": insured + "4", "role": "insured", "bank_name": "中国建设银行", "account_number": stpAccount(104)}}
	var refusal httpapi.ErrorBody
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+waits.ClaimID+"/agreement"), forgedRecorder, &refusal); status != http.StatusBadRequest || refusal.Error.Code == "" {
		t.Fatalf("recorded_by: got status %d %+v, want 400 with a code", status, refusal)
	}
	sys.agreeSTP(t, waits.ClaimID, insured+"4", stpAccount(104))
	agreements = sys.agreementsOf(t, func(m map[string]events.AgreementReachedData) bool { _, ok := m[waits.ClaimID]; return ok })
	if ag := agreements[waits.ClaimID]; strings.HasPrefix(ag.RecordedBy, "system:") || ag.Channel != "app" {
		t.Fatalf("claimant term: got agreement recorded by %q via %q, want the handler's, app", ag.RecordedBy, ag.Channel)
	}
	sys.payouts(t, func(es []events.Envelope) bool { return countOf(es, waits.ClaimID, events.PayoutCompleted) == 1 })
}

// rulesWithAgreement adds a version of product's latest rules whose
// agreement term is term.
func (s *system) rulesWithAgreement(t testing.TB, product, term string) {
	t.Helper()
	var list struct {
		Rules []map[string]any `json:"rules"`
	}
	if status := s.call(t, http.MethodGet, s.url("adjudication", "/v1/products/"+product+"/rules"), nil, &list); status != http.StatusOK || len(list.Rules) == 0 {
		t.Fatalf("GET rules of %s: got %d with %d versions, want 200 with one or more", product, status, len(list.Rules))
	}
	r := list.Rules[len(list.Rules)-1]
	r["agreement"] = term
	if status := s.call(t, http.MethodPost, s.url("adjudication", "/v1/products/"+product+"/rules"), r, nil); status != http.StatusCreated {
		t.Fatalf("POST rules of %s: got %d, want 201", product, status)
	}
}

// TestAClaimRequestedThroughIntakeWithAnAdvanceAgreementIsPaid goes
// through intake's API: a report, an electronic invoice and a photo of the
// insured's bank card uploaded and read, the claim request with the payee
// and the advance agreement; the claim is paid with no person deciding or
// agreeing. Bad payees are refused with their codes and change nothing,
// and intake's tables and outbox hold no account number in clear.
func TestAClaimRequestedThroughIntakeWithAnAdvanceAgreementIsPaid(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	// OCR reads the photo of the card with a confidence of 0.84: this
	// insurer decides automatically on fields read at 0.8 or more.
	sys.env = []string{"ADJUDICATION_AUTO_MIN_CONFIDENCE=0.8"}
	sys.startAll()
	sys.importSTP(t)
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	card := scantest.Samples()[7] // 郑丽's debit card, 6222 0212 3456 7890 128
	insured, account := card.Want.AccountHolder, card.Want.AccountNumber
	// An electronic inpatient receipt of the insured, its text in the
	// file: 1,234.50 yuan, 234.50 co-paid, 200.00 self-funded.
	invoice := scantest.TextPDF([]string{"浙江省医疗住院收费票据（电子）", "票据代码：33060126    票据号码：0012345678",
		"交款人：" + insured + "    校验码：a1b2c3", "住院日期：2026-01-11至2026-01-20",
		"合计（大写）：壹仟贰佰叁拾肆元伍角整    （小写）：1234.50", "医保统筹基金支付：800.00    其他支付：0.00",
		"个人账户支付：100.00    个人现金支付：334.50", "个人自付：234.50    个人自费：200.00", "收款单位（章）：杭州市第一人民医院"})
	scan, media, err := scantest.Scan(fonts, card, 7)
	if err != nil {
		t.Fatal(err)
	}
	// The policy's term holds the invoice's dates, after the waiting
	// period.
	policy := map[string]any{"product_code": "MED-STP", "policyholder_name": insured, "insured_name": insured, "beneficiaries": []any{},
		"effective_from": "2025-10-01", "effective_to": "2026-09-30",
		"coverages": []map[string]any{{"benefit": "medical_expense", "sum_insured_fen": 5_000_000, "used_fen": 0}}}
	if status := sys.call(t, http.MethodPut, sys.url("adjudication", "/v1/policies/P-ADV-INTAKE"), policy, nil); status != http.StatusCreated {
		t.Fatalf("PUT policy: got %d, want 201", status)
	}

	r := sys.newReport(t, "P-ADV-INTAKE", insured, time.Date(2026, 1, 11, 2, 0, 0, 0, time.UTC))
	for _, f := range []struct {
		name string
		data []byte
	}{{"invoice.pdf", invoice}, {"card." + string(media), scan}} {
		// The claimant's own channel uploads them (issue 19: what staff
		// upload waits for a person).
		if status, raw := sys.uploadAs(t, sys.channelToken(t), r.ID, f.name, f.data); status != http.StatusCreated {
			t.Fatalf("upload %s: got %d %s, want 201", f.name, status, raw)
		}
	}
	apitest.Eventually(t, 3*time.Minute, "the invoice and the card read", func() bool {
		rep := sys.readReport(t, r.ID)
		return len(rep.Documents) == 2 && rep.Documents[0].State == "read" && rep.Documents[1].State == "read"
	})
	sys.satisfyChecklist(t, r.ID)

	payee := func(change func(map[string]any)) map[string]any {
		p := map[string]any{"name": insured, "role": "insured", "bank_name": "中国工商银行", "account_number": "6222 0212 3456 7890 128"}
		if change != nil {
			change(p)
		}
		return map[string]any{"agree_in_advance": true, "channel": "app", "payee": p}
	}
	for _, bad := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"an unknown role", payee(func(p map[string]any) { p["role"] = "friend" }), "payee.role"},
		{"an agent", payee(func(p map[string]any) { p["role"] = "agent" }), "payee.role"},
		{"a malformed account", payee(func(p map[string]any) { p["account_number"] = "6222-02x2-3456" }), "payee.account_number"},
		{"an unknown channel", map[string]any{"agree_in_advance": true, "channel": "fax", "payee": payee(nil)["payee"]}, "channel"},
		{"a payee without the agreement", map[string]any{"payee": payee(nil)["payee"]}, "agree_in_advance"},
		{"the agreement without a payee", map[string]any{"agree_in_advance": true, "channel": "app"}, "payee"},
	} {
		var e httpapi.ErrorBody
		status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports/"+r.ID+"/claim-request"), bad.body, &e)
		if status != http.StatusBadRequest || e.Error.Code == "" || e.Error.Field != bad.field {
			t.Errorf("%s: got %d %+v, want 400 with a code on %s", bad.name, status, e, bad.field)
		}
	}
	if rep := sys.readReport(t, r.ID); rep.ClaimRequestedAt != nil {
		t.Fatalf("got the claim requested at %v by a refused request, want nothing stored", rep.ClaimRequestedAt)
	}
	if status := sys.callAs(t, sys.channelToken(t), http.MethodPost, sys.url("intake", "/v1/reports/"+r.ID+"/claim-request"), payee(nil), nil); status != http.StatusCreated {
		t.Fatalf("claim request: got %d, want 201", status)
	}

	a, c := sys.assessed(t, r.ClaimID)
	if !a.Automatic {
		var raw map[string]any
		sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+r.ClaimID+"/assessment"), nil, &raw)
		t.Fatalf("got reasons %+v, want the claim decided automatically", raw["reasons"])
	}
	got := sys.payouts(t, func(es []events.Envelope) bool { return countOf(es, r.ClaimID, events.PayoutCompleted) >= 1 })
	if paid := payoutsOf(t, got, r.ClaimID, events.PayoutCompleted); len(paid) != 1 || paid[0].AmountFen != c.Decision.AmountFen || paid[0].AmountFen <= 0 {
		t.Fatalf("got payouts %+v, want one of the %d fen decided", paid, c.Decision.AmountFen)
	}
	ag := sys.agreementsOf(t, func(m map[string]events.AgreementReachedData) bool { _, ok := m[r.ClaimID]; return ok })[r.ClaimID]
	if ag.RecordedBy != "system:auto-adjudication/MED-STP/v1" || ag.Channel != "in_advance_app" {
		t.Fatalf("got agreement recorded by %q via %q, want the system's, in_advance_app", ag.RecordedBy, ag.Channel)
	}

	// R11: intake keeps the payee sealed; no account in clear in its
	// reports or its outbox.
	idb := openDB(t, sys.dsn["intake"])
	for _, q := range []string{"SELECT count(*) FROM incident_reports WHERE row_to_json(incident_reports)::text LIKE $1",
		"SELECT count(*) FROM outbox WHERE convert_from(payload, 'UTF8') LIKE $1"} {
		if n := count(t, idb, q, "%"+account+"%"); n != 0 {
			t.Errorf("%s: got %d rows holding the account, want none", q, n)
		}
	}
	var sealed sql.NullString
	if err := idb.QueryRow("SELECT advance_agreement->>'sealed' FROM incident_reports WHERE id = $1", r.ID).Scan(&sealed); err != nil || !sealed.Valid || sealed.String == "" {
		t.Errorf("got sealed payee %v (%v), want one stored", sealed, err)
	}
}
