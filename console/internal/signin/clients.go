package signin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
)

// Client is a service principal: a service that calls another one in its
// own name (payout asking adjudication), with a client secret. Since issue
// 15 a service cannot mint a token; it asks the sign-in for one by the
// OAuth client credentials grant (auth.ClientCredentials), for the
// audiences it may call only.
type Client struct {
	ID        string
	Subject   string
	Roles     []auth.Role
	Audiences []string
	secretSum []byte
}

// Clients holds the service principals, by client id.
type Clients struct {
	byID map[string]Client
}

type fileClient struct {
	ClientID     string   `json:"client_id"`
	SecretSHA256 string   `json:"secret_sha256"`
	Subject      string   `json:"subject"`
	Roles        []string `json:"roles"`
	Audiences    []string `json:"audiences"`
}

// LoadClients reads the service clients file at path
// (CONSOLE_SERVICE_CLIENTS_FILE).
func LoadClients(path string) (*Clients, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseClients(f)
}

// ParseClients reads {"clients": [{"client_id", "secret_sha256" (the hex
// SHA-256 of a random secret of 20 or more characters), "subject", "roles",
// "audiences"}]}. Only the hash is stored: the secret itself lives with the
// service (its environment).
func ParseClients(r io.Reader) (*Clients, error) {
	var f struct {
		Clients []fileClient `json:"clients"`
	}
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	c := &Clients{byID: map[string]Client{}}
	for _, fc := range f.Clients {
		sum, err := hex.DecodeString(fc.SecretSHA256)
		if fc.ClientID == "" || fc.Subject == "" || err != nil || len(sum) != sha256.Size || len(fc.Audiences) == 0 || len(fc.Roles) == 0 {
			return nil, fmt.Errorf("client %q needs client_id, subject, roles, audiences and a hex secret_sha256", fc.ClientID)
		}
		if _, dup := c.byID[fc.ClientID]; dup {
			return nil, fmt.Errorf("client %q appears twice", fc.ClientID)
		}
		// A client holds one factor, its secret: never the admin role, which
		// needs a person's one-time code, nor the console's own API (unlock
		// and revocation are for people).
		if slices.Contains(fc.Audiences, AudienceConsole) {
			return nil, fmt.Errorf("client %q may not have the audience %q: the console's own API is for people", fc.ClientID, AudienceConsole)
		}
		cl := Client{ID: fc.ClientID, Subject: fc.Subject, Audiences: fc.Audiences, secretSum: sum}
		for _, r := range fc.Roles {
			role, err := auth.ParseRole(r)
			if err != nil {
				return nil, fmt.Errorf("client %q: %w", fc.ClientID, err)
			}
			if role == auth.Admin {
				return nil, fmt.Errorf("client %q may not hold the %s role: it needs a person's one-time code", fc.ClientID, auth.Admin)
			}
			cl.Roles = append(cl.Roles, role)
		}
		c.byID[fc.ClientID] = cl
	}
	return c, nil
}

// authenticate returns the client whose id and secret these are.
func (c *Clients) authenticate(id, secret string) (Client, bool) {
	if c == nil {
		return Client{}, false
	}
	cl, ok := c.byID[id]
	sum := sha256.Sum256([]byte(secret))
	if !ok || subtle.ConstantTimeCompare(sum[:], cl.secretSum) != 1 {
		return Client{}, false
	}
	return cl, true
}

// tokenAnswer is the OAuth token response.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// Token answers POST /api/auth/token, the OAuth client credentials grant
// (form: grant_type=client_credentials, client_id, client_secret, audience;
// or the id and secret in HTTP Basic): an access token for one audience the
// client may call. Attempts are counted before the secret is checked, per
// client id at the client address, as sign-ins are (issue 20): wrong
// secrets sent from elsewhere lock that address only, never the service
// that holds the secret out of its token.
func (h *Handler) Token(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxSignInBody)
	if c.PostForm("grant_type") != "client_credentials" {
		httpapi.WriteError(c, h.log, apperr.InvalidField("grant_type", "only client_credentials is served here"))
		return
	}
	id, secret, basic := c.Request.BasicAuth()
	if !basic {
		id, secret = c.PostForm("client_id"), c.PostForm("client_secret")
	}
	ctx := c.Request.Context()
	key := clientSourceKey(h.nameKey(id), c.ClientIP())
	left, ok, err := h.users.Attempt(ctx, key)
	if err != nil {
		httpapi.WriteError(c, h.log, unavailable(err))
		return
	}
	if !ok {
		h.tooMany(c, left)
		return
	}
	cl, ok := h.cfg.Clients.authenticate(id, secret)
	if !ok {
		h.log.WarnContext(ctx, "client credentials refused", "client_id", h.cfg.Clients.loggedID(id), "client", c.ClientIP())
		httpapi.WriteError(c, h.log, apperr.New(apperr.Unauthenticated, "the client id or secret is wrong"))
		return
	}
	aud := c.PostForm("audience")
	if !slices.Contains(cl.Audiences, aud) {
		httpapi.WriteError(c, h.log, apperr.New(apperr.Forbidden, "client %s may not call %q (audiences %v)", id, aud, cl.Audiences))
		return
	}
	token, err := h.cfg.Signer.Issue(auth.Principal{Subject: cl.Subject, Roles: cl.Roles}, []string{aud}, h.cfg.Now())
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	if err := h.users.Succeed(ctx, key); err != nil && !errors.Is(err, ctx.Err()) {
		h.log.WarnContext(ctx, "forget client attempts", "error", err.Error())
	}
	c.JSON(http.StatusOK, tokenAnswer{AccessToken: token, TokenType: "Bearer", ExpiresIn: int(h.cfg.Signer.TTL().Seconds())})
}

// clientSourceKey is the counter of a service client's attempts, by its
// id's keyed hash (Handler.nameKey: the id sent may be the secret sent in
// its place), from one address.
func clientSourceKey(idKey, address string) string {
	return "service-client:" + idKey + "|client:" + address
}

// loggedID is the client id a log line may carry: the id when it names a
// client, else unknownName (what was sent as the id may be the secret).
func (c *Clients) loggedID(id string) string {
	if c != nil {
		if _, ok := c.byID[id]; ok {
			return id
		}
	}
	return unknownName
}
