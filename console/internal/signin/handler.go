package signin

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/logging"
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
	// TTL is how long an issued token is valid; it must be the Signer's.
	TTL time.Duration
	// PerUser limits failures per user name; PerClient per client address,
	// which also catches one client trying many names.
	PerUser   LimitPolicy
	PerClient LimitPolicy
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Handler answers POST /api/auth/sign-in.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	users   *Limiter
	clients *Limiter
}

// NewHandler returns the sign-in handler.
func NewHandler(cfg Config, log *slog.Logger) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{cfg: cfg, log: log, users: NewLimiter(cfg.PerUser, cfg.Now), clients: NewLimiter(cfg.PerClient, cfg.Now)}
}

// Request is the body of a sign-in.
type Request struct {
	Username string `json:"username"`
	Password string `json:"password"`
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
}

// SignIn checks the user name and password and answers a token; wrong
// credentials are 401, a locked user name or client 429.
func (h *Handler) SignIn(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxSignInBody)
	var req Request
	if err := httpapi.BindJSON(c, &req); err != nil {
		httpapi.WriteError(c, h.log, err)
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
	userKey, clientKey := "user:"+req.Username, "client:"+c.ClientIP()
	ctx := c.Request.Context()
	if left, locked := h.lockedFor(userKey, clientKey); locked {
		h.log.WarnContext(ctx, "sign-in refused: locked", "username", req.Username, "client", c.ClientIP())
		h.tooMany(c, left)
		return
	}
	u, ok := h.cfg.Users.Authenticate(req.Username, req.Password)
	if !ok {
		lockedUser := h.users.Fail(userKey)
		lockedClient := h.clients.Fail(clientKey)
		h.log.WarnContext(ctx, "sign-in failed", "username", req.Username, "client", c.ClientIP(),
			"locked_user", lockedUser, "locked_client", lockedClient)
		httpapi.WriteError(c, h.log, apperr.New(apperr.Unauthenticated, "the user name or the password is wrong"))
		return
	}
	h.users.Succeed(userKey)
	now := h.cfg.Now()
	token, err := h.cfg.Signer.Issue(u.Principal(), now)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	h.log.InfoContext(ctx, "signed in", "subject", u.Subject, "roles", roles)
	c.JSON(http.StatusOK, Response{Token: token, ExpiresAt: now.Add(h.cfg.TTL).UTC(),
		User: UserJSON{Subject: u.Subject, Name: u.Name, Roles: roles}})
}

// lockedFor reports whether the user name or the client is locked, and for
// how long the longer lock still lasts.
func (h *Handler) lockedFor(userKey, clientKey string) (time.Duration, bool) {
	u, userLocked := h.users.Locked(userKey)
	cl, clientLocked := h.clients.Locked(clientKey)
	return max(u, cl), userLocked || clientLocked
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
