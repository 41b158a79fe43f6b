package signin

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/auth"
)

// Publisher publishes the sign-in component's OpenID Connect discovery
// document and its public keys (JWKS), so that the services, or anyone,
// verify its tokens without holding a secret. Keys rotate by kid: a new key
// is put first in the key file (it signs) while the old ones stay in it,
// published, until the tokens they signed have expired (auth.MaxLifetime).
type Publisher struct {
	issuer string
	keys   []auth.PublicKey
}

// NewPublisher publishes keys (the public halves) for issuer, the URL the
// tokens name in "iss".
func NewPublisher(issuer string, keys []auth.SigningKey) *Publisher {
	p := &Publisher{issuer: strings.TrimRight(issuer, "/")}
	for _, k := range keys {
		p.keys = append(p.keys, k.Public())
	}
	return p
}

// DiscoveryPath and JWKSPath are where the documents are served.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/.well-known/jwks.json"
)

// Discovery answers GET /.well-known/openid-configuration.
func (p *Publisher) Discovery(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.JSON(http.StatusOK, auth.Discovery{
		Issuer: p.issuer, JWKSURI: p.issuer + JWKSPath, TokenEndpoint: p.issuer + "/api/auth/token",
		ResponseTypesSupported: []string{"token"}, SubjectTypesSupported: []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{"EdDSA"}, GrantTypesSupported: []string{"client_credentials"},
		ClaimsSupported: []string{"sub", "name", "roles", "aud", "iss", "iat", "exp"},
	})
}

// JWKS answers GET /.well-known/jwks.json.
func (p *Publisher) JWKS(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.JSON(http.StatusOK, auth.JWKS(p.keys...))
}
