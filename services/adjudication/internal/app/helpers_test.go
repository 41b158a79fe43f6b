package app_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"claims.local/adjudication/internal/adapters"
	"claims.local/adjudication/internal/adapters/letter"
	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/calendar"
	"claims.local/pkg/clock/clocktest"
	"claims.local/pkg/deadline"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/events/signing"
	"claims.local/pkg/postgres/pgtest"
	"claims.local/pkg/postgres/uow"
	"claims.local/pkg/tracking"
	"claims.local/pkg/tracking/trackingpg"
)

var topics = events.Topics{Prefix: "test."}

var (
	handler = domain.Actor{Subject: "handler-1", Roles: []string{domain.RoleHandler}}
	senior  = domain.Actor{Subject: "senior-1", Roles: []string{domain.RoleSenior}}
)

// fixture is the use cases over a fresh database, with the store of its
// deadlines and a clock to set.
type fixture struct {
	app *app.Service
	db  *gorm.DB
	// owner is the schema owner's connection, for a test setting a scene
	// the service's role cannot (a letter missing from before letters).
	owner *gorm.DB
	store *trackingpg.Store
	clock *clocktest.Clock
	// refused are the claim requests refused, as they were told.
	mu      sync.Mutex
	refused []signing.Reason
}

func testIssuer() domain.LetterIssuer {
	return domain.LetterIssuer{CompanyName: "示例人寿保险股份有限公司", CompanyAddress: "北京市西城区金融大街1号", ServicePhone: "400-000-0000",
		ReviewProcedure: "如对本核定有异议，可自收到本通知书之日起六十日内提出书面复核申请。"}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, func(*app.Deps) {})
}

// newFixtureWith is newFixture whose use cases are wired with the
// dependencies as change leaves them.
func newFixtureWith(t *testing.T, change func(*app.Deps)) *fixture {
	t.Helper()
	return newFixtureOn(t, func(d *app.Deps, _ *gorm.DB) { change(d) })
}

// newFixtureOn is newFixtureWith whose change is given the fixture's
// database too.
func newFixtureOn(t *testing.T, change func(*app.Deps, *gorm.DB)) *fixture {
	t.Helper()
	db, owner := pgtest.NewMigratedWithOwner(t, 20, adapters.Migrations)
	tr := tracking.NewTracker(tracking.NewCalendars(nil), -1)
	renderer, err := letter.NewRenderer(letter.DefaultFonts())
	require.NoError(t, err)
	authority, err := domain.NewAuthority(map[string]int64{domain.RoleHandler: 5_000_000, domain.RoleSenior: domain.Unlimited})
	require.NoError(t, err)
	f := &fixture{db: db, owner: owner, store: trackingpg.NewStore(db, uow.New(db, nil, nil)), clock: &clocktest.Clock{}}
	deps := app.Deps{Cases: adapters.NewCases(db, nil, tr), Policies: adapters.NewPolicies(db), Letters: renderer,
		Tracker: tr, Topics: topics, Authority: authority, Issuer: testIssuer(), Now: f.clock.Now,
		Catastrophes: adapters.NewCatastrophes(db, nil), Visits: adapters.NewVisits(db),
		Complaints: adapters.NewComplaints(db, nil, tr), Indicators: adapters.NewIndicatorStore(db, tr), Instructions: instructionKey(t),
		Payees: eventstest.PayeeSealer(t), Fingerprints: eventstest.Fingerprints(), Requests: eventstest.IntakeVerifier(t),
		RequestRefused: func(_ context.Context, _ events.Envelope, r signing.Refusal) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.refused = append(f.refused, r.Reason)
		}}
	change(&deps, db)
	f.app = app.NewService(deps)
	return f
}

// instructionKey is adjudication's key signing payment instructions in
// the tests.
func instructionKey(t *testing.T) *signing.Signer {
	t.Helper()
	s, err := signing.NewSigner("test-adjudication", bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	return s
}

// obligations returns a claim's tracked obligations by rule.
func (f *fixture) obligations(t *testing.T, claimID string) map[deadline.RuleID]tracking.Deadline {
	t.Helper()
	page, err := f.store.List(context.Background(), tracking.ListFilter{ClaimID: claimID, Limit: 10}, time.Now())
	require.NoError(t, err)
	out := map[deadline.RuleID]tracking.Deadline{}
	for _, o := range page.Obligations {
		out[o.Rule] = o
	}
	return out
}

// request is a claim request of claimID first received at at.
func request(claimID string, at time.Time) events.ClaimRequestedData {
	return events.ClaimRequestedData{ClaimID: claimID, ReportID: "r-" + claimID, PolicyNumber: "P-1", InsuredName: "张三",
		IncidentType: "medical", IncidentTime: at.Add(-48 * time.Hour), FirstReceivedAt: at}
}

// claimRequested is the claim request of d, signed as intake signs it.
func claimRequested(t *testing.T, d events.ClaimRequestedData) events.Envelope {
	t.Helper()
	e, err := events.New(events.ClaimRequested, "intake", d.ClaimID, d.FirstReceivedAt, d)
	require.NoError(t, err)
	return eventstest.SignRequest(t, e)
}

// open opens the case of d.
func (f *fixture) open(t *testing.T, d events.ClaimRequestedData) {
	t.Helper()
	require.NoError(t, f.app.OpenCase(context.Background(), claimRequested(t, d)))
}

// approve approves amount on the medical expense benefit, acknowledging
// the checks that cannot run when the policy is not imported.
func approve(amount int64) domain.DecisionInput {
	return domain.DecisionInput{Outcome: "approve", Lines: []domain.BenefitLine{{Benefit: "medical_expense", ClaimedFen: amount, ApprovedFen: amount}},
		AcknowledgeUnknown: "保单系统已人工核对"}
}

func waitingPeriodReason() domain.RejectionReason {
	return domain.RejectionReason{Code: "WAITING_PERIOD", Text: "被保险人于合同生效后三十日等待期内发病，不属于保险责任。", Clause: "《示例医疗保险条款》第四条第二款"}
}

func reject() domain.DecisionInput {
	return domain.DecisionInput{Outcome: "reject", Reasons: []domain.RejectionReason{waitingPeriodReason()}}
}

// product is a medical product; its contract sets the payment period (R6)
// to 7 days and the complex-case decision (R4) to 20 days.
func product() domain.Product {
	return domain.Product{Code: "MED-1", Name: "示例医疗保险", NoticeKind: domain.IndemnityRefusal,
		Benefits:       []domain.Benefit{{Code: "medical_expense", Name: "医疗费用保险金", IncidentTypes: []string{"medical"}, Clause: "《示例医疗保险条款》第五条"}},
		WaitingPeriods: []domain.WaitingPeriod{{IncidentType: "medical", Days: 30, Clause: "《示例医疗保险条款》第四条"}},
		DeadlineOverrides: []deadline.Override{{Rule: deadline.Payment, Length: 7, Unit: deadline.Days},
			{Rule: deadline.ComplexDecision, Length: 20, Unit: deadline.Days}}}
}

func policy(number string) domain.Policy {
	return domain.Policy{Number: number, ProductCode: "MED-1", PolicyholderName: "张三", InsuredName: "张三",
		EffectiveFrom: calendar.Date{Year: 2026, Month: 1, Day: 1}, EffectiveTo: calendar.Date{Year: 2026, Month: 12, Day: 31}, Coverages: []domain.Coverage{{Benefit: "medical_expense", SumInsuredFen: 10_000_000}}}
}

// importPolicy stores the product and policy number.
func (f *fixture) importPolicy(t *testing.T, number string) {
	t.Helper()
	admin := domain.Actor{Subject: "admin-1", Roles: []string{"admin"}}
	_, _, err := f.app.PutProduct(context.Background(), admin, product())
	require.NoError(t, err)
	_, _, err = f.app.PutPolicy(context.Background(), admin, policy(number))
	require.NoError(t, err)
}
