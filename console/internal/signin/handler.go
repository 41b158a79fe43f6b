package signin

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/logging"
	"claims.local/pkg/postgres"
)

// CodeRateLimited is the error code of a sign-in refused because the user
// name or the client address failed too often (HTTP 429, with Retry-After).
const CodeRateLimited = "rate_limited"

// maxSignInBody bounds the sign-in request body.
const maxSignInBody = 4 << 10

// Config configures the sign-in handler.
type Config struct {
	Users  *Directory
	Signer *auth.Signer
	// DB holds the attempt counters (Migrations), shared by every replica.
	DB *gorm.DB
	// Clients are the service principals of the client credentials grant
	// (Token); nil serves none.
	Clients *Clients
	// RefreshTTL is how long a session may be refreshed without signing
	// in again (default 12 hours).
	RefreshTTL time.Duration
	// PerUser locks a normalised user name at one client address (issue
	// 20: per user and source, so that a stranger's guesses lock the
	// stranger's address, not the colleague's); PerClient limits a client
	// address, which also catches one client trying many names.
	PerUser   LimitPolicy
	PerClient LimitPolicy
	// PerUserAllSources slows the attempts on a user name from all
	// sources together, bounding a guesser that spreads over addresses;
	// zero picks 4×PerUser.MaxFailures free failures, then a delay from 1 s
	// doubling up to PerUser.Lockout.
	PerUserAllSources ThrottlePolicy
	// NameKey keys the hash (HMAC-SHA-256) under which the attempt
	// counters keep a typed user name or client id: what is typed as a
	// name is often a password typed in the wrong field, and a reader of
	// the console's database must not recover it (red team, session 13).
	// Every replica needs the same key (main derives it from the signing
	// key); at least 32 bytes.
	NameKey []byte
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Handler answers POST /api/auth/sign-in.
type Handler struct {
	cfg      Config
	log      *slog.Logger
	users    *Limiter
	clients  *Limiter
	throttle *Throttle
}

// NewHandler returns the sign-in handler.
func NewHandler(cfg Config, log *slog.Logger) *Handler {
	if len(cfg.NameKey) < 32 {
		// A short key, or none, would let a reader of the database test
		// guesses of a typed password against the stored hash offline.
		panic("signin: Config.NameKey needs 32 bytes or more")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 12 * time.Hour
	}
	if cfg.PerUserAllSources == (ThrottlePolicy{}) {
		cfg.PerUserAllSources = ThrottlePolicy{FreeFailures: 4 * cfg.PerUser.MaxFailures, BaseDelay: time.Second,
			MaxDelay: cfg.PerUser.Lockout, Window: cfg.PerUser.Window}
	}
	return &Handler{cfg: cfg, log: log, users: NewLimiter(cfg.DB, cfg.PerUser, cfg.Now), clients: NewLimiter(cfg.DB, cfg.PerClient, cfg.Now),
		throttle: NewThrottle(cfg.DB, cfg.PerUserAllSources, cfg.Now)}
}

// Request is the body of a sign-in.
type Request struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// OTP is the one-time code of a user with a second factor.
	OTP string `json:"otp,omitempty"`
}

// UserJSON is the signed-in user as the console shows them.
type UserJSON struct {
	Subject string   `json:"subject"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
}

// Response is the answer of a successful sign-in.
type Response struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      UserJSON  `json:"user"`
	// RefreshToken gets the next access token (POST /api/auth/refresh),
	// once, until RefreshExpiresAt.
	RefreshToken     string    `json:"refresh_token,omitempty"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
}

// bindSecret reads a JSON body carrying a secret (a password, a refresh
// token) into req: the answer is never cached, and the body is bounded
// before it is read. A body it cannot read is answered here (false).
//
// Only a JSON body from the console's own pages is taken: a page on another
// site can make a user's browser post a form (text/plain carries a JSON
// body) or a no-cors fetch, and its wrong passwords, sent from the user's
// own address, would lock the user out there (issue 20's lock holds a name
// at an address). A browser sends a cross-site application/json request
// only after a CORS preflight, which the console never grants, and says
// where a request comes from in Sec-Fetch-Site; a client that is not a
// browser sends no Sec-Fetch-Site.
func (h *Handler) bindSecret(c *gin.Context, req any) bool {
	c.Header("Cache-Control", "no-store")
	if site := c.GetHeader("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		httpapi.WriteError(c, h.log, apperr.New(apperr.Forbidden, "sign-in takes requests from the console's own pages only"))
		return false
	}
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		httpapi.WriteError(c, h.log, apperr.New(apperr.UnsupportedMedia, "send the body as application/json"))
		return false
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxSignInBody)
	if err := httpapi.BindJSON(c, req); err != nil {
		httpapi.WriteError(c, h.log, err)
		return false
	}
	return true
}

// SignIn checks the user name and password, and the one-time code of a
// user with a second factor (required for auth.SecondFactorRoles), and answers a
// token; wrong credentials are 401, a locked user name or client 429.
func (h *Handler) SignIn(c *gin.Context) {
	var req Request
	if !h.bindSecret(c, &req) {
		return
	}
	if req.Username == "" {
		httpapi.WriteError(c, h.log, apperr.InvalidField("username", "is required"))
		return
	}
	if req.Password == "" {
		httpapi.WriteError(c, h.log, apperr.InvalidField("password", "is required"))
		return
	}
	// The attempt is counted before the password is checked, under the
	// normalised name at the client address (the connection's, or the one
	// a trusted proxy reports: edge.Config.TrustedProxies), the client
	// address, and the name across sources (a delay, never a lock).
	name := NormalizeUsername(req.Username)
	nameKey := h.nameKey(name)
	userKey, clientKey := userSourceKey(nameKey, c.ClientIP()), "client:"+c.ClientIP()
	ctx := c.Request.Context()
	// An address the user signed in from before skips the limit of the
	// address and the throttle across sources (ThrottlePolicy): a stranger
	// spraying names from a shared address, or guessing the name from many,
	// cannot hold the user out there; the per-(user, source) lock still
	// bounds the guesses on the name from it.
	known, err := h.throttle.Known(ctx, name, c.ClientIP())
	if err != nil {
		httpapi.WriteError(c, h.log, unavailable(err))
		return
	}
	type limit struct {
		l   *Limiter
		key string
	}
	limits := []limit{{h.users, userKey}}
	if !known {
		limits = append(limits, limit{h.clients, clientKey})
	}
	for _, lim := range limits {
		left, ok, err := lim.l.Attempt(ctx, lim.key)
		if err != nil {
			httpapi.WriteError(c, h.log, unavailable(err))
			return
		}
		if !ok {
			which := "user at this address"
			if lim.l == h.clients {
				which = "address"
			}
			h.log.WarnContext(ctx, "sign-in refused: too many attempts", "limit", which, "username", h.loggedName(name), "client", c.ClientIP())
			h.tooMany(c, left)
			return
		}
	}
	left, ok := time.Duration(0), true
	if !known {
		left, ok, err = h.throttle.Attempt(ctx, nameKey)
	}
	if err != nil {
		httpapi.WriteError(c, h.log, unavailable(err))
		return
	}
	if !ok {
		h.log.WarnContext(ctx, "sign-in delayed: too many attempts on the name from all sources", "username", h.loggedName(name))
		h.tooMany(c, left)
		return
	}
	u, ok := h.cfg.Users.Authenticate(name, req.Password)
	if !ok {
		h.log.WarnContext(ctx, "sign-in failed", "username", h.loggedName(name), "client", c.ClientIP())
		httpapi.WriteError(c, h.log, apperr.New(apperr.Unauthenticated, "the user name or the password is wrong"))
		return
	}
	if u.totp != nil {
		ok, err := h.secondFactor(ctx, u, req.OTP)
		if err != nil {
			httpapi.WriteError(c, h.log, unavailable(err))
			return
		}
		if !ok {
			h.log.WarnContext(ctx, "sign-in failed: one-time code", "username", name, "client", c.ClientIP())
			httpapi.WriteError(c, h.log, &apperr.Error{Code: apperr.Unauthenticated, Field: "otp",
				Message: "the one-time code from your authenticator app is missing, wrong or already used"})
			return
		}
	}
	if err := h.users.Succeed(ctx, userKey); err != nil {
		httpapi.WriteError(c, h.log, unavailable(err))
		return
	}
	if err := h.throttle.Succeed(ctx, nameKey, name, c.ClientIP()); err != nil {
		httpapi.WriteError(c, h.log, unavailable(err))
		return
	}
	now := h.cfg.Now()
	var refresh string
	var refreshExp time.Time
	err = postgres.Transaction(ctx, h.cfg.DB, func(tx *gorm.DB) error {
		var err error
		refresh, refreshExp, err = h.newRefreshToken(tx, "", u.Subject, now)
		return err
	})
	if err != nil {
		httpapi.WriteError(c, h.log, unavailable(err))
		return
	}
	h.log.InfoContext(ctx, "signed in", "subject", u.Subject, "roles", u.Roles)
	h.answer(c, u, now, refresh, refreshExp)
}

// nameKey is the keyed hash (HMAC-SHA-256, lowercase hex) under which the
// counters keep a normalised name or client id: the same name gives the same
// key on every replica, so the limits hold, but the key gives nothing back
// to whoever reads the table, and without Config.NameKey it cannot be
// tested against guesses.
func (h *Handler) nameKey(name string) string {
	m := hmac.New(sha256.New, h.cfg.NameKey)
	m.Write([]byte(name))
	return hex.EncodeToString(m.Sum(nil))
}

// unknownName is what the logs say of a name that names no user.
const unknownName = "(no such user)"

// loggedName is the user name a log line may carry: the name when it names
// a user, else unknownName. What was typed as a name is often a password
// (typed in the wrong field) or a guess that holds one: logged, it would be
// read by whoever reads the logs.
func (h *Handler) loggedName(name string) string {
	if _, ok := h.cfg.Users.Lookup(name); ok {
		return name
	}
	return unknownName
}

// answer writes an access token for u with the session's refresh token.
func (h *Handler) answer(c *gin.Context, u User, now time.Time, refresh string, refreshExp time.Time) {
	// One access token for every service the edge forwards to: the browser
	// holds one token and calls the three through the edge, so the token
	// names the three audiences (and the console's own API). A token minted
	// for one service (a service principal's, an external provider's)
	// names only that one and is refused by the others.
	token, err := h.cfg.Signer.Issue(u.Principal(), append(auth.Services(), AudienceConsole), now)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	c.JSON(http.StatusOK, Response{Token: token, ExpiresAt: now.Add(h.cfg.Signer.TTL()).UTC(),
		User: UserJSON{Subject: u.Subject, Name: u.Name, Roles: roles}, RefreshToken: refresh, RefreshExpiresAt: refreshExp})
}

// secondFactor checks u's one-time code and records its step as used, so
// that a code seen by someone else (over a shoulder, in a log) cannot be
// replayed on any replica.
func (h *Handler) secondFactor(ctx context.Context, u User, code string) (bool, error) {
	step, ok := u.totp.Verify(code, h.cfg.Now())
	if !ok {
		return false, nil
	}
	res := h.cfg.DB.WithContext(ctx).Exec("INSERT INTO signin_totp_used (subject, step) VALUES (?, ?) ON CONFLICT DO NOTHING", u.Subject, step)
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

// unavailable is the answer when the console's database fails: the
// attempt was not checked, and nothing is granted.
func unavailable(err error) *apperr.Error {
	return &apperr.Error{Code: apperr.Unavailable, Message: "sign-in is unavailable; try again in a moment", Err: err}
}

func (h *Handler) tooMany(c *gin.Context, left time.Duration) {
	secs := int(math.Ceil(left.Seconds()))
	c.Header("Retry-After", strconv.Itoa(secs))
	c.AbortWithStatusJSON(http.StatusTooManyRequests, httpapi.ErrorBody{Error: httpapi.ErrorDetail{
		Code:      CodeRateLimited,
		Message:   "too many failed sign-ins; try again in " + (time.Duration(secs) * time.Second).String(),
		RequestID: logging.RequestID(c.Request.Context()),
	}})
}

// Disabled answers every sign-in with 503: this installation has no users
// file (production signs in through its OpenID Connect provider instead).
func Disabled(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		httpapi.WriteError(c, log, apperr.New(apperr.Unavailable,
			"password sign-in is not configured here (no CONSOLE_USERS_FILE); sign in through your organisation's sign-in page"))
	}
}
