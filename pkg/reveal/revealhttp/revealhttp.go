// Package revealhttp serves the audit of personal-data reveals (R11) on
// every service that reveals: an auditor lists who saw whose data, when and
// why. Nothing can change the records through any API.
package revealhttp

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/reveal"
	"claims.local/pkg/reveal/revealpg"
)

// OpenAPIPaths is the OpenAPI 3 fragment of the route, merged into the
// service's document.
//
//go:embed openapi.json
var OpenAPIPaths []byte

// Permissions allows the audit list to auditors and admins only.
func Permissions() auth.Permissions {
	return auth.Permissions{"GET /v1/personal-data-reveals": {auth.Auditor, auth.Admin}}
}

type revealJSON struct {
	ID         int64     `json:"id"`
	ClaimID    string    `json:"claim_id"`
	Subject    string    `json:"subject"`
	Field      string    `json:"field"`
	RevealedBy string    `json:"revealed_by"`
	Roles      []string  `json:"roles"`
	Reason     string    `json:"reason"`
	RevealedAt time.Time `json:"revealed_at"`
}

// Register adds GET /v1/personal-data-reveals to e.
func Register(e *gin.Engine, db *gorm.DB, log *slog.Logger) {
	e.GET("/v1/personal-data-reveals", func(c *gin.Context) {
		f := reveal.Filter{ClaimID: c.Query("claim_id"), RevealedBy: c.Query("revealed_by")}
		if s := c.Query("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 1000 {
				httpapi.WriteError(c, log, apperr.InvalidField("limit", "must be a whole number from 1 to 1000"))
				return
			}
			f.Limit = n
		}
		list, err := revealpg.List(c.Request.Context(), db, f)
		if err != nil {
			httpapi.WriteError(c, log, err)
			return
		}
		out := make([]revealJSON, len(list))
		for i, r := range list {
			roles := make([]string, len(r.Roles))
			for j, role := range r.Roles {
				roles[j] = string(role)
			}
			out[i] = revealJSON{ID: r.ID, ClaimID: r.ClaimID, Subject: r.Subject, Field: r.Field, RevealedBy: r.RevealedBy,
				Roles: roles, Reason: r.Reason, RevealedAt: r.RevealedAt}
		}
		c.JSON(http.StatusOK, gin.H{"reveals": out})
	})
}
