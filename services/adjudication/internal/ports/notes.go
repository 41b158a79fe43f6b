package ports

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi"
)

// notePermissions: every reader of cases reads the diary; only the
// handlers who work cases write in it (issue 20).
func notePermissions() auth.Permissions {
	return auth.Permissions{
		"GET /v1/cases/:claimId/notes":  {auth.Handler, auth.SeniorHandler, auth.CatastropheCoordinator, auth.Auditor, auth.Admin},
		"POST /v1/cases/:claimId/notes": {auth.Handler, auth.SeniorHandler},
	}
}

func registerNotes(v1 *gin.RouterGroup, h *HTTP) {
	v1.GET("/cases/:claimId/notes", h.notes)
	v1.POST("/cases/:claimId/notes", h.addNote)
}

// noteJSON is a case note.
type noteJSON struct {
	ID        string    `json:"id"`
	ClaimID   string    `json:"claim_id"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

func toNoteJSON(n domain.Note) noteJSON {
	return noteJSON{ID: n.ID, ClaimID: n.ClaimID, Author: n.Author, Text: n.Text, CreatedAt: n.CreatedAt}
}

func (h *HTTP) notes(c *gin.Context) {
	notes, err := h.app.Notes(c.Request.Context(), c.Param("claimId"))
	out := make([]noteJSON, len(notes))
	for i, n := range notes {
		out[i] = toNoteJSON(n)
	}
	h.answer(c, http.StatusOK, gin.H{"notes": out}, err)
}

type noteRequest struct {
	Text string `json:"text"`
}

func (h *HTTP) addNote(c *gin.Context) {
	req, who, ok := bind[noteRequest](h, c)
	if !ok {
		return
	}
	n, err := h.app.AddNote(c.Request.Context(), who, c.Param("claimId"), req.Text)
	if err != nil {
		httpapi.WriteError(c, h.log, err)
		return
	}
	c.JSON(http.StatusCreated, toNoteJSON(n))
}
