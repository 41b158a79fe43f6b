package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SigningKey is a private key of the sign-in component, named by ID: the
// RFC 7638 thumbprint of its public key, so that a key's id cannot collide
// with another key's and rotation needs no naming scheme.
type SigningKey struct {
	ID      string
	Private ed25519.PrivateKey
}

// NewSigningKey names priv by its thumbprint.
func NewSigningKey(priv ed25519.PrivateKey) SigningKey {
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + b64(pub) + `"}`))
	return SigningKey{ID: b64(sum[:]), Private: priv}
}

// GenerateSigningKey makes a new key from crypto/rand.
func GenerateSigningKey() (SigningKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, err
	}
	return NewSigningKey(priv), nil
}

// Public is the key's public half, as the JWKS publishes it.
func (k SigningKey) Public() PublicKey {
	return PublicKey{ID: k.ID, Alg: "EdDSA", Key: k.Private.Public()}
}

// Seed is the 32 random bytes the private key derives from; secret checks
// look at them.
func (k SigningKey) Seed() []byte { return k.Private.Seed() }

// EncodeSigningKeys writes keys as PEM "PRIVATE KEY" blocks (PKCS #8),
// current first: the format of the key file the sign-in component reads.
func EncodeSigningKeys(keys ...SigningKey) ([]byte, error) {
	var out []byte
	for _, k := range keys {
		der, err := x509.MarshalPKCS8PrivateKey(k.Private)
		if err != nil {
			return nil, err
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	}
	return out, nil
}

// ParseSigningKeys reads PEM PKCS #8 Ed25519 private keys, current first.
func ParseSigningKeys(raw []byte) ([]SigningKey, error) {
	var keys []SigningKey
	for {
		var block *pem.Block
		block, raw = pem.Decode(raw)
		if block == nil {
			break
		}
		if block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("auth: PEM block %q, want PRIVATE KEY (PKCS #8 Ed25519)", block.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: private key: %w", err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("auth: private key is a %T, want Ed25519", k)
		}
		keys = append(keys, NewSigningKey(priv))
	}
	if len(keys) == 0 {
		return nil, errors.New("auth: no PEM private key found")
	}
	return keys, nil
}

// PublicKey is a key a Verifier checks signatures with: its id, the
// algorithm it is used with ("EdDSA", "RS256", "ES256"; empty accepts what
// the key type allows) and the key.
type PublicKey struct {
	ID  string
	Alg string
	Key crypto.PublicKey
}

// PublicKeys finds the key of a kid.
type PublicKeys interface {
	Lookup(ctx context.Context, kid string) (PublicKey, error)
}

// staticKeys is a fixed key set.
type staticKeys map[string]PublicKey

// StaticKeys is a fixed set of public keys: for tests, or an installation
// that distributes its keys by configuration rather than by JWKS.
func StaticKeys(keys ...PublicKey) PublicKeys {
	m := staticKeys{}
	for _, k := range keys {
		m[k.ID] = k
	}
	return m
}

func (s staticKeys) Lookup(_ context.Context, kid string) (PublicKey, error) {
	k, ok := s[kid]
	if !ok {
		return PublicKey{}, fmt.Errorf("unknown key id %q", kid)
	}
	return k, nil
}

// JWK is one key of a JWKS document (RFC 7517), the members this platform
// reads and writes.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// JWKSet is a JWKS document.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns the document publishing keys (Ed25519 keys only: those are
// what the platform signs with).
func JWKS(keys ...PublicKey) JWKSet {
	set := JWKSet{Keys: []JWK{}}
	for _, k := range keys {
		if pub, ok := k.Key.(ed25519.PublicKey); ok {
			set.Keys = append(set.Keys, JWK{Kty: "OKP", Crv: "Ed25519", X: b64(pub), Kid: k.ID, Use: "sig", Alg: "EdDSA"})
		}
	}
	return set
}

// Keys returns the signature keys of the set that this package can use;
// keys of other types or uses are skipped.
func (s JWKSet) PublicKeys() []PublicKey {
	var out []PublicKey
	for _, j := range s.Keys {
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		if k, err := j.publicKey(); err == nil {
			out = append(out, k)
		}
	}
	return out
}

func (j JWK) publicKey() (PublicKey, error) {
	k := PublicKey{ID: j.Kid, Alg: j.Alg}
	switch j.Kty {
	case "OKP":
		x, err := unb64(j.X)
		if err != nil || j.Crv != "Ed25519" || len(x) != ed25519.PublicKeySize {
			return k, errors.New("bad OKP key")
		}
		k.Key = ed25519.PublicKey(x)
	case "RSA":
		n, err1 := unb64(j.N)
		e, err2 := unb64(j.E)
		if err1 != nil || err2 != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return k, errors.New("bad RSA key (2048 bits or more)")
		}
		k.Key = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	case "EC":
		x, err1 := unb64(j.X)
		y, err2 := unb64(j.Y)
		if err1 != nil || err2 != nil || j.Crv != "P-256" {
			return k, errors.New("bad EC key (P-256 only)")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{4}, append(pad32(x), pad32(y)...)...))
		if err != nil {
			return k, err
		}
		k.Key = pub
	default:
		return k, fmt.Errorf("key type %q", j.Kty)
	}
	return k, nil
}

func pad32(b []byte) []byte {
	if len(b) >= 32 {
		return b
	}
	return append(make([]byte, 32-len(b)), b...)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// RemoteKeysConfig says where a RemoteKeys finds the issuer's keys.
type RemoteKeysConfig struct {
	// Issuer is the issuer's URL; when JWKSURL is empty the JWKS address is
	// read from its OpenID Connect discovery document
	// (Issuer/.well-known/openid-configuration).
	Issuer  string
	JWKSURL string
	// Client fetches the documents (a 5s-timeout client when nil).
	Client *http.Client
	// MaxAge is how long a fetched key set is used before it is fetched
	// again (default 10 minutes); MinRefetch the shortest time between two
	// fetches, so that tokens with made-up key ids cannot make the service
	// hammer the issuer (default 30 seconds).
	MaxAge     time.Duration
	MinRefetch time.Duration
	// RetryFailed is how soon a fetch that failed (the issuer down or slow
	// for a moment) is tried again (default 1 second). A failure must not
	// leave the service without keys for MinRefetch: every token would be
	// refused meanwhile.
	RetryFailed time.Duration
}

// RemoteKeys is the issuer's JWKS, cached: fetched on first use, again
// after MaxAge, and again when a token names an unknown kid (a key just
// rotated in), at most once per MinRefetch; after a fetch that failed, at
// most once per RetryFailed.
type RemoteKeys struct {
	cfg       RemoteKeysConfig
	mu        sync.Mutex
	jwksURL   string
	keys      map[string]PublicKey
	fetchedAt time.Time
	triedAt   time.Time
	// failed tells that the last fetch (at triedAt) failed: the next one
	// waits RetryFailed, not MinRefetch.
	failed bool
}

// NewRemoteKeys returns the key set of cfg; nothing is fetched yet.
func NewRemoteKeys(cfg RemoteKeysConfig) (*RemoteKeys, error) {
	if cfg.Issuer == "" && cfg.JWKSURL == "" {
		return nil, errors.New("auth: remote keys need the issuer or the JWKS URL")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 10 * time.Minute
	}
	if cfg.MinRefetch <= 0 {
		cfg.MinRefetch = 30 * time.Second
	}
	if cfg.RetryFailed <= 0 {
		cfg.RetryFailed = time.Second
	}
	return &RemoteKeys{cfg: cfg, jwksURL: cfg.JWKSURL}, nil
}

// Lookup returns the key of kid, fetching the key set when it is stale or
// does not know kid (rate-limited).
func (r *RemoteKeys) Lookup(ctx context.Context, kid string) (PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	k, known := r.keys[kid]
	stale := now.Sub(r.fetchedAt) > r.cfg.MaxAge
	wait := r.cfg.MinRefetch
	if r.failed {
		wait = r.cfg.RetryFailed
	}
	if (known && !stale) || now.Sub(r.triedAt) < wait {
		if known {
			return k, nil
		}
		return PublicKey{}, fmt.Errorf("unknown key id %q", kid)
	}
	r.triedAt = now
	// The fetch is the cache's, not the caller's: a caller that goes away
	// (a client killed mid-request) must not leave the cache empty. The
	// HTTP client's timeout bounds it.
	if err := r.fetch(context.WithoutCancel(ctx)); err != nil {
		r.failed = true
		if known { // the issuer is down: keep using what it published
			return k, nil
		}
		return PublicKey{}, fmt.Errorf("fetch the issuer's keys: %w", err)
	}
	r.failed = false
	r.fetchedAt = now
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	return PublicKey{}, fmt.Errorf("unknown key id %q", kid)
}

func (r *RemoteKeys) fetch(ctx context.Context) error {
	if r.jwksURL == "" {
		var d Discovery
		if err := r.getJSON(ctx, strings.TrimRight(r.cfg.Issuer, "/")+"/.well-known/openid-configuration", &d); err != nil {
			return err
		}
		if d.Issuer != r.cfg.Issuer || d.JWKSURI == "" {
			return fmt.Errorf("discovery names issuer %q and jwks_uri %q, want issuer %q and a jwks_uri", d.Issuer, d.JWKSURI, r.cfg.Issuer)
		}
		r.jwksURL = d.JWKSURI
	}
	var set JWKSet
	if err := r.getJSON(ctx, r.jwksURL, &set); err != nil {
		return err
	}
	keys := map[string]PublicKey{}
	for _, k := range set.PublicKeys() {
		keys[k.ID] = k
	}
	r.keys = keys
	return nil
}

func (r *RemoteKeys) getJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

// Discovery is the part of an OpenID Connect discovery document this
// platform publishes and reads.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	TokenEndpoint                    string   `json:"token_endpoint,omitempty"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint,omitempty"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	GrantTypesSupported              []string `json:"grant_types_supported,omitempty"`
	ClaimsSupported                  []string `json:"claims_supported,omitempty"`
}
