package signin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/postgres"
)

// AudienceConsole is the audience of the console's own API (revocation):
// sign-in tokens name it besides the three services.
const AudienceConsole = "console"

// refreshRow is a row of refresh_tokens.
type refreshRow struct {
	ID        string `gorm:"primaryKey"`
	Family    string
	Subject   string
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

func (refreshRow) TableName() string { return "refresh_tokens" }

// errSessionEnded is a refresh token that is unknown, expired, used or
// revoked.
var errSessionEnded = errors.New("session ended")

func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newRefreshToken stores a new refresh token of family for subject and
// returns it; only its hash is stored.
func (h *Handler) newRefreshToken(tx *gorm.DB, family, subject string, now time.Time) (string, time.Time, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if family == "" {
		family = tokenID(token)
	}
	exp := now.Add(h.cfg.RefreshTTL).UTC()
	err := tx.Create(&refreshRow{ID: tokenID(token), Family: family, Subject: subject, IssuedAt: now.UTC(), ExpiresAt: exp}).Error
	return token, exp, err
}

// rotate uses a refresh token once: it answers the subject and a new token
// of the same family. A token used before revokes its whole family (a
// stolen copy was used by one side), and a revoked or expired one ends.
func (h *Handler) rotate(ctx context.Context, token string, now time.Time) (subject, next string, exp time.Time, err error) {
	reused := false
	err = postgres.Transaction(ctx, h.cfg.DB, func(tx *gorm.DB) error {
		// Run again after a deadlock, an attempt decides afresh: the lost
		// one's revocation was rolled back with it.
		reused, subject, next, exp = false, "", "", time.Time{}
		var r refreshRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", tokenID(token)).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errSessionEnded
			}
			return err
		}
		switch {
		case r.RevokedAt != nil || !now.Before(r.ExpiresAt):
			return errSessionEnded
		case r.UsedAt != nil:
			if err := tx.Model(&refreshRow{}).Where("family = ? AND revoked_at IS NULL", r.Family).Update("revoked_at", now.UTC()).Error; err != nil {
				return err
			}
			h.log.WarnContext(ctx, "refresh token used twice: session revoked", "subject", r.Subject)
			reused = true // the revocation commits; the caller is refused
			return nil
		}
		if err := tx.Model(&refreshRow{}).Where("id = ?", r.ID).Update("used_at", now.UTC()).Error; err != nil {
			return err
		}
		subject = r.Subject
		next, exp, err = h.newRefreshToken(tx, r.Family, r.Subject, now)
		return err
	})
	if err == nil && reused {
		return "", "", time.Time{}, errSessionEnded
	}
	return subject, next, exp, err
}

// RefreshRequest is the body of POST /api/auth/refresh.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// Refresh answers POST /api/auth/refresh: a refresh token for a new access
// token (with the user's roles as the users file says now) and the next
// refresh token. A revoked session cannot refresh; this is where the
// revocation of a user's sessions takes effect, so an access token of a
// revoked session lives at most until its own expiry (the signer's TTL, at
// most auth.MaxLifetime).
func (h *Handler) Refresh(c *gin.Context) {
	var req RefreshRequest
	if !h.bindSecret(c, &req) {
		return
	}
	now := h.cfg.Now()
	subject, next, exp, err := h.rotate(c.Request.Context(), req.RefreshToken, now)
	if errors.Is(err, errSessionEnded) {
		httpapi.WriteError(c, h.log, apperr.New(apperr.Unauthenticated, "the session has ended; sign in again"))
		return
	}
	if err != nil {
		httpapi.WriteError(c, h.log, unavailable(err))
		return
	}
	u, ok := h.cfg.Users.Lookup(subject)
	if !ok {
		httpapi.WriteError(c, h.log, apperr.New(apperr.Unauthenticated, "the user no longer exists"))
		return
	}
	h.answer(c, u, now, next, exp)
}

// SignOut answers POST /api/auth/sign-out {"refresh_token"}: the session
// of that refresh token ends at the sign-in, every token it rotated to
// included, so a copy taken before the user signed out refreshes nothing
// (red team, session 12: signing out only forgot the session in the
// browser, and a copy kept minting access tokens for the refresh token's
// lifetime). Holding a refresh token of the session is the proof needed; an
// unknown, used or expired one answers the same 204, telling nothing.
// Access tokens already issued live until their expiry, as after a
// revocation.
func (h *Handler) SignOut(c *gin.Context) {
	var req RefreshRequest
	if !h.bindSecret(c, &req) {
		return
	}
	if req.RefreshToken != "" {
		db := h.cfg.DB.WithContext(c.Request.Context())
		res := db.Model(&refreshRow{}).Where("family = (SELECT family FROM refresh_tokens WHERE id = ?) AND revoked_at IS NULL", tokenID(req.RefreshToken)).
			Update("revoked_at", h.cfg.Now().UTC())
		if res.Error != nil {
			httpapi.WriteError(c, h.log, unavailable(res.Error))
			return
		}
		if res.RowsAffected > 0 {
			h.log.InfoContext(c.Request.Context(), "signed out: session ended", "tokens", res.RowsAffected)
		}
	}
	c.Status(http.StatusNoContent)
}

// RevokeSessions answers POST /api/auth/users/:subject/revoke-sessions (an
// admin only): every session of the user ends; their access tokens expire
// within the signer's TTL and cannot be refreshed.
func (h *Handler) RevokeSessions(v *auth.Verifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := h.admin(c, v, "only an admin revokes sessions")
		if !ok {
			return
		}
		subject := c.Param("subject")
		res := h.cfg.DB.WithContext(c.Request.Context()).Model(&refreshRow{}).
			Where("subject = ? AND revoked_at IS NULL", subject).Update("revoked_at", h.cfg.Now().UTC())
		if res.Error != nil {
			httpapi.WriteError(c, h.log, &apperr.Error{Code: apperr.Unavailable, Message: "could not revoke; try again", Err: res.Error})
			return
		}
		h.log.InfoContext(c.Request.Context(), "sessions revoked", "subject", subject, "by", p.Subject, "tokens", res.RowsAffected)
		c.JSON(http.StatusOK, gin.H{"subject": subject, "revoked": res.RowsAffected,
			"access_tokens_expire_within": h.cfg.Signer.TTL().String()})
	}
}

// admin verifies the caller's token (v: the console's own keys) and that
// they hold the admin role; otherwise it answers 401 or 403 (refused: why
// a non-admin is refused) and reports false.
func (h *Handler) admin(c *gin.Context, v *auth.Verifier, refused string) (auth.Principal, bool) {
	token, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	p, err := v.Verify(c.Request.Context(), token)
	if token == "" || err != nil {
		httpapi.WriteError(c, h.log, apperr.New(apperr.Unauthenticated, "sign in first: send Authorization: Bearer <token>"))
		return auth.Principal{}, false
	}
	if !p.Has(auth.Admin) {
		httpapi.WriteError(c, h.log, apperr.New(apperr.Forbidden, "%s", refused))
		return auth.Principal{}, false
	}
	return p, true
}

// Register adds the refresh, sign-out, revocation and client credentials routes; v verifies the admin's
// token for revocation (the console's own keys, audience AudienceConsole).
func (h *Handler) Register(r gin.IRoutes, v *auth.Verifier) {
	r.POST("/api/auth/refresh", h.Refresh)
	r.POST("/api/auth/sign-out", h.SignOut)
	r.POST("/api/auth/token", h.Token)
	r.POST("/api/auth/users/:subject/revoke-sessions", h.RevokeSessions(v))
	r.POST("/api/auth/users/:subject/unlock", h.Unlock(v))
}
