package edge

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/httpapi"
)

// claimIDPattern is what a claim id looks like (the services make UUIDs);
// anything else never reaches the trace store's query.
var claimIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// claimTraces sends the case page's trace link to the trace store's search
// for the claim's spans (tag claim_id, package tracing). The target is
// always under tracesURL: the claim id only fills the query, escaped.
func claimTraces(tracesURL string, log *slog.Logger) gin.HandlerFunc {
	base := strings.TrimRight(tracesURL, "/")
	return func(c *gin.Context) {
		id := c.Param("claimId")
		if !claimIDPattern.MatchString(id) {
			httpapi.WriteError(c, log, apperr.InvalidField("claimId", "must be a claim id (letters, digits and dashes)"))
			return
		}
		if base == "" {
			httpapi.WriteError(c, log, apperr.New(apperr.NotFound, "no trace store is configured (CONSOLE_TRACES_URL)"))
			return
		}
		tags, _ := json.Marshal(map[string]string{"claim_id": id})
		q := url.Values{"service": {"intake"}, "tags": {string(tags)}, "lookback": {"2d"}, "limit": {"20"}}
		c.Redirect(http.StatusFound, base+"/search?"+q.Encode())
	}
}
