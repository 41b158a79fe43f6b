package events_test

import (
	"encoding/json"
	"errors"
	"testing"

	"claims.local/pkg/events"
)

// FuzzDecode checks that Decode never panics, that every failure is
// ErrMalformed (so a consumer parks the message instead of retrying it
// forever), and that whatever it accepts satisfies the envelope's rules and
// survives a re-encoding. The seed corpus runs with every go test.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		valid,
		``,
		`null`,
		`{}`,
		`[]`,
		`"x"`,
		`{"specversion":"1.0"}`,
		`{"specversion":"1.0","id":"a","type":"t","claimid":"c","schemaversion":1,"data":{}}`,
		`{"specversion":"1.0","id":"a","type":"t","claimid":"c","schemaversion":1,"data":null}`,
		`{"specversion":"1.0","id":"a","type":"t","claimid":"c","schemaversion":9223372036854775808,"data":1}`,
		`{"specversion":"1.0","id":"a","type":"t","claimid":"c","schemaversion":1,"data":"\ud800"}`,
		`{"specversion":"1.0","id":"a","type":"t","claimid":"c","schemaversion":1,"time":"0000-01-01T00:00:00Z","data":[]}`,
		`{"data":{"a":{"b":{"c":[[[[[[]]]]]]}}}}`,
		"{\"id\":\"\xff\xfe\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		e, err := events.Decode(value)
		if err != nil {
			if !errors.Is(err, events.ErrMalformed) {
				t.Fatalf("got error %v, want one wrapping ErrMalformed", err)
			}
			return
		}
		if e.SpecVersion != events.SpecVersion || e.ID == "" || e.Type == "" || e.ClaimID == "" ||
			e.SchemaVersion < 1 || len(e.Data) == 0 || string(e.Data) == "null" {
			t.Fatalf("got accepted envelope %+v, want one that satisfies the envelope rules", e)
		}
		b, err := json.Marshal(e)
		if err != nil {
			// Data is valid JSON by now; only an unencodable time (year
			// outside 0-9999) may fail.
			return
		}
		again, err := events.Decode(b)
		if err != nil {
			t.Fatalf("got %v decoding the re-encoded envelope %s, want it accepted", err, b)
		}
		if again.ID != e.ID || again.Type != e.Type || again.ClaimID != e.ClaimID || again.SchemaVersion != e.SchemaVersion {
			t.Fatalf("got %+v after re-encoding, want %+v", again, e)
		}
	})
}
