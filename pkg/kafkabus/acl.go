package kafkabus

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"claims.local/pkg/events"
)

// The principals of the platform on Kafka (User:<name>). AdminUser is the
// set-up principal and the brokers' only super user: it creates the users,
// the topics and the ACLs, and no service runs as it. ReaderUser reads
// every topic and writes none (`claimsctl events tail`, `payouts tail`).
const (
	AdminUser        = "admin"
	IntakeUser       = "intake"
	AdjudicationUser = "adjudication"
	PayoutUser       = "payout"
	ReaderUser       = "reader"
)

// Users lists the principals the set-up gives a password, besides AdminUser.
func Users() []string { return []string{IntakeUser, AdjudicationUser, PayoutUser, ReaderUser} }

// Access is what one principal may do on the topics of a deployment:
// write the topics it produces, read the topics it consumes, and join the
// consumer groups whose names start with GroupPrefix. Nothing else is
// allowed (the brokers run with allow.everyone.if.no.acl.found=false):
// no principal but AdminUser creates, deletes or reconfigures a topic.
type Access struct {
	User        string
	Write       []string
	Read        []string
	GroupPrefix string
}

// Accesses is the ACL table of a deployment whose topics are t: each
// service writes only its own topics and reads only what it consumes. The
// money path is closed to every writer but adjudication: only it may write
// agreements and advance approvals on the adjudication topic, which payout
// turns into payments (R6, R7). Adjudication also reads payout's topic
// (payments completed, for the R13 indicators; group <prefix>adjudication-payouts)
// and writes the notifications topic (supplementary-notice-requested);
// payout writes its alarms (reconciliation-unmatched, instruction-refused)
// to its own topic. Intake reads adjudication's and payout's topics to learn
// when a claim closes (rejected, paid: issue 20), so that a new report is
// linked only to an open one. The calendar topic has one writer,
// adjudication, which signs the versions it publishes (red team, session
// 12); the others only read it.
func Accesses(t events.Topics) []Access {
	return []Access{
		{User: IntakeUser, Write: []string{t.Intake(), t.Deadlines()},
			Read: []string{t.Adjudication(), t.Payout(), t.Calendar(), t.Catastrophes()}, GroupPrefix: t.Prefix + "intake"},
		{User: AdjudicationUser, Write: []string{t.Adjudication(), t.Deadlines(), t.Calendar(), t.Catastrophes(), t.Notifications()},
			Read: []string{t.Intake(), t.Payout(), t.Calendar(), t.Catastrophes()}, GroupPrefix: t.Prefix + "adjudication"},
		{User: PayoutUser, Write: []string{t.Payout(), t.Deadlines(), t.Notifications()},
			Read: []string{t.Adjudication(), t.Calendar(), t.Catastrophes()}, GroupPrefix: t.Prefix + "payout"},
		{User: ReaderUser, Read: []string{t.Intake(), t.Adjudication(), t.Payout(), t.Deadlines(), t.Calendar(),
			t.Notifications(), t.Catastrophes()}},
	}
}

// Withdrawn lists the grants an earlier set-up made that Accesses no longer
// holds: Setup revokes them, since granting alone never takes a right away.
// Intake and payout wrote the calendar topic until session 12.
func Withdrawn(t events.Topics) []Access {
	return []Access{
		{User: IntakeUser, Write: []string{t.Calendar()}},
		{User: PayoutUser, Write: []string{t.Calendar()}},
	}
}

// TopicsOf returns the topics of t that user writes or reads, the ones a
// service running as user needs to exist before it starts; all of them for
// a user without an entry in Accesses (the set-up principal).
func TopicsOf(t events.Topics, user string) []events.TopicSpec {
	for _, a := range Accesses(t) {
		if a.User != user {
			continue
		}
		var out []events.TopicSpec
		for _, s := range t.All() {
			if slices.Contains(a.Write, s.Name) || slices.Contains(a.Read, s.Name) {
				out = append(out, s)
			}
		}
		return out
	}
	return t.All()
}

// entries lists the ACL bindings of accs. Read and write imply describe.
func entries(accs []Access) []kafka.ACLEntry {
	var out []kafka.ACLEntry
	add := func(user string, rt kafka.ResourceType, name string, pt kafka.PatternType, op kafka.ACLOperationType) {
		out = append(out, kafka.ACLEntry{ResourceType: rt, ResourceName: name, ResourcePatternType: pt,
			Principal: "User:" + user, Host: "*", Operation: op, PermissionType: kafka.ACLPermissionTypeAllow})
	}
	for _, a := range accs {
		for _, topic := range a.Write {
			add(a.User, kafka.ResourceTypeTopic, topic, kafka.PatternTypeLiteral, kafka.ACLOperationTypeWrite)
		}
		for _, topic := range a.Read {
			add(a.User, kafka.ResourceTypeTopic, topic, kafka.PatternTypeLiteral, kafka.ACLOperationTypeRead)
		}
		if a.GroupPrefix != "" {
			add(a.User, kafka.ResourceTypeGroup, a.GroupPrefix, kafka.PatternTypePrefixed, kafka.ACLOperationTypeRead)
		}
	}
	return out
}

// Grant creates the ACLs of accs as the admin principal and returns once
// the broker enforces them (the controller commits an ACL before the broker
// applies it). Granting what is granted already changes nothing, so the
// set-up can run again.
func Grant(ctx context.Context, admin Cluster, accs []Access) error {
	want := entries(accs)
	client := admin.Client(15 * time.Second)
	resp, err := client.CreateACLs(ctx, &kafka.CreateACLsRequest{ACLs: want})
	if err != nil {
		return fmt.Errorf("kafka: create ACLs: %w", err)
	}
	if err := errors.Join(resp.Errors...); err != nil {
		return err
	}
	for {
		missing, err := missingACLs(ctx, client, want)
		if err == nil && missing == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka: %d ACLs not in force yet (%v): %w", missing, err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// missingACLs counts the entries of want the broker does not describe yet.
func missingACLs(ctx context.Context, client *kafka.Client, want []kafka.ACLEntry) (int, error) {
	resp, err := client.DescribeACLs(ctx, &kafka.DescribeACLsRequest{Filter: kafka.ACLFilter{
		ResourceTypeFilter: kafka.ResourceTypeAny, ResourcePatternTypeFilter: kafka.PatternTypeAny,
		Operation: kafka.ACLOperationTypeAny, PermissionType: kafka.ACLPermissionTypeAny}})
	if err == nil {
		err = resp.Error
	}
	if err != nil {
		return len(want), err
	}
	have := map[kafka.ACLEntry]bool{}
	for _, r := range resp.Resources {
		for _, a := range r.ACLs {
			have[kafka.ACLEntry{ResourceType: r.ResourceType, ResourceName: r.ResourceName, ResourcePatternType: r.PatternType,
				Principal: a.Principal, Host: a.Host, Operation: a.Operation, PermissionType: a.PermissionType}] = true
		}
	}
	missing := 0
	for _, e := range want {
		if !have[e] {
			missing++
		}
	}
	return missing, nil
}

// Revoke deletes the ACLs of accs, as a test does with the ACLs of its
// topic prefix when it ends.
func Revoke(ctx context.Context, admin Cluster, accs []Access) error {
	var filters []kafka.DeleteACLsFilter
	for _, e := range entries(accs) {
		filters = append(filters, kafka.DeleteACLsFilter{ResourceTypeFilter: e.ResourceType, ResourceNameFilter: e.ResourceName,
			ResourcePatternTypeFilter: e.ResourcePatternType, PrincipalFilter: e.Principal, HostFilter: e.Host,
			Operation: e.Operation, PermissionType: e.PermissionType})
	}
	resp, err := admin.Client(15*time.Second).DeleteACLs(ctx, &kafka.DeleteACLsRequest{Filters: filters})
	if err != nil {
		return fmt.Errorf("kafka: delete ACLs: %w", err)
	}
	var errs []error
	for _, r := range resp.Results {
		errs = append(errs, r.Error)
	}
	return errors.Join(errs...)
}

// scramIterations is the PBKDF2 work factor of the stored credentials
// (Kafka accepts 4096 to 16384 for SCRAM-SHA-512).
const scramIterations = 8192

// SetPasswords creates or replaces the SCRAM-SHA-512 credentials of users
// (name to password) as the admin principal. Only the salted password
// leaves this process; running it again with the same passwords rotates
// the salt and nothing else.
func SetPasswords(ctx context.Context, admin Cluster, users map[string]string) error {
	req := &kafka.AlterUserScramCredentialsRequest{}
	for name, password := range users {
		salt := make([]byte, 32)
		if _, err := rand.Read(salt); err != nil {
			return err
		}
		salted, err := pbkdf2.Key(sha512.New, password, salt, scramIterations, sha512.Size)
		if err != nil {
			return err
		}
		req.Upsertions = append(req.Upsertions, kafka.UserScramCredentialsUpsertion{Name: name,
			Mechanism: kafka.ScramMechanismSha512, Iterations: scramIterations, Salt: salt, SaltedPassword: salted})
	}
	resp, err := admin.Client(15*time.Second).AlterUserScramCredentials(ctx, req)
	if err != nil {
		return fmt.Errorf("kafka: set SCRAM credentials: %w", err)
	}
	var errs []error
	for _, r := range resp.Results {
		if r.Error != nil {
			errs = append(errs, fmt.Errorf("user %s: %w", r.User, r.Error))
		}
	}
	return errors.Join(errs...)
}

// Setup makes a deployment's Kafka ready as the admin principal: the
// users' credentials, the topics of t and the ACL table. Every step is
// idempotent.
func Setup(ctx context.Context, admin Cluster, t events.Topics, passwords map[string]string) error {
	if len(passwords) > 0 {
		if err := SetPasswords(ctx, admin, passwords); err != nil {
			return err
		}
	}
	if err := EnsureTopics(ctx, admin, t.All()); err != nil {
		return err
	}
	if err := Revoke(ctx, admin, Withdrawn(t)); err != nil {
		return err
	}
	return Grant(ctx, admin, Accesses(t))
}
