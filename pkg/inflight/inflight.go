// Package inflight counts the requests each key (a caller, a client
// address) has in flight, so that a server bounds what one key holds at
// once and what all keys hold together: a request that waits, or holds a
// spool file, holds a goroutine, a connection and more until it ends.
package inflight

import "sync"

// Refusal says which bound refused a request, if any.
type Refusal int

// The answers of Counts.Take.
const (
	// Taken: the request is counted until its release.
	Taken Refusal = iota
	// KeyFull: its key holds as many requests as one key may.
	KeyFull
	// AllFull: all keys together hold as many as the server takes.
	AllFull
)

// Counts counts the requests in flight per key and over all keys. The
// zero value is not usable: New.
type Counts struct {
	perKey, all int
	mu          sync.Mutex
	held        map[string]int
	total       int
}

// New returns counts under which a key holds at most perKey requests at
// once and all keys together at most all (no bound over all when all is
// zero or less).
func New(perKey, all int) *Counts {
	return &Counts{perKey: perKey, all: all, held: map[string]int{}}
}

// Take counts one more request of key and returns its release, which
// gives its place back once however often it is called, or refuses it
// (release nil) when key holds perKey requests already or all keys hold
// all.
func (c *Counts) Take(key string) (release func(), refusal Refusal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held[key] >= c.perKey {
		return nil, KeyFull
	}
	if c.all > 0 && c.total >= c.all {
		return nil, AllFull
	}
	c.held[key]++
	c.total++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.total--
			if c.held[key]--; c.held[key] <= 0 {
				delete(c.held, key)
			}
		})
	}, Taken
}
