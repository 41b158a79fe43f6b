package servicekit

import (
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"claims.local/pkg/apperr"
	"claims.local/pkg/auth"
	"claims.local/pkg/auth/authhttp"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/redact"
)

// deadLettersOpenAPI is the OpenAPI 3 fragment of the dead-letter routes,
// merged into every service's document.
//
//go:embed deadletters.openapi.json
var deadLettersOpenAPI []byte

// DeadLetterPermissions allows the dead-letter routes to admins only: a
// parked event may carry a claimant's or payee's details (R11), and a
// replay changes the service's state outside every use case's own checks.
func DeadLetterPermissions() auth.Permissions {
	return auth.Permissions{
		"GET /v1/dead-letters":             {auth.Admin},
		"GET /v1/dead-letters/:id":         {auth.Admin},
		"POST /v1/dead-letters/:id/replay": {auth.Admin},
	}
}

// deadLetterJSON is a dead letter as the API shows it. Payload is set by
// the single read only, opened and masked (package redact).
type deadLetterJSON struct {
	ID         int64      `json:"id"`
	Consumer   string     `json:"consumer"`
	Topic      string     `json:"topic"`
	Partition  int        `json:"partition"`
	Offset     int64      `json:"offset"`
	Key        string     `json:"key"`
	Error      string     `json:"error"`
	ParkedAt   time.Time  `json:"parked_at"`
	ReplayedAt *time.Time `json:"replayed_at"`
	ReplayedBy string     `json:"replayed_by,omitempty"`
	Payload    any        `json:"payload,omitempty"`
}

func deadLetterOut(d inboxpg.DeadLetter) deadLetterJSON {
	return deadLetterJSON{ID: d.ID, Consumer: d.Consumer, Topic: d.Topic, Partition: d.KafkaPartition, Offset: d.KafkaOffset,
		Key: d.MsgKey, Error: redact.Text(d.Error), ParkedAt: d.CreatedAt, ReplayedAt: d.ReplayedAt, ReplayedBy: d.ReplayedBy}
}

// registerDeadLetters adds the operator's dead-letter routes to the engine:
// list, show (payload masked) and replay through the consumer's handler.
func (k *Kit) registerDeadLetters() {
	k.engine.GET("/v1/dead-letters", k.listDeadLetters)
	k.engine.GET("/v1/dead-letters/:id", k.showDeadLetter)
	k.engine.POST("/v1/dead-letters/:id/replay", k.replayDeadLetter)
}

func (k *Kit) listDeadLetters(c *gin.Context) {
	limit := 100
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			httpapi.WriteError(c, k.log, apperr.InvalidField("limit", "must be a whole number from 1 to 1000"))
			return
		}
		limit = n
	}
	list, err := inboxpg.ListDeadLetters(c.Request.Context(), k.db, limit)
	if err != nil {
		httpapi.WriteError(c, k.log, err)
		return
	}
	out := make([]deadLetterJSON, len(list))
	for i, d := range list {
		out[i] = deadLetterOut(d)
	}
	c.JSON(http.StatusOK, gin.H{"dead_letters": out})
}

// deadLetter reads the letter of the route's id and opens its payload.
func (k *Kit) deadLetter(c *gin.Context) (inboxpg.DeadLetter, []byte, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return inboxpg.DeadLetter{}, nil, apperr.InvalidField("id", "must be a dead letter's number")
	}
	d, err := inboxpg.GetDeadLetter(c.Request.Context(), k.db, id)
	if errors.Is(err, inboxpg.ErrNoDeadLetter) {
		return d, nil, apperr.New(apperr.NotFound, "no dead letter %d", id)
	}
	if err != nil {
		return d, nil, err
	}
	var o inboxpg.Opener
	if k.cfg.DeadLetterKeys != nil {
		o = k.cfg.DeadLetterKeys
	}
	if d.Sealed && o == nil {
		return d, nil, apperr.New(apperr.Internal, "dead letter %d is sealed and the service holds no data keys", id)
	}
	payload, err := inboxpg.OpenPayload(d, o)
	if err != nil {
		return d, nil, err
	}
	return d, payload, nil
}

func (k *Kit) showDeadLetter(c *gin.Context) {
	d, payload, err := k.deadLetter(c)
	if err != nil {
		httpapi.WriteError(c, k.log, err)
		return
	}
	out := deadLetterOut(d)
	// R11: the payload is shown masked, never in clear, whatever it is.
	if masked := redact.JSON(payload); json.Valid(masked) {
		out.Payload = json.RawMessage(masked)
	} else {
		out.Payload = string(masked)
	}
	c.JSON(http.StatusOK, out)
}

// replayDeadLetter hands the stored payload to the handler the service
// registered for the letter's consumer, as the consumer would: the handler
// records the event in the inbox in the transaction of its effect, so a
// second replay, or a replay of an event applied meanwhile, changes
// nothing. A replay that fails again answers 422 with the cause and leaves
// the letter parked.
func (k *Kit) replayDeadLetter(c *gin.Context) {
	who, err := authhttp.Actor(c)
	if err != nil {
		httpapi.WriteError(c, k.log, err)
		return
	}
	d, payload, err := k.deadLetter(c)
	if err != nil {
		httpapi.WriteError(c, k.log, err)
		return
	}
	k.mu.Lock()
	handle, ok := k.handlers[d.Consumer]
	k.mu.Unlock()
	if !ok {
		httpapi.WriteError(c, k.log, apperr.New(apperr.Conflict, "this service runs no consumer %q to replay dead letter %d through", d.Consumer, d.ID))
		return
	}
	e, err := events.Decode(payload)
	if err == nil {
		err = handle(c.Request.Context(), e)
	}
	if err != nil {
		k.log.Warn("dead letter replay failed; it stays parked", "dead_letter", d.ID, "consumer", d.Consumer,
			"by", who.Subject, "error", redact.Text(err.Error()))
		httpapi.WriteError(c, k.log, apperr.New(apperr.Unprocessable, "dead letter %d still fails and stays parked: %s",
			d.ID, redact.Text(err.Error())))
		return
	}
	if err := inboxpg.MarkReplayed(c.Request.Context(), k.db, d.ID, who.Subject, time.Now()); err != nil {
		httpapi.WriteError(c, k.log, err)
		return
	}
	k.log.Info("dead letter replayed", "dead_letter", d.ID, "consumer", d.Consumer, "event_id", e.ID, "by", who.Subject)
	d, err = inboxpg.GetDeadLetter(c.Request.Context(), k.db, d.ID)
	if err != nil {
		httpapi.WriteError(c, k.log, err)
		return
	}
	c.JSON(http.StatusOK, deadLetterOut(d))
}

// handlerOf remembers handle as the handler of consumer name, for replays.
func (k *Kit) handlerOf(name string, handle kafkabus.Handler) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.handlers == nil {
		k.handlers = map[string]kafkabus.Handler{}
	}
	k.handlers[name] = handle
}
