package servicekit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/pkg/auth"
	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/inbox"
	"claims.local/pkg/inbox/inboxpg"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
)

const (
	dlAccount  = "6222020200112233445"
	dlIDNumber = "110101199003071234"
	dlConsumer = "kit-test.effects"
)

// poisonService is a service built on the kit whose one consumer applies
// an event by writing a row to effects, and fails while broken is set: the
// cause an operator fixes before replaying.
type poisonService struct {
	kit      *servicekit.Kit
	consumer *kafkabus.Consumer
	broken   *atomic.Bool
}

func (s *poisonService) Addr() string { return s.kit.Addr() }

func (s *poisonService) Run(ctx context.Context) error {
	return s.kit.Run(ctx, servicekit.ConsumerComponent(s.consumer))
}

type poisonConfig struct {
	kit    servicekit.Config
	topic  string
	broken *atomic.Bool
}

func startPoison(ctx context.Context, cfg poisonConfig, log *slog.Logger) (*poisonService, error) {
	k, err := servicekit.Start(ctx, cfg.kit, log)
	if err != nil {
		return nil, err
	}
	db := k.DB()
	handle := func(ctx context.Context, e events.Envelope) error {
		if cfg.broken.Load() {
			return errors.New("the rate table is missing")
		}
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			first, err := inboxpg.Record(tx, inbox.Receipt{Consumer: dlConsumer, EventID: e.ID, EventType: e.Type, ClaimID: e.ClaimID})
			if err != nil || !first {
				return err
			}
			return tx.Exec("INSERT INTO effects (event_id) VALUES (?)", e.ID).Error
		})
	}
	c := k.NewConsumer(dlConsumer, cfg.topic, cfg.kit.Topics.Prefix+"kit-test", handle)
	return &poisonService{kit: k, consumer: c, broken: cfg.broken}, nil
}

// poisonRun is a started poison service with its database, its issuer and
// the admin's client.
type poisonRun struct {
	admin  *apitest.Client
	client *apitest.Client
	keys   *apitest.TestKeys
	db     *gorm.DB
	broken *atomic.Bool
	send   func(e events.Envelope)
}

func startPoisonRun(t *testing.T) *poisonRun {
	t.Helper()
	shared, err := uow.Shared()
	require.NoError(t, err)
	dsn := pgtest.NewDatabase(t)
	cluster, prefix := kafkatest.Cluster(t), kafkatest.Prefix(t)
	topics := events.Topics{Prefix: prefix}
	keyring, err := sealed.New([]sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{7}, sealed.KeyBytes)}})
	require.NoError(t, err)
	keys := apitest.Keys(t)
	verifier := keys.Config()
	verifier.Audience = "payout" // the test's tokens are for the services
	broken := &atomic.Bool{}
	broken.Store(true)
	cfg := poisonConfig{topic: topics.Adjudication(), broken: broken, kit: servicekit.Config{
		Name: "kit-test", HTTPAddr: "127.0.0.1:0", DatabaseDSN: dsn, DatabaseConns: 4, Kafka: cluster, Topics: topics,
		Migrations: append(shared, postgres.Migration{ID: "kit-test/0001_effects.sql", SQL: "CREATE TABLE effects (event_id text NOT NULL)"}),
		OpenAPI:    []byte(`{"openapi":"3.0.3","info":{"title":"kit-test","version":"1"},"paths":{},"components":{"schemas":{},"responses":{}}}`),
		Auth:       verifier, ConsumerMaxAttempts: 2, DeadLetterKeys: keyring, ShutdownGrace: time.Second,
	}}
	_, c := apitest.Start(t, "kit-test", startPoison, cfg)
	return &poisonRun{admin: c.As(t, keys, auth.Principal{Subject: "ops-1", Roles: []auth.Role{auth.Admin}}), client: c, keys: keys,
		db: pgtest.Open(t, dsn, 2), broken: broken,
		send: func(e events.Envelope) {
			v, err := json.Marshal(e)
			require.NoError(t, err)
			apitest.Publish(t, cluster, outbox.Message{Topic: topics.Adjudication(), Key: e.ClaimID, EventID: e.ID, Type: e.Type, Value: v})
		}}
}

// parkOne sends an event carrying an account and an ID number while the
// handler fails, and waits until the consumer parks it; it returns the
// event and the dead letter's id.
func (r *poisonRun) parkOne(t *testing.T) (events.Envelope, int64) {
	t.Helper()
	e, err := events.New(events.AgreementReached, "adjudication", "claim-poison", time.Now().UTC(), map[string]any{
		"claim_id": "claim-poison", "payee": map[string]any{"name": "李四", "bank_name": "中国工商银行", "account_number": dlAccount},
		"note": "resident id " + dlIDNumber})
	require.NoError(t, err)
	r.send(e)
	var id int64
	apitest.Eventually(t, 60*time.Second, "the failing event parked", func() bool {
		return r.db.Raw("SELECT id FROM dead_letters WHERE consumer = ?", dlConsumer).Scan(&id).Error == nil && id > 0
	})
	return e, id
}

func (r *poisonRun) effects(t *testing.T) int64 {
	t.Helper()
	return pgtest.Count(t, r.db, "SELECT count(*) FROM effects")
}

func path(id int64, suffix string) string {
	return "/v1/dead-letters/" + strconv.FormatInt(id, 10) + suffix
}

// A poison message is parked after the attempts allowed; once its cause is
// fixed, the operator's replay applies it through the same handler, and a
// second replay applies nothing more (the inbox).
func TestPoisonMessageParkedThenReplayedOnceItsCauseIsFixed(t *testing.T) {
	t.Parallel()
	r := startPoisonRun(t)
	e, id := r.parkOne(t)
	if got := r.effects(t); got != 0 {
		t.Fatalf("got %d effects of a parked event, want 0", got)
	}

	list := r.admin.Do(t, http.MethodGet, "/v1/dead-letters", "")
	require.Equal(t, http.StatusOK, list.Status, string(list.Body))
	var listed struct {
		DeadLetters []map[string]any `json:"dead_letters"`
	}
	require.NoError(t, json.Unmarshal(list.Body, &listed))
	if len(listed.DeadLetters) != 1 || listed.DeadLetters[0]["consumer"] != dlConsumer || listed.DeadLetters[0]["replayed_at"] != nil {
		t.Fatalf("got list %s, want the one parked letter, not replayed", list.Body)
	}
	if _, ok := listed.DeadLetters[0]["payload"]; ok {
		t.Fatalf("got a payload in the list %s, want none", list.Body)
	}
	if !strings.Contains(listed.DeadLetters[0]["error"].(string), "rate table") {
		t.Fatalf("got error %v, want the handler's cause", listed.DeadLetters[0]["error"])
	}

	// Still broken: the replay fails with the cause and the letter stays parked.
	a := r.admin.Do(t, http.MethodPost, path(id, "/replay"), "")
	if a.Status != http.StatusUnprocessableEntity || !strings.Contains(string(a.Body), "rate table") {
		t.Fatalf("replay while broken: got %d %s, want 422 with the cause", a.Status, a.Body)
	}
	if got := pgtest.Count(t, r.db, "SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL"); got != 1 {
		t.Fatalf("got %d letters still parked after a failed replay, want 1", got)
	}

	r.broken.Store(false)
	a = r.admin.Do(t, http.MethodPost, path(id, "/replay"), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var replayed map[string]any
	require.NoError(t, json.Unmarshal(a.Body, &replayed))
	if replayed["replayed_by"] != "ops-1" || replayed["replayed_at"] == nil {
		t.Fatalf("got %s, want the letter marked replayed by ops-1", a.Body)
	}
	if got := r.effects(t); got != 1 {
		t.Fatalf("got %d effects after the replay, want 1", got)
	}
	if got := pgtest.Count(t, r.db, "SELECT count(*) FROM inbox WHERE consumer = ? AND event_id = ?", dlConsumer, e.ID); got != 1 {
		t.Fatalf("got %d inbox receipts of the replayed event, want 1", got)
	}

	// Attack: the same replay sent again changes nothing.
	a = r.admin.Do(t, http.MethodPost, path(id, "/replay"), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	if got := r.effects(t); got != 1 {
		t.Fatalf("got %d effects after replaying twice, want 1", got)
	}
	var again map[string]any
	require.NoError(t, json.Unmarshal(a.Body, &again))
	if again["replayed_at"] != replayed["replayed_at"] {
		t.Fatalf("got replayed_at %v after a second replay, want the first one kept (%v)", again["replayed_at"], replayed["replayed_at"])
	}
}

// Attack: the dead-letter routes are an admin's. Every other role gets 403
// on list, show and replay, and a refused replay applies nothing.
func TestAttackOnlyAnAdminListsShowsOrReplaysDeadLetters(t *testing.T) {
	t.Parallel()
	r := startPoisonRun(t)
	_, id := r.parkOne(t)
	r.broken.Store(false)
	for _, role := range auth.Roles() {
		if role == auth.Admin {
			continue
		}
		c := r.client.As(t, r.keys, auth.Principal{Subject: "x-" + string(role), Roles: []auth.Role{role}})
		for _, call := range [][2]string{{http.MethodGet, "/v1/dead-letters"}, {http.MethodGet, path(id, "")}, {http.MethodPost, path(id, "/replay")}} {
			if a := c.Do(t, call[0], call[1], ""); a.Status != http.StatusForbidden {
				t.Errorf("%s %s as %s: got %d, want 403", call[0], call[1], role, a.Status)
			}
		}
	}
	if a := r.client.Do(t, http.MethodGet, "/v1/dead-letters", ""); a.Status != http.StatusUnauthorized {
		t.Errorf("list without a token: got %d, want 401", a.Status)
	}
	if got := r.effects(t); got != 0 {
		t.Fatalf("got %d effects after refused replays, want 0", got)
	}
	if a := r.admin.Do(t, http.MethodGet, "/v1/dead-letters/x", ""); a.Status != http.StatusBadRequest {
		t.Errorf("show of id x: got %d, want 400", a.Status)
	}
	if a := r.admin.Do(t, http.MethodPost, "/v1/dead-letters/999999/replay", ""); a.Status != http.StatusNotFound {
		t.Errorf("replay of an unknown id: got %d, want 404", a.Status)
	}
}

// R11: show opens the sealed payload for the admin and prints it masked:
// never the full account or ID number, in the answer or stored.
func TestAttackShowNeverPrintsAFullAccountOrIDNumber(t *testing.T) {
	t.Parallel()
	r := startPoisonRun(t)
	e, id := r.parkOne(t)
	var stored []byte
	require.NoError(t, r.db.Raw("SELECT payload FROM dead_letters WHERE id = ?", id).Row().Scan(&stored))
	if bytes.Contains(stored, []byte(dlAccount)) || bytes.Contains(stored, []byte(dlIDNumber)) {
		t.Fatalf("got the stored payload in clear, want it sealed")
	}
	a := r.admin.Do(t, http.MethodGet, path(id, ""), "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	for _, full := range []string{dlAccount, dlIDNumber} {
		if strings.Contains(string(a.Body), full) {
			t.Fatalf("got %s, want no full number %s", a.Body, full)
		}
	}
	var shown struct {
		Payload struct {
			ID   string `json:"id"`
			Data struct {
				Payee map[string]string `json:"payee"`
			} `json:"data"`
		} `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(a.Body, &shown))
	if shown.Payload.ID != e.ID || !strings.HasSuffix(shown.Payload.Data.Payee["account_number"], dlAccount[len(dlAccount)-4:]) {
		t.Fatalf("got payload %s, want the event opened with the account masked to its last 4 digits", a.Body)
	}
}
