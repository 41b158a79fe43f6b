package outboxpg

import (
	"encoding/json"
	"testing"
	"time"

	"claims.local/pkg/events"
)

// TestTheRelayReadsAnEventsTraceParentAsTheDecoderDoes holds traceParentOf
// to json.Unmarshal's reading of each payload (issue 21). The attack is a
// traceparent forged inside an event's data (a claimant's field named so)
// taken for the envelope's, which would put the publish in a trace the
// producer never started; the envelope's own must be read wherever the
// envelope ends.
func TestTheRelayReadsAnEventsTraceParentAsTheDecoderDoes(t *testing.T) {
	const real, forged = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01"
	envelope := func(data any, set func(*events.Envelope)) []byte {
		t.Helper()
		e, err := events.New(events.IncidentReported, "intake", "CLM-1", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), data)
		if err != nil {
			t.Fatal(err)
		}
		if set != nil {
			set(&e)
		}
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	traced := func(e *events.Envelope) { e.TraceParent = real }
	signed := func(e *events.Envelope) { e.Signature, e.SignatureKeyID = "c2ln", "key-1" }
	cases := []struct {
		name    string
		payload []byte
	}{
		{"traced", envelope(map[string]string{"a": "b"}, traced)},
		{"untraced", envelope(map[string]string{"a": "b"}, nil)},
		{"signed, untraced", envelope(map[string]string{"a": "b"}, signed)},
		{"signed and traced", envelope(map[string]string{"a": "b"}, func(e *events.Envelope) { signed(e); traced(e) })},
		{"a traceparent forged in the data, untraced", envelope(map[string]string{"traceparent": forged}, nil)},
		{"a traceparent forged in the data, traced", envelope(map[string]string{"traceparent": forged}, traced)},
		{"a traceparent forged in the data, signed, untraced", envelope(map[string]string{"traceparent": forged}, signed)},
		{"a traceparent forged in nested data", envelope(map[string]any{"x": map[string]string{"traceparent": forged}}, nil)},
		{"a traceparent forged in a string of the data", envelope(map[string]string{"note": `"traceparent":"` + forged + `"}`}, nil)},
		{"data a list", envelope([]string{"traceparent", forged}, nil)},
		{"keys in another order", []byte(`{"traceparent":"` + real + `","claimid":"CLM-1","data":{"traceparent":"` + forged + `"}}`)},
		{"keys in another order, the data last", []byte(`{"claimid":"CLM-1","data":{"traceparent":"` + forged + `"},"traceparent":"` + real + `"}`)},
		{"an escaped value", []byte(`{"claimid":"CLM-1","data":{},"traceparent":"00-\u0030"}`)},
		{"not JSON", []byte(`garbage"traceparent":"` + forged + `"}`)},
	}
	for _, c := range cases {
		var head struct {
			TraceParent string `json:"traceparent"`
		}
		_ = json.Unmarshal(c.payload, &head)
		if got := traceParentOf(c.payload); got != head.TraceParent {
			t.Errorf("%s: got traceparent %q, want %q (%s)", c.name, got, head.TraceParent, c.payload)
		}
	}
}
