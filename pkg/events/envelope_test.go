package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/events"
)

// valid is a well-formed claim-requested envelope as it travels on Kafka.
const valid = `{"specversion":"1.0","id":"8d0c5f6e-0000-4000-8000-000000000001","type":"claims.intake.claim-requested",
"source":"intake","subject":"c1","time":"2026-09-30T08:20:00Z","datacontenttype":"application/json",
"schemaversion":1,"claimid":"c1","data":{"claim_id":"c1","report_id":"r1","policy_number":"P-1",
"insured_name":"张三","incident_type":"medical","incident_time":"2026-09-28T02:00:00Z","first_received_at":"2026-09-30T08:20:00Z"}}`

// with returns valid with one member replaced (or removed when value is "").
func with(t *testing.T, member, value string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(valid), &m))
	if value == "" {
		delete(m, member)
	} else {
		m[member] = json.RawMessage(value)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestDecodeAcceptsAWellFormedEnvelope(t *testing.T) {
	e, err := events.Decode([]byte(valid))
	require.NoError(t, err)
	if e.ID != "8d0c5f6e-0000-4000-8000-000000000001" || e.Type != events.ClaimRequested.Name || e.ClaimID != "c1" ||
		e.SchemaVersion != 1 || e.Source != "intake" || e.Subject != "c1" ||
		!e.Time.Equal(time.Date(2026, 9, 30, 8, 20, 0, 0, time.UTC)) {
		t.Fatalf("got %+v, want the fields of the document", e)
	}
}

func TestDecodeRejectsMalformedEnvelopes(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{"empty", ``},
		{"not JSON", `hello`},
		{"truncated", valid[:40]},
		{"JSON null", `null`},
		{"array", `[]`},
		{"string", `"event"`},
		{"empty object", `{}`},
		{"no specversion", with(t, "specversion", "")},
		{"other specversion", with(t, "specversion", `"0.3"`)},
		{"specversion as a number", with(t, "specversion", `1.0`)},
		{"no id", with(t, "id", "")},
		{"empty id", with(t, "id", `""`)},
		{"no type", with(t, "type", "")},
		{"empty type", with(t, "type", `""`)},
		{"no claim id", with(t, "claimid", "")},
		{"empty claim id", with(t, "claimid", `""`)},
		{"no schema version", with(t, "schemaversion", "")},
		{"schema version zero", with(t, "schemaversion", `0`)},
		{"negative schema version", with(t, "schemaversion", `-1`)},
		{"schema version as a string", with(t, "schemaversion", `"1"`)},
		{"fractional schema version", with(t, "schemaversion", `1.5`)},
		{"no data", with(t, "data", "")},
		{"null data", with(t, "data", `null`)},
		{"time not a time", with(t, "time", `"yesterday"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := events.Decode([]byte(tt.value))
			if !errors.Is(err, events.ErrMalformed) {
				t.Fatalf("got envelope %+v and error %v, want an error wrapping ErrMalformed", e, err)
			}
			if e.ID != "" || e.Data != nil {
				t.Fatalf("got envelope %+v with the error, want the zero envelope", e)
			}
		})
	}
}

func TestNewAndDecodeRoundTrip(t *testing.T) {
	at := time.Date(2026, 9, 30, 16, 20, 0, 123456000, time.FixedZone("CST", 8*3600))
	data := events.ClaimRequestedData{
		ClaimID: "c1", ReportID: "r1", PolicyNumber: "P-2026-000123", InsuredName: "张三", IncidentType: "medical",
		IncidentTime: time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC), FirstReceivedAt: at.UTC(),
	}
	e, err := events.New(events.ClaimRequested, "intake", "c1", at, data)
	require.NoError(t, err)

	if _, err := uuid.Parse(e.ID); err != nil {
		t.Fatalf("got id %q, want a UUID: %v", e.ID, err)
	}
	if e.SpecVersion != events.SpecVersion || e.Type != events.ClaimRequested.Name || e.Source != "intake" ||
		e.Subject != "c1" || e.ClaimID != "c1" || e.DataContentType != "application/json" ||
		e.SchemaVersion != events.ClaimRequested.Version {
		t.Fatalf("got envelope %+v, want the header of a claim-requested v1 event for claim c1 from intake", e)
	}
	if e.Time.Location() != time.UTC || !e.Time.Equal(at) {
		t.Fatalf("got time %v, want %v in UTC", e.Time, at)
	}

	b, err := json.Marshal(e)
	require.NoError(t, err)
	got, err := events.Decode(b)
	require.NoError(t, err)
	if !got.Time.Equal(e.Time) {
		t.Fatalf("got time %v after the round trip, want %v", got.Time, e.Time)
	}
	got.Time = e.Time
	require.Equal(t, e, got, "envelope after JSON round trip")

	var back events.ClaimRequestedData
	require.NoError(t, events.DecodeData(got, events.ClaimRequested, &back))
	require.Equal(t, data, back, "data after the round trip")

	// Two events never share an id.
	other, err := events.New(events.ClaimRequested, "intake", "c1", at, data)
	require.NoError(t, err)
	if other.ID == e.ID {
		t.Fatalf("got the same id %s for two events, want distinct ids", e.ID)
	}
}

func TestNewRefusesDataThatIsNotJSON(t *testing.T) {
	if _, err := events.New(events.ClaimDecided, "adjudication", "c1", time.Now(), make(chan int)); err == nil {
		t.Fatal("got no error for data that cannot be encoded, want one")
	}
}

func TestDecodeDataChecksTypeAndVersion(t *testing.T) {
	e, err := events.Decode([]byte(valid))
	require.NoError(t, err)

	var d events.ClaimRequestedData
	require.NoError(t, events.DecodeData(e, events.ClaimRequested, &d))
	if d.ClaimID != "c1" || d.InsuredName != "张三" {
		t.Fatalf("got %+v, want the data of the document", d)
	}

	tests := []struct {
		name    string
		e       events.Envelope
		t       events.Type
		wantMsg string
	}{
		{"other type", e, events.ClaimDecided, events.ClaimDecided.Name},
		{"newer schema version", func() events.Envelope { x := e; x.SchemaVersion = 2; return x }(), events.ClaimRequested, "version 2"},
		{"older type version", e, events.Type{Name: events.ClaimRequested.Name, Version: 2}, "want 2"},
		{"data of another shape", func() events.Envelope { x := e; x.Data = json.RawMessage(`{"claim_id":5}`); return x }(), events.ClaimRequested, "claim_id"},
		{"data not an object", func() events.Envelope { x := e; x.Data = json.RawMessage(`[1]`); return x }(), events.ClaimRequested, "data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v events.ClaimRequestedData
			err := events.DecodeData(tt.e, tt.t, &v)
			if !errors.Is(err, events.ErrMalformed) {
				t.Fatalf("got %v, want an error wrapping ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("got %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestTopicsArePrefixedAndPartitioned(t *testing.T) {
	topics := events.Topics{Prefix: "t1."}
	want := []events.TopicSpec{
		{Name: "t1.claims.intake.v1", Partitions: 6},
		{Name: "t1.claims.adjudication.v1", Partitions: 6},
		{Name: "t1.claims.payout.v1", Partitions: 6},
		{Name: "t1.claims.deadlines.v1", Partitions: 6},
		{Name: "t1.claims.calendar.v1", Partitions: 1},
		{Name: "t1.claims.notifications.v1", Partitions: 6},
		{Name: "t1.claims.catastrophes.v1", Partitions: 1, Compacted: true},
	}
	require.Equal(t, want, topics.All())
	if got := (events.Topics{}).Payout(); got != "claims.payout.v1" {
		t.Fatalf("got production payout topic %q, want claims.payout.v1", got)
	}
}
