package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/kafkabus/kafkatest"
)

// commonNames is the attacker's dictionary of names: the most common
// Chinese given names under the most common surnames, and the payee's.
func commonNames() []string {
	var out []string
	for _, surname := range []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"} {
		for _, given := range []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "三丰"} {
			out = append(out, surname+given)
		}
	}
	return out
}

// hexOf is the digest part of a fingerprint as read off the topic: the
// value itself when it is a bare digest, its last part after the colons of
// a versioned one.
func hexOf(fingerprint string) string {
	return fingerprint[strings.LastIndex(fingerprint, ":")+1:]
}

// bruteForceAccount tries every 16-digit card number of the bank's prefix
// bin ending in last4 against fingerprint under the published scheme
// (SHA-256 of "claim:digits"), as a reader of the topic who guesses the
// bank can: 10⁶ numbers (10⁵ of them pass the Luhn check; all are tried).
// It returns the account found, "" when none.
func bruteForceAccount(claimID, bin, last4, fingerprint string) string {
	want := hexOf(fingerprint)
	for middle := range 1_000_000 {
		account := fmt.Sprintf("%s%06d%s", bin, middle, last4)
		sum := sha256.Sum256([]byte(claimID + ":" + account))
		if hex.EncodeToString(sum[:]) == want {
			return account
		}
	}
	return ""
}

// dictionaryName tries names against a name fingerprint under the
// published scheme (SHA-256 of "name:claim:name"); "" when none matches.
func dictionaryName(claimID, fingerprint string, names []string) string {
	want := hexOf(fingerprint)
	for _, n := range names {
		sum := sha256.Sum256([]byte("name:" + claimID + ":" + n))
		if hex.EncodeToString(sum[:]) == want {
			return n
		}
	}
	return ""
}

// TestAReaderOfTheTopicsCannotRecoverThePayeeFromItsFingerprints is the
// attack of the review on the payee sealed for payout (issue 17, R11): a
// claim is requested through intake with an advance agreement paying a
// 16-digit bank card; someone who reads the intake topic (the broker's
// read rights, nothing of the services) takes the claim-requested event's
// last four digits and fingerprints, guesses the bank's card prefix, tries
// the numbers left and a dictionary of common names. Under the keyed
// fingerprint (HMAC-SHA-256 under the services' fingerprint key) neither
// the account nor the name is found.
func TestAReaderOfTheTopicsCannotRecoverThePayeeFromItsFingerprints(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.start("intake")
	sys.waitReady("intake")
	const bin, account, name = "622202", "6222027182635542", "张三丰"

	r := sys.newReport(t, "P-FP-READER", name, time.Date(2026, 1, 11, 2, 0, 0, 0, time.UTC))
	sys.satisfyChecklist(t, r.ID)
	body := map[string]any{"agree_in_advance": true, "channel": "app",
		"payee": map[string]any{"name": name, "role": "insured", "bank_name": "中国工商银行", "account_number": account}}
	if status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports/"+r.ID+"/claim-request"), body, nil); status != http.StatusCreated {
		t.Fatalf("claim request: got %d, want 201", status)
	}

	var payee *events.Payee
	readTopic(t, sys.brokers, sys.topics.Intake(), 60*time.Second, func(es []events.Envelope) bool {
		for _, e := range es {
			var d events.ClaimRequestedData
			if e.ClaimID == r.ClaimID && e.Type == events.ClaimRequested.Name && events.DecodeData(e, events.ClaimRequested, &d) == nil {
				payee = d.Payee
			}
		}
		return payee != nil
	})
	if payee.AccountLast4 != account[12:] || payee.AccountFingerprint == "" || payee.NameFingerprint == "" {
		t.Fatalf("got payee %+v on the topic, want the last four digits %s and both fingerprints", payee, account[12:])
	}
	if got := bruteForceAccount(r.ClaimID, bin, payee.AccountLast4, payee.AccountFingerprint); got != "" {
		t.Errorf("brute force of the account fingerprint %s: got the account %s, want nothing found", payee.AccountFingerprint, got)
	}
	if got := dictionaryName(r.ClaimID, payee.NameFingerprint, commonNames()); got != "" {
		t.Errorf("dictionary on the name fingerprint %s: got the name %s, want nothing found", payee.NameFingerprint, got)
	}
}
