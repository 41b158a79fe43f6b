package auth

import (
	"strconv"
	"testing"
	"time"
)

// TestTheTokenMemoryIsBounded: a flood of valid tokens (one per request,
// as a client that signs in for every call) does not grow the memory
// beyond rememberAtMost, and the latest token is kept.
func TestTheTokenMemoryIsBounded(t *testing.T) {
	m := newTokenMemory()
	now := time.Now()
	p := Principal{Subject: "s", Roles: []Role{Handler}}
	for i := range rememberAtMost + 500 {
		m.remember("token-"+strconv.Itoa(i), p, now, now.Add(time.Hour))
	}
	if got := m.size(); got > rememberAtMost {
		t.Fatalf("got %d tokens remembered, want at most %d", got, rememberAtMost)
	}
	last := "token-" + strconv.Itoa(rememberAtMost+499)
	if _, ok := m.recall(last, now); !ok {
		t.Fatalf("got the latest token forgotten, want it remembered")
	}
	if _, ok := m.recall(last, now.Add(rememberFor)); ok {
		t.Fatalf("got the token recalled %s after it was verified, want it checked again", rememberFor)
	}
	if _, ok := m.recall("token-"+strconv.Itoa(rememberAtMost+498), now.Add(-time.Second).Add(rememberFor)); !ok {
		t.Fatalf("got a token forgotten before %s, want it remembered", rememberFor)
	}
}
