package main

import (
	"bytes"
	"testing"

	"claims.local/pkg/events"
	"claims.local/pkg/events/signing"
)

func TestSigningKeyMakesAPairPayoutTrusts(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runWith(env{stdout: &stdout, stderr: &stderr}, []string{"signing-key", "--id", "adj-1"}); code != exitOK {
		t.Fatalf("got exit %d (%s), want 0", code, stderr.String())
	}
	obj := decodeObject(t, stdout.String())
	private, _ := obj["private"].(string)
	public, _ := obj["public"].(string)
	signer, err := signing.ParseSigner(private)
	if err != nil {
		t.Fatalf("got %v parsing the private key, want it valid", err)
	}
	trusted, err := signing.ParseTrusted("adjudication", public)
	if err != nil {
		t.Fatalf("got %v parsing the public key, want it valid", err)
	}
	e, err := signer.Sign(events.Envelope{SpecVersion: "1.0", ID: "e1", Type: "t", Source: "adjudication", ClaimID: "c1", Data: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	if err := trusted.Verify(e); err != nil || obj["key_id"] != "adj-1" {
		t.Fatalf("got %v verifying with key %v, want the pair to match under adj-1", err, obj["key_id"])
	}
	var again bytes.Buffer
	runWith(env{stdout: &again, stderr: &stderr}, []string{"signing-key", "--id", "adj-1"})
	if decodeObject(t, again.String())["private"] == private {
		t.Fatalf("got the same key twice, want a fresh one each time")
	}
	if code := runWith(env{stdout: &stdout, stderr: &stderr}, []string{"signing-key"}); code != exitUsage {
		t.Fatalf("without --id: got exit %d, want %d", code, exitUsage)
	}
}
