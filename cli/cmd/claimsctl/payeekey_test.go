package main

import (
	"bytes"
	"testing"

	"claims.local/pkg/sealed"
)

func TestPayeeKeyMakesAPairOnlyPayoutOpens(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runWith(env{stdout: &stdout, stderr: &stderr}, []string{"payee-key", "--id", "payout-1"}); code != exitOK {
		t.Fatalf("got exit %d (%s), want 0", code, stderr.String())
	}
	obj := decodeObject(t, stdout.String())
	private, _ := obj["private"].(string)
	public, _ := obj["public"].(string)
	s, err := sealed.ParseSealer(public)
	if err != nil {
		t.Fatalf("got %v parsing the public key, want it valid", err)
	}
	o, err := sealed.ParseOpener(private)
	if err != nil {
		t.Fatalf("got %v parsing the private key, want it valid", err)
	}
	box, err := s.Seal([]byte("6222020200112233445"), []byte("c1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := o.Open(box, []byte("c1")); err != nil || string(got) != "6222020200112233445" || obj["key_id"] != "payout-1" {
		t.Fatalf("got %q, %v under key %v, want the pair to match under payout-1", got, err, obj["key_id"])
	}
	// Attack: the public half, read as a private key, opens nothing.
	if wrong, err := sealed.ParseOpener(public); err == nil {
		if _, err := wrong.Open(box, []byte("c1")); err == nil {
			t.Fatalf("got the public key opening the envelope, want only the private key to")
		}
	}
	if code := runWith(env{stdout: &stdout, stderr: &stderr}, []string{"payee-key"}); code != exitUsage {
		t.Fatalf("without --id: got exit %d, want %d", code, exitUsage)
	}
}
