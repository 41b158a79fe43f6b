package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
	"claims.local/pkg/postgres/pgtest"
)

// forgedAgreement is the attack of issue 15: an agreement-reached event for
// an invented claim, which payout would pay to the account it names.
func forgedAgreement(t *testing.T, topic string) outbox.Message {
	t.Helper()
	e, err := events.New(events.AgreementReached, "adjudication", "forged-claim", time.Now(), map[string]any{
		"claim_id": "forged-claim", "amount_fen": 9000000, "currency": "CNY",
		"payee": map[string]string{"name": "攻击者", "account_number": "6222020200112233445"}})
	if err != nil {
		t.Fatalf("build the forged event: %v", err)
	}
	v, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("encode the forged event: %v", err)
	}
	return outbox.Message{Topic: topic, Key: e.ClaimID, EventID: e.ID, Type: e.Type, Value: v}
}

// kafkaCode tells whether err carries the Kafka error code want, alone or
// among the errors of a batch.
func kafkaCode(err error, want kafka.Error) bool {
	var batch kafka.WriteErrors
	if errors.As(err, &batch) {
		for _, e := range batch {
			if errors.Is(e, want) {
				return true
			}
		}
		return false
	}
	return errors.Is(err, want)
}

// partitionConn connects to partition 0 of topic on the (single) test
// broker as the principal of as, without asking for metadata first, so that
// what the broker answers is the answer of the produce or fetch itself.
func partitionConn(t *testing.T, as kafkabus.Cluster, topic string) (*kafka.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	host, port, err := net.SplitHostPort(as.Brokers[0])
	if err != nil {
		t.Fatalf("broker address %s: %v", as.Brokers[0], err)
	}
	p, _ := strconv.Atoi(port)
	conn, err := as.Dialer(10*time.Second).DialPartition(ctx, "tcp", as.Brokers[0],
		kafka.Partition{Topic: topic, ID: 0, Leader: kafka.Broker{Host: host, Port: p, ID: 1}})
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	return conn, nil
}

// produce writes m to partition 0 of topic as the principal of as, trying
// again while the partition just created has no leader yet.
func produce(t *testing.T, as kafkabus.Cluster, topic string, m outbox.Message) error {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := partitionConn(t, as, topic)
		if err == nil {
			_, err = conn.WriteMessages(kafka.Message{Key: []byte(m.Key), Value: m.Value})
			conn.Close()
		}
		var kerr kafka.Error
		if !errors.As(err, &kerr) || !kerr.Temporary() || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// fetch reads the first message of partition 0 of topic as the principal
// of as.
func fetch(t *testing.T, as kafkabus.Cluster, topic string) error {
	t.Helper()
	conn, err := partitionConn(t, as, topic)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Seek(0, kafka.SeekAbsolute|kafka.SeekDontCheck); err != nil {
		return err
	}
	_, err = conn.ReadMessage(1 << 20)
	return err
}

// TestKafkaRefusesWritesWithoutTheRight writes the forged agreement on the
// adjudication topic (the test's own and the deployment's real
// claims.adjudication.v1) without credentials, with a wrong password, as
// intake, as payout and as the read-only principal: each is refused, while
// each service still writes its own topic (so the refusals are the ACLs,
// not a broken broker).
func TestKafkaRefusesWritesWithoutTheRight(t *testing.T) {
	t.Parallel()
	admin := kafkatest.Cluster(t)
	topics := kafkatest.Grant(t, admin, kafkatest.Prefix(t))
	real := events.Topics{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopics(ctx, admin, real.All()); err != nil {
		t.Fatalf("the deployment's topics: %v", err)
	}
	anonymous := kafkabus.Cluster{Brokers: admin.Brokers}
	for _, tc := range []struct {
		name  string
		as    kafkabus.Cluster
		topic string
		// want is the Kafka error code the write must fail with; 0: any
		// failure (the broker drops a connection that does not sign in),
		// -1: the write must succeed.
		want kafka.Error
	}{
		{"anonymous on claims.adjudication.v1", anonymous, real.Adjudication(), 0},
		{"anonymous on the test's adjudication topic", anonymous, topics.Adjudication(), 0},
		{"adjudication's name with a wrong password", admin.As(kafkabus.AdjudicationUser, "not-the-password-of-adjudication"), topics.Adjudication(), 0},
		{"intake on claims.adjudication.v1", kafkatest.As(t, kafkabus.IntakeUser), real.Adjudication(), kafka.TopicAuthorizationFailed},
		{"intake on the test's adjudication topic", kafkatest.As(t, kafkabus.IntakeUser), topics.Adjudication(), kafka.TopicAuthorizationFailed},
		{"payout on the adjudication topic", kafkatest.As(t, kafkabus.PayoutUser), topics.Adjudication(), kafka.TopicAuthorizationFailed},
		{"reader on the adjudication topic", kafkatest.As(t, kafkabus.ReaderUser), topics.Adjudication(), kafka.TopicAuthorizationFailed},
		{"reader on the finance topic", kafkatest.As(t, kafkabus.ReaderUser), topics.Payout(), kafka.TopicAuthorizationFailed},
		{"intake on the finance topic", kafkatest.As(t, kafkabus.IntakeUser), topics.Payout(), kafka.TopicAuthorizationFailed},
		// Red team, session 12: the calendar has one writer.
		{"intake on the calendar topic", kafkatest.As(t, kafkabus.IntakeUser), topics.Calendar(), kafka.TopicAuthorizationFailed},
		{"payout on the calendar topic", kafkatest.As(t, kafkabus.PayoutUser), topics.Calendar(), kafka.TopicAuthorizationFailed},
		{"adjudication on the calendar topic", kafkatest.As(t, kafkabus.AdjudicationUser), topics.Calendar(), -1},
		{"adjudication on its own topic", kafkatest.As(t, kafkabus.AdjudicationUser), topics.Adjudication(), -1},
		{"intake on its own topic", kafkatest.As(t, kafkabus.IntakeUser), topics.Intake(), -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := produce(t, tc.as, tc.topic, forgedAgreement(t, tc.topic))
			switch {
			case tc.want == -1 && err != nil:
				t.Fatalf("got %v, want the write accepted", err)
			case tc.want == 0 && err == nil:
				t.Fatalf("got the forged agreement written on %s, want the write refused", tc.topic)
			case tc.want > 0 && !kafkaCode(err, tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestKafkaRefusesReadsWithoutTheRight reads the notifications topic as
// intake and the intake topic as payout: both are refused, while payout
// reads the adjudication topic it consumes, intake the adjudication and
// finance topics it learns claim closures from (issue 20), and the reader
// the finance topic.
func TestKafkaRefusesReadsWithoutTheRight(t *testing.T) {
	t.Parallel()
	admin := kafkatest.Cluster(t)
	topics := kafkatest.Grant(t, admin, kafkatest.Prefix(t))
	for _, tc := range []struct {
		name    string
		user    string
		topic   string
		refused bool
	}{
		{"intake reads the notifications topic", kafkabus.IntakeUser, topics.Notifications(), true},
		{"payout reads the intake topic", kafkabus.PayoutUser, topics.Intake(), true},
		{"intake reads the finance topic", kafkabus.IntakeUser, topics.Payout(), false},
		{"intake reads the adjudication topic", kafkabus.IntakeUser, topics.Adjudication(), false},
		{"payout reads the adjudication topic", kafkabus.PayoutUser, topics.Adjudication(), false},
		{"the reader reads the finance topic", kafkabus.ReaderUser, topics.Payout(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := produce(t, admin, tc.topic, forgedAgreement(t, tc.topic)); err != nil {
				t.Fatalf("write a message to read as admin: %v", err)
			}
			err := fetch(t, kafkatest.As(t, tc.user), tc.topic)
			switch {
			case tc.refused && !kafkaCode(err, kafka.TopicAuthorizationFailed):
				t.Fatalf("got %v, want %v", err, kafka.TopicAuthorizationFailed)
			case !tc.refused && err != nil:
				t.Fatalf("got %v, want the read allowed", err)
			}
		})
	}
}

// pgSecret returns the password infra.sh made for role on the test
// cluster.
func pgSecret(t *testing.T, role string) string {
	t.Helper()
	dir := os.Getenv("CLAIMS_TEST_PG_SECRETS")
	if dir == "" {
		t.Fatalf("CLAIMS_TEST_PG_SECRETS is not set: run the tests with `make test`, which makes the roles")
	}
	b, err := os.ReadFile(filepath.Join(dir, role))
	if err != nil {
		t.Fatalf("read the password of %s: %v", role, err)
	}
	return strings.TrimSpace(string(b))
}

// pgDSN is a DSN of the test cluster for role (password empty: none given)
// on database db.
func pgDSN(t *testing.T, role, password, db string) string {
	t.Helper()
	u, err := url.Parse(pgtest.AdminDSN(t))
	if err != nil {
		t.Fatalf("parse the admin DSN: %v", err)
	}
	u.User = url.User(role)
	if password != "" {
		u.User = url.UserPassword(role, password)
	}
	u.Path = "/" + db
	return u.String()
}

// pgConnect opens dsn and runs query, returning the first column of its
// one row.
func pgConnect(dsn, query string) (string, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var v string
	err = db.QueryRowContext(ctx, query).Scan(&v)
	return v, err
}

// TestPostgresRefusesWhomItShould connects to the services' databases
// with no password, with a wrong one, and as intake to adjudication's,
// payout's and the console's databases: each is refused. Intake's and the
// console's own roles reach their own databases and are no superusers.
func TestPostgresRefusesWhomItShould(t *testing.T) {
	t.Parallel()
	intake := pgSecret(t, "intake")
	for _, tc := range []struct {
		name, dsn string
		// want is a fragment of the refusal; empty: the connection works.
		want string
	}{
		{"the superuser without a password", pgDSN(t, "postgres", "", "postgres"), "password"},
		{"intake without a password", pgDSN(t, "intake", "", "intake"), "password"},
		{"intake with a wrong password", pgDSN(t, "intake", "wrong-"+intake, "intake"), "password authentication failed"},
		{"intake on adjudication's database", pgDSN(t, "intake", intake, "adjudication"), "permission denied for database"},
		{"intake on payout's database", pgDSN(t, "intake", intake, "payout"), "permission denied for database"},
		{"intake on the console's database", pgDSN(t, "intake", intake, "console"), "permission denied for database"},
		{"the console without a password", pgDSN(t, "console", "", "console"), "password"},
		{"the console on its own database", pgDSN(t, "console", pgSecret(t, "console"), "console"), ""},
		{"intake on its own database", pgDSN(t, "intake", intake, "intake"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			super, err := pgConnect(tc.dsn, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want a connection", err)
			case tc.want == "" && super != "false":
				t.Fatalf("got superuser %s, want a role without superuser rights", super)
			case tc.want != "" && err == nil:
				t.Fatalf("got a connection, want it refused (%s)", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("got %v, want a refusal with %q", err, tc.want)
			}
		})
	}
}

// TestServicesConnectAsRolesOfTheirOwn checks that the databases the
// harness gives the services are reached as roles without superuser
// rights, unable to open another service's database, and (red team,
// session 13) owning nothing in their own: the owner role the services
// migrate as owns the database, and the run-time role may not create.
func TestServicesConnectAsRolesOfTheirOwn(t *testing.T) {
	t.Parallel()
	dsn := newDatabases(t)
	for name, d := range dsn {
		super, err := pgConnect(d.DSN, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")
		if err != nil || super != "false" {
			t.Fatalf("%s: got superuser %q (%v), want false", name, super, err)
		}
		owns, err := pgConnect(d.DSN, `SELECT (pg_has_role(current_user, datdba, 'USAGE') OR has_database_privilege(current_database(), 'CREATE')
			OR has_schema_privilege('public', 'CREATE'))::text FROM pg_database WHERE datname = current_database()`)
		if err != nil || owns != "false" {
			t.Fatalf("%s's run-time role: got owner or creator %q (%v), want false", name, owns, err)
		}
	}
	u, err := url.Parse(dsn["intake"].DSN)
	if err != nil {
		t.Fatal(err)
	}
	other, err := url.Parse(dsn["payout"].DSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = other.Path
	if _, err := pgConnect(u.String(), "SELECT 1::text"); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("intake's role on payout's database: got %v, want permission denied", err)
	}
}

// TestSetUpWithdrawsTheCalendarWritesAnEarlierSetUpGranted: until session
// 12 intake and payout could write the calendar topic, and granting alone
// never takes a right away. A deployment set up before keeps those grants
// until `claimsctl kafka setup` runs again, which revokes them
// (kafkabus.Withdrawn): intake's write, taken before it, is then refused.
func TestSetUpWithdrawsTheCalendarWritesAnEarlierSetUpGranted(t *testing.T) {
	t.Parallel()
	admin := kafkatest.Cluster(t)
	topics := kafkatest.Grant(t, admin, kafkatest.Prefix(t))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := kafkabus.Grant(ctx, admin, kafkabus.Withdrawn(topics)); err != nil {
		t.Fatalf("grant the calendar writes of an earlier set-up: %v", err)
	}
	t.Cleanup(func() { _ = kafkabus.Revoke(context.Background(), admin, kafkabus.Withdrawn(topics)) })
	for _, user := range []string{kafkabus.IntakeUser, kafkabus.PayoutUser} {
		if err := produce(t, kafkatest.As(t, user), topics.Calendar(), forgedAgreement(t, topics.Calendar())); err != nil {
			t.Fatalf("%s on the calendar topic with the earlier grant: got %v, want the write accepted", user, err)
		}
	}
	if err := kafkabus.Setup(ctx, admin, topics, nil); err != nil {
		t.Fatalf("set up again: %v", err)
	}
	for _, user := range []string{kafkabus.IntakeUser, kafkabus.PayoutUser} {
		var err error
		apitest.Eventually(t, 30*time.Second, user+"'s calendar write withdrawn", func() bool {
			err = produce(t, kafkatest.As(t, user), topics.Calendar(), forgedAgreement(t, topics.Calendar()))
			return err != nil
		})
		if !kafkaCode(err, kafka.TopicAuthorizationFailed) {
			t.Fatalf("%s on the calendar topic after the set-up: got %v, want %v", user, err, kafka.TopicAuthorizationFailed)
		}
	}
}
