package inflight_test

import (
	"testing"

	"claims.local/pkg/inflight"
)

// TestTakeBoundsEachKeyAndAllKeysAndGivesBackOnce: a key holds at most its
// bound, all keys together theirs, another key is refused only by the
// latter, and a release called twice gives its place back once.
func TestTakeBoundsEachKeyAndAllKeysAndGivesBackOnce(t *testing.T) {
	t.Parallel()
	c := inflight.New(2, 3)
	take := func(key string, want inflight.Refusal) func() {
		t.Helper()
		release, got := c.Take(key)
		if got != want || (release == nil) != (want != inflight.Taken) {
			t.Fatalf("Take(%q): got refusal %d (release %t), want %d", key, got, release != nil, want)
		}
		return release
	}
	a1 := take("a", inflight.Taken)
	take("a", inflight.Taken)
	take("a", inflight.KeyFull)
	take("b", inflight.Taken)
	take("c", inflight.AllFull)
	a1()
	a1()
	take("c", inflight.Taken)
	take("c", inflight.AllFull)
	take("a", inflight.AllFull)
}

// TestNoBoundOverAllKeys: with no bound over all keys, only each key's
// holds.
func TestNoBoundOverAllKeys(t *testing.T) {
	t.Parallel()
	c := inflight.New(1, 0)
	for _, key := range []string{"a", "b", "c", "d"} {
		if _, got := c.Take(key); got != inflight.Taken {
			t.Fatalf("Take(%q): got refusal %d, want taken", key, got)
		}
	}
	if _, got := c.Take("a"); got != inflight.KeyFull {
		t.Fatalf("Take(a) again: got refusal %d, want KeyFull", got)
	}
}
