package outboxpg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/outbox/outboxpg"
)

// TestABatchStoresEachPayloadByteForByte stores events through BatchArg
// and InsertBatch (intake's group statement, issue 21) and holds each
// stored payload to the envelope's JSON: the argument carries the payloads
// as JSON values, and a reading that normalised them (jsonb orders keys and
// drops spaces, turns escapes into characters) would change the bytes the
// relay publishes and a signature's consumers verify. Data with escapes,
// characters beyond ASCII and line separators; one event's claim not
// selected stays out.
func TestABatchStoresEachPayloadByteForByte(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	data := []any{
		map[string]string{"name": "钱七", "note": "<a href=\"x\">&amp;</a>\u2028\u2029\\ \t\n"},
		map[string]any{"z": 1, "a": []int{3, 2, 1}, "m": map[string]string{"b": "2", "a": "1"}},
		map[string]string{"big": strings.Repeat("长", 3000)},
		map[string]string{"skipped": "yes"},
	}
	claims := []string{"CLM-B1", "CLM-B2", "CLM-B3", "CLM-OTHER"}
	var out []events.Outgoing
	for i, d := range data {
		e, err := events.New(events.IncidentReported, "intake", claims[i], time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), d)
		if err != nil {
			t.Fatal(err)
		}
		e.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
		out = append(out, events.Outgoing{Topic: "t.claims.intake.v1", Envelope: e})
	}
	arg, err := outboxpg.BatchArg(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`WITH sent AS (`+outboxpg.InsertBatch("?", "SELECT unnest(?::text[])")+` RETURNING 1) SELECT count(*) FROM sent`,
		arg, "{CLM-B1,CLM-B2,CLM-B3}").Error; err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		EventID string
		MsgKey  string
		Payload []byte
	}
	if err := db.Raw(`SELECT event_id, msg_key, payload FROM outbox ORDER BY id`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows stored, want 3", len(rows))
	}
	for i, r := range rows {
		want, err := json.Marshal(out[i].Envelope)
		if err != nil {
			t.Fatal(err)
		}
		if r.EventID != out[i].Envelope.ID || r.MsgKey != claims[i] {
			t.Errorf("row %d: got event %s of %s, want %s of %s", i, r.EventID, r.MsgKey, out[i].Envelope.ID, claims[i])
		}
		if !bytes.Equal(r.Payload, want) {
			t.Errorf("row %d: got payload\n%s\nwant\n%s", i, r.Payload, want)
		}
	}
}
