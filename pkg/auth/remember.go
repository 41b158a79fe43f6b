package auth

import (
	"slices"
	"sync"
	"time"
)

// rememberFor is the longest a verified token is taken on the verifier's
// memory before its signature and its key are checked again: a key the
// issuer withdraws stops its tokens within it.
const rememberFor = time.Minute

// rememberAtMost bounds the tokens a verifier remembers. Only tokens that
// verified are remembered, so filling it takes valid tokens.
const rememberAtMost = 4096

// tokenMemory remembers the principals of the tokens a Verifier verified
// lately, by the exact token: a client calls many times with one token, and
// checking its signature again each time was a tenth of intake's CPU a
// report (issue 21). An entry lives until the token expires (with the
// leeway a first verification gives) or rememberFor has passed, whichever
// comes first; a token that differs by one byte is verified afresh.
type tokenMemory struct {
	mu     sync.Mutex
	tokens map[string]rememberedToken
}

type rememberedToken struct {
	principal Principal
	until     time.Time
}

func newTokenMemory() *tokenMemory {
	return &tokenMemory{tokens: map[string]rememberedToken{}}
}

// recall returns the principal of token if it was verified and its entry
// still holds at now; a copy, so that a caller cannot change what the next
// one is given.
func (m *tokenMemory) recall(token string, now time.Time) (Principal, bool) {
	m.mu.Lock()
	r, ok := m.tokens[token]
	if ok && !now.Before(r.until) {
		delete(m.tokens, token)
		ok = false
	}
	m.mu.Unlock()
	if !ok {
		return Principal{}, false
	}
	p := r.principal
	p.Roles = slices.Clone(p.Roles)
	return p, true
}

// remember keeps p for token, verified at now and expiring at expires (its
// exp with the leeway). When full it forgets the entries that no longer
// hold, then, if still full, any.
func (m *tokenMemory) remember(token string, p Principal, now, expires time.Time) {
	until := now.Add(rememberFor)
	if expires.Before(until) {
		until = expires
	}
	if !now.Before(until) {
		return
	}
	p.Roles = slices.Clone(p.Roles)
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.tokens) >= rememberAtMost {
		for t, r := range m.tokens {
			if !now.Before(r.until) {
				delete(m.tokens, t)
			}
		}
		for t := range m.tokens {
			if len(m.tokens) < rememberAtMost {
				break
			}
			delete(m.tokens, t)
		}
	}
	m.tokens[token] = rememberedToken{principal: p, until: until}
}

// size is how many tokens are remembered.
func (m *tokenMemory) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tokens)
}
