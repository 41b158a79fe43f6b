// Package events holds the contracts between the services: the envelope every
// event travels in, the event types with their payloads, and the topics.
// These are public contracts; see events.md beside this file. A change that
// breaks a consumer needs a new schema version, never an edit in place.
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SpecVersion is the CloudEvents version the envelope follows (structured
// content mode of the CloudEvents Kafka protocol binding).
const SpecVersion = "1.0"

// ContentType is the Kafka content-type header value of an envelope.
const ContentType = "application/cloudevents+json; charset=UTF-8"

// Envelope is what every event on every topic looks like. The claim id is
// both Subject, ClaimID and the Kafka message key, so a claim's events stay in
// one partition and in order.
type Envelope struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Source          string          `json:"source"`
	Subject         string          `json:"subject"`
	Time            time.Time       `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	SchemaVersion   int             `json:"schemaversion"`
	ClaimID         string          `json:"claimid"`
	Data            json.RawMessage `json:"data"`
	// Signature and SignatureKeyID are CloudEvents extension attributes
	// carried by signed payment instructions (package signing): the
	// producer's Ed25519 signature of the envelope's canonical form, in
	// standard base64, and the id of the key that made it. Other events
	// leave them out.
	Signature      string `json:"signature,omitempty"`
	SignatureKeyID string `json:"signaturekeyid,omitempty"`
	// TraceParent is the CloudEvents distributed-tracing extension
	// attribute: the W3C trace context of the span that stored the event
	// (package tracing), so the consumer's span continues that trace.
	// It is transport metadata, set when the event enters the outbox and
	// left out of the signed canonical form (package signing).
	TraceParent string `json:"traceparent,omitempty"`
}

// New wraps data in an envelope with a fresh id. Producer is the service name.
func New(eventType Type, producer, claimID string, at time.Time, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s data: %w", eventType.Name, err)
	}
	return Envelope{
		SpecVersion:     SpecVersion,
		ID:              uuid.NewString(),
		Type:            eventType.Name,
		Source:          producer,
		Subject:         claimID,
		Time:            at.UTC(),
		DataContentType: "application/json",
		SchemaVersion:   eventType.Version,
		ClaimID:         claimID,
		Data:            raw,
	}, nil
}

// ErrMalformed marks an envelope that can never be processed; a consumer
// parks it instead of retrying it forever.
var ErrMalformed = errors.New("malformed event")

// Decode parses and checks an envelope read from Kafka.
func Decode(value []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(value, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case e.SpecVersion != SpecVersion:
		return Envelope{}, fmt.Errorf("%w: specversion %q, want %q", ErrMalformed, e.SpecVersion, SpecVersion)
	case e.ID == "":
		return Envelope{}, fmt.Errorf("%w: no id", ErrMalformed)
	case e.Type == "":
		return Envelope{}, fmt.Errorf("%w: no type", ErrMalformed)
	case e.ClaimID == "":
		return Envelope{}, fmt.Errorf("%w: no claim id", ErrMalformed)
	case e.SchemaVersion < 1:
		return Envelope{}, fmt.Errorf("%w: schema version %d", ErrMalformed, e.SchemaVersion)
	case len(e.Data) == 0 || string(e.Data) == "null":
		// "data": null would decode into a zero payload without error.
		return Envelope{}, fmt.Errorf("%w: no data", ErrMalformed)
	}
	return e, nil
}

// DecodeData parses the payload of e into v, checking the type and version.
func DecodeData(e Envelope, t Type, v any) error {
	if e.Type != t.Name {
		return fmt.Errorf("%w: type %q, want %q", ErrMalformed, e.Type, t.Name)
	}
	if e.SchemaVersion != t.Version {
		return fmt.Errorf("%w: %s schema version %d, want %d", ErrMalformed, e.Type, e.SchemaVersion, t.Version)
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("%w: %s data: %v", ErrMalformed, e.Type, err)
	}
	return nil
}
