package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"claims.local/pkg/events"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/kafkabus/kafkatest"
	"claims.local/pkg/outbox"
)

var at = time.Date(2026, 10, 10, 2, 0, 3, 0, time.UTC)

func payoutEvent(t *testing.T, typ events.Type, d events.PayoutData) events.Envelope {
	t.Helper()
	e, err := events.New(typ, "payout", d.ClaimID, at, d)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func lineOf(t *testing.T, e events.Envelope, partition int, offset int64) tailLine {
	t.Helper()
	tm := e.Time
	return tailLine{Topic: "claims.payout.v1", Partition: partition, Offset: offset, Key: e.ClaimID, ID: e.ID, Type: e.Type,
		Time: &tm, Source: e.Source, Data: e.Data}
}

func TestPayoutLineShowsWhatFinanceNeeds(t *testing.T) {
	payee := &events.MaskedPayee{Name: "王*", Role: "agent", BankName: "中国建设银行", AccountNumber: "****8812",
		OnBehalfOf: &events.Person{Name: "李*", Relation: "spouse"}}
	done := at.Add(-time.Second)
	tests := []struct {
		name string
		line tailLine
		want string
	}{
		{"completed", lineOf(t, payoutEvent(t, events.PayoutCompleted, events.PayoutData{ObligationID: "o1", ClaimID: "c1",
			PayoutType: "final", AmountFen: 103456, Currency: "CNY", Status: "completed", BankReference: "SIM-1", ValueDate: "2026-10-10",
			Payee: payee, CompletedAt: &done}), 3, 17),
			"2026-10-10T10:00:03+08:00  completed  obligation=o1  claim=c1  final  1034.56 CNY  payee=王* 中国建设银行 ****8812 for 李*  value_date=2026-10-10  ref=SIM-1  at=3/17"},
		{"failed, a few fen", lineOf(t, payoutEvent(t, events.PayoutFailed, events.PayoutData{ObligationID: "o2", ClaimID: "c2",
			PayoutType: "final", AmountFen: 5, Currency: "CNY", Status: "failed", FailureReason: "invalid_account: 收款账户不存在"}), 0, 4),
			`2026-10-10T10:00:03+08:00  failed  obligation=o2  claim=c2  final  0.05 CNY  payee=-  value_date=-  reason="invalid_account: 收款账户不存在"  at=0/4`},
		{"reversed", lineOf(t, payoutEvent(t, events.PayoutReversed, events.PayoutData{ObligationID: "o1", ClaimID: "c1",
			PayoutType: "final", AmountFen: 100, Currency: "CNY", Status: "reversed", BankReference: "SIM-1", ValueDate: "2026-10-09",
			ReversalReason: "退汇"}), 1, 0),
			`2026-10-10T10:00:03+08:00  reversed  obligation=o1  claim=c1  final  1.00 CNY  payee=-  value_date=2026-10-09  ref=SIM-1  reason="退汇"  at=1/0`},
		{"another event", tailLine{Partition: 2, Offset: 9, Key: "c9", Type: "claims.deadline.breached", Data: json.RawMessage(`{}`)},
			"at=2/9  claims.deadline.breached  not a payout event  key=c9"},
		{"unreadable", tailLine{Partition: 2, Offset: 10, Error: "malformed event: no id"}, "at=2/10  unreadable event: malformed event: no id"},
	}
	for _, tt := range tests {
		if got := payoutLine(tt.line); got != tt.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestPayoutsTailArguments(t *testing.T) {
	var got tailRequest
	e := func(stdout, stderr *bytes.Buffer) env {
		return env{stdout: stdout, stderr: stderr, tail: func(_ context.Context, req tailRequest, out func(tailLine)) error {
			got = req
			out(lineOf(t, payoutEvent(t, events.PayoutScheduled, events.PayoutData{ObligationID: "o1", ClaimID: "c1",
				PayoutType: "final", AmountFen: 100, Currency: "CNY", Status: "scheduled", ValueDate: "2026-10-10"}), 0, 0))
			return nil
		}}
	}
	usage := [][]string{
		{"payouts"},
		{"payouts", "list"},
		{"payouts", "tail", "--from-offset", "3", "--since", "2026-10-10T00:00:00+08:00"},
		{"payouts", "tail", "--since", "yesterday"},
		{"payouts", "tail", "--from-offset", "-2"},
		{"payouts", "tail", "--max", "-1"},
		{"payouts", "tail", "--topic", " "},
		{"payouts", "tail", "extra"},
	}
	for _, args := range usage {
		var stdout, stderr bytes.Buffer
		if code := runWith(e(&stdout, &stderr), args); code != exitUsage || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("%q: got status %d, stdout %q; want 2 with a message on stderr", args, code, stdout.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := runWith(e(&stdout, &stderr), []string{"payouts", "tail", "--brokers", "b1:9092,b2:9092", "--topic", "t.claims.payout.v1",
		"--from-offset", "0", "--max", "5", "--idle-exit", "2s"}); code != exitOK {
		t.Fatalf("got status %d (%s), want 0", code, stderr.String())
	}
	if got.fromOffset == nil || *got.fromOffset != 0 || !got.since.IsZero() || got.topic != "t.claims.payout.v1" || got.max != 5 ||
		got.idle != 2*time.Second || strings.Join(got.brokers, ",") != "b1:9092,b2:9092" {
		t.Fatalf("got request %+v, want offset 0 on t.claims.payout.v1 at two brokers", got)
	}
	if want := "scheduled  obligation=o1  claim=c1  final  1.00 CNY  payee=-  value_date=2026-10-10  at=0/0\n"; !strings.HasSuffix(stdout.String(), want) {
		t.Fatalf("got output %q, want a line ending %q", stdout.String(), want)
	}
	if code := runWith(e(&stdout, &stderr), []string{"payouts", "tail", "--since", "2026-10-10T00:00:00+08:00"}); code != exitOK ||
		got.fromOffset != nil || !got.since.Equal(time.Date(2026, 10, 9, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("got status %d and request %+v, want since 2026-10-09T16:00Z", code, got)
	}
}

// publish sends envelopes to topic, keyed by claim.
func publish(t *testing.T, brokers kafkabus.Cluster, topic string, envs ...events.Envelope) {
	t.Helper()
	var msgs []outbox.Message
	for _, e := range envs {
		v, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, outbox.Message{Topic: topic, Key: e.ClaimID, EventID: e.ID, Type: e.Type, Value: v})
	}
	apitest.Publish(t, brokers, msgs...)
}

func TestPayoutsTailFollowsKafkaFromAnOffsetOrATime(t *testing.T) {
	brokers, topic := kafkatest.Cluster(t), kafkatest.Prefix(t)+"claims.payout.v1"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkabus.EnsureTopics(ctx, brokers, []events.TopicSpec{{Name: topic, Partitions: 1}}); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	// The tail signs in as the read-only principal, allowed to read the topic.
	reader := []kafkabus.Access{{User: kafkabus.ReaderUser, Read: []string{topic}}}
	if err := kafkabus.Grant(ctx, brokers, reader); err != nil {
		t.Fatalf("grant the reader the topic: %v", err)
	}
	t.Cleanup(func() { _ = kafkabus.Revoke(context.Background(), brokers, reader) })
	t.Setenv("KAFKA_USER", kafkabus.ReaderUser)
	t.Setenv("KAFKA_PASSWORD_FILE", filepath.Join(kafkatest.SecretsDir(t), kafkabus.ReaderUser))
	var envs []events.Envelope
	for i, fen := range []int64{100, 250001, 7} {
		envs = append(envs, payoutEvent(t, events.PayoutCompleted, events.PayoutData{ObligationID: "o" + string(rune('1'+i)), ClaimID: "c1",
			PayoutType: "final", AmountFen: fen, Currency: "CNY", Status: "completed", BankReference: "SIM", ValueDate: "2026-10-10"}))
	}
	publish(t, brokers, topic, envs...)
	tail := func(args ...string) []string {
		t.Helper()
		code, stdout, stderr := runCLI(t, append([]string{"payouts", "tail", "--brokers", strings.Join(brokers.Brokers, ","), "--topic", topic,
			"--idle-exit", "15s"}, args...)...)
		if code != exitOK {
			t.Fatalf("payouts tail %v: got status %d (%s), want 0", args, code, stderr)
		}
		return strings.Split(strings.TrimSpace(stdout), "\n")
	}
	lines := tail("--from-offset", "1", "--max", "2")
	if len(lines) != 2 || !strings.Contains(lines[0], "obligation=o2  claim=c1  final  2500.01 CNY") || !strings.HasSuffix(lines[0], "at=0/1") ||
		!strings.Contains(lines[1], "0.07 CNY") || !strings.HasSuffix(lines[1], "at=0/2") {
		t.Fatalf("got lines %q, want offsets 1 and 2", lines)
	}
	// Written after since: only the new event.
	time.Sleep(20 * time.Millisecond) // a later millisecond than the events above
	since := time.Now()
	time.Sleep(20 * time.Millisecond)
	late := payoutEvent(t, events.PayoutCompleted, events.PayoutData{ObligationID: "o9", ClaimID: "c1", PayoutType: "final",
		AmountFen: 9900, Currency: "CNY", Status: "completed", BankReference: "SIM", ValueDate: "2026-10-10"})
	publish(t, brokers, topic, late)
	lines = tail("--since", since.Format(time.RFC3339Nano), "--max", "1")
	if len(lines) != 1 || !strings.Contains(lines[0], "obligation=o9") || !strings.HasSuffix(lines[0], "at=0/3") {
		t.Fatalf("got lines %q, want only the event written after %v", lines, since)
	}
}
