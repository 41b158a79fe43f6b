// Package secrets refuses, at start-up, secret values that are not secret:
// the example and placeholder values published in this repository (issue
// 15: the example keys of deployments/ were valid keys, so anyone who read
// the repository could sign a token or unseal payee details of an
// installation that kept them), short keys and low-entropy values. Every
// binary passes each secret it reads through Key or Text before it uses it.
package secrets

import (
	"fmt"
	"math"
	"strings"
)

// MinKeyBytes is the shortest key accepted: 256 bits.
const MinKeyBytes = 32

// MinTextChars is the shortest text secret (a password, a client secret)
// accepted, and MinTextBits the least entropy it must show, estimated from
// its character frequencies.
const (
	MinTextChars = 20
	MinTextBits  = 96
)

// placeholders are words that only example values contain.
var placeholders = []string{"change-me", "changeme", "change_me", "replace", "placeholder", "example", "sample",
	"dummy", "secret", "password", "passwd", "todo", "fixme", "default", "insecure", "xxxxxx", "000000"}

// published are secrets that have appeared in this repository's manifests
// (deployments/, before issue 15): valid keys in form, refused by name.
var published = []string{
	"change-me-change-me-change-me-0000",
	"replace-with-32-or-more-random-bytes-000000",
	"Y2hhbmdlLW1lLWNoYW5nZS1tZS1jaGFuZ2UtbWUtMDA=",
	"cmVwbGFjZS13aXRoLTMyLXJhbmRvbS1ieXRlcy0wMDA=",
}

// Key checks a binary key (an AES key, a signing key's seed): at least
// MinKeyBytes, bytes that look random (not printable text, not a few
// repeated values), and not a published example.
func Key(name string, key []byte) error {
	if len(key) < MinKeyBytes {
		return fmt.Errorf("%s: the key has %d bytes, want %d or more random bytes", name, len(key), MinKeyBytes)
	}
	printable := true
	for _, b := range key {
		if b < 0x20 || b > 0x7e {
			printable = false
			break
		}
	}
	if printable {
		// 32 random bytes are all printable ASCII with odds of (95/256)^32,
		// about 1e-14: such a key was typed, not generated.
		if err := Text(name, string(key)); err != nil {
			return err
		}
		return fmt.Errorf("%s: the key is printable text, not random bytes; generate one (head -c 32 /dev/urandom | base64)", name)
	}
	if distinct(key) < len(key)/3 || bitsPerByte(key) < 3.5 {
		return fmt.Errorf("%s: the key's bytes repeat too much to be random; generate one (head -c 32 /dev/urandom | base64)", name)
	}
	return nil
}

// Text checks a secret typed as text (a password, a client secret, the
// secret part of "id:secret"): at least MinTextChars, no placeholder word,
// not a published example, and at least MinTextBits of estimated entropy.
func Text(name, value string) error {
	v := value
	if _, after, ok := strings.Cut(v, ":"); ok && !strings.Contains(v, "://") {
		v = after
	}
	for _, p := range published {
		if strings.Contains(value, p) {
			return fmt.Errorf("%s: this is an example value published in the repository; create your own secret", name)
		}
	}
	lower := strings.ToLower(v)
	for _, w := range placeholders {
		if strings.Contains(lower, w) {
			return fmt.Errorf("%s: the value contains %q, a placeholder; create a random secret", name, w)
		}
	}
	if len(v) < MinTextChars {
		return fmt.Errorf("%s: the secret has %d characters, want %d or more", name, len(v), MinTextChars)
	}
	if bits := bitsPerByte([]byte(v)) * float64(len(v)); bits < MinTextBits || bitsPerByte([]byte(v)) < 3 {
		return fmt.Errorf("%s: the secret is too predictable (about %.0f bits); create a random one", name, bits)
	}
	return nil
}

func distinct(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	return n
}

// bitsPerByte is the Shannon entropy of b's byte frequencies.
func bitsPerByte(b []byte) float64 {
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	h := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(len(b))
			h -= p * math.Log2(p)
		}
	}
	return h
}
