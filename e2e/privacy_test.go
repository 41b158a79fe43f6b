package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/document/scantest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/postgres/pgtest"
)

// readRaw returns the value of every message of topic written so far.
func readRaw(t testing.TB, brokers kafkabus.Cluster, topic string, within time.Duration) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	parts := topicPartitions(ctx, t, brokers, topic)
	var out [][]byte
	for _, p := range parts {
		leader, err := brokers.Dialer(10*time.Second).DialLeader(ctx, "tcp", brokers.Brokers[0], topic, p.ID)
		if err != nil {
			t.Fatalf("dial the leader of %s/%d: %v", topic, p.ID, err)
		}
		first, last, err := leader.ReadOffsets()
		leader.Close()
		if err != nil {
			t.Fatalf("offsets of %s/%d: %v", topic, p.ID, err)
		}
		if last <= first {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers.Brokers, Dialer: brokers.Dialer(10 * time.Second), Topic: topic, Partition: p.ID, MaxWait: 200 * time.Millisecond})
		if err := r.SetOffset(first); err != nil {
			t.Fatalf("seek %s/%d: %v", topic, p.ID, err)
		}
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("read %s/%d: got %v before offset %d, want every message", topic, p.ID, err, last)
			}
			out = append(out, m.Value)
			if m.Offset >= last-1 {
				break
			}
		}
		r.Close()
	}
	return out
}

// TestNoPersonalDataInLogsAndPayeesSealedAtRest runs a claim with personal
// data everywhere it can go (the insured's and the beneficiary's names, a
// telephone number, an ID card read by OCR, a bank account; a reveal by
// finance) and then reads every line the three services logged: none holds
// any of it (R11). The payout database holds the account only as
// ciphertext.
func TestNoPersonalDataInLogsAndPayeesSealedAtRest(t *testing.T) {
	t.Parallel()
	sys := newSystem(t, kafkatest.Cluster(t))
	sys.startAll()
	const (
		insured     = "欧阳明远"
		beneficiary = "欧阳晓雪"
		phone       = "13912345678"
		account     = "6222600260009876543"
	)
	fonts, err := scantest.LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	idCard := scantest.Samples()[0] // 张伟, 110105198506150014
	personal := []string{insured, beneficiary, phone, account, idCard.Want.IDNumber, idCard.Want.Names[0]}

	var r intakeReport
	status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports"), map[string]any{
		"policy_number": "P-E2E-PRIVACY", "insured_name": insured, "incident_type": "medical",
		"incident_time": time.Now().Add(-48 * time.Hour).Format(time.RFC3339), "contact": phone,
		"reporter":    map[string]string{"name": beneficiary, "role": "beneficiary"},
		"beneficiary": map[string]string{"name": beneficiary, "relation": "child"},
	}, &r)
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/reports: got status %d, want 201", status)
	}
	data, media, err := scantest.Scan(fonts, idCard, 1)
	if err != nil {
		t.Fatal(err)
	}
	if status, raw := sys.upload(t, r.ID, "id."+string(media), data); status != http.StatusCreated {
		t.Fatalf("upload: got %d %s, want 201", status, raw)
	}
	apitest.Eventually(t, 60*time.Second, "the ID card read by OCR", func() bool {
		var list struct {
			Documents []struct {
				State string `json:"state"`
			} `json:"documents"`
		}
		sys.call(t, http.MethodGet, sys.url("intake", "/v1/reports/"+r.ID+"/documents"), nil, &list)
		return len(list.Documents) == 1 && list.Documents[0].State == "read"
	})
	sys.satisfyChecklist(t, r.ID)
	if status := sys.call(t, http.MethodPost, sys.url("intake", "/v1/reports/"+r.ID+"/claim-request"), nil, nil); status != http.StatusCreated {
		t.Fatalf("claim request: got %d, want 201", status)
	}
	apitest.Eventually(t, 60*time.Second, "case opened", func() bool {
		return sys.call(t, http.MethodGet, sys.url("adjudication", "/v1/cases/"+r.ClaimID), nil, nil) == http.StatusOK
	})
	sys.approve(t, r.ClaimID, 88_800)
	// The insured is paid: without policy data the beneficiary cannot be
	// verified as entitled (issue 14).
	agreement := map[string]any{"agreed_by": insured, "channel": "signed_form", "payee": map[string]any{
		"name": insured, "role": "insured", "bank_name": "中国工商银行", "account_number": account}}
	if status := sys.call(t, http.MethodPost, sys.url("adjudication", "/v1/cases/"+r.ClaimID+"/agreement"), agreement, nil); status != http.StatusOK {
		t.Fatalf("agreement: got %d, want 200", status)
	}
	var list struct {
		Obligations []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"obligations"`
	}
	apitest.Eventually(t, 60*time.Second, "payout completed", func() bool {
		sys.call(t, http.MethodGet, sys.url("payout", "/v1/obligations?claim_id="+r.ClaimID), nil, &list)
		return len(list.Obligations) == 1 && list.Obligations[0].State == "completed"
	})
	var revealed struct {
		AccountNumber string `json:"account_number"`
	}
	if status := sys.call(t, http.MethodPost, sys.url("payout", "/v1/obligations/"+list.Obligations[0].ID+"/payee/reveal"),
		map[string]string{"reason": "e2e: confirm the account with the bank"}, &revealed); status != http.StatusOK || revealed.AccountNumber != account {
		t.Fatalf("reveal: got %d %+v, want 200 with the account", status, revealed)
	}

	for name, p := range sys.procs {
		logs := p.out.String()
		if !strings.Contains(logs, `"msg":"http request"`) {
			t.Fatalf("%s: got no access log lines, want the logs this test reads", name)
		}
		for _, line := range strings.Split(logs, "\n") {
			for _, secret := range personal {
				if strings.Contains(line, secret) {
					t.Errorf("%s logged personal data %q: %s", name, secret, line)
				}
			}
		}
	}

	// Issue 17: no topic, no outbox row (sent or not) and no dead letter of
	// any service holds the full account or ID number.
	for _, full := range []string{account, idCard.Want.IDNumber} {
		for _, topic := range sys.topics.All() {
			for _, m := range readRaw(t, sys.brokers, topic.Name, 30*time.Second) {
				if strings.Contains(string(m), full) {
					t.Errorf("topic %s holds %q in clear: %s", topic.Name, full, m)
				}
			}
		}
		for _, name := range []string{"intake", "adjudication", "payout"} {
			sdb := pgtest.Open(t, sys.dsn[name], 1)
			for _, table := range []string{"outbox", "dead_letters"} {
				var found int64
				if err := sdb.Raw(`SELECT count(*) FROM `+table+` x WHERE row_to_json(x)::text LIKE ?`, "%"+full+"%").Scan(&found).Error; err != nil {
					t.Fatalf("%s: scan %s: %v", name, table, err)
				}
				if found != 0 {
					t.Errorf("%s: got %d rows of %s holding %q in clear, want none", name, found, table, full)
				}
			}
		}
	}

	db := pgtest.Open(t, sys.dsn["payout"], 1)
	var rows []json.RawMessage
	if err := db.Raw(`SELECT row_to_json(o) FROM obligations o WHERE claim_id = ?`, r.ClaimID).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("got %d obligation rows, want 1", len(rows))
	}
	for _, secret := range []string{account, insured} {
		if strings.Contains(string(rows[0]), secret) {
			t.Fatalf("got the obligation row %s holding %q in clear, want it sealed", rows[0], secret)
		}
	}
}
