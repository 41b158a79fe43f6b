package app_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"claims.local/intake/checklists"
	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/catastrophe"
	"claims.local/pkg/catastrophe/catbus"
	"claims.local/pkg/events"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/inbox"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/tracking"
)

// memRepo keeps claim files in memory and the events their changes stored.
type memRepo struct {
	mu       sync.Mutex
	files    map[string]domain.ClaimFile
	events   []events.Outgoing
	closures []domain.Closure
}

func (m *memRepo) Create(_ context.Context, r domain.IncidentReport, _ *app.IdempotencyKey, eff tracking.Effects, _ string, _ domain.LinkChoice) (app.Created, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := domain.ClaimFile{Report: r}
	m.files[r.ID] = f
	m.events = append(m.events, eff.Events...)
	return app.Created{File: f}, nil
}

func (m *memRepo) CloseClaim(_ context.Context, _ inbox.Receipt, c domain.Closure) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closures = append(m.closures, c)
	return nil
}

func (m *memRepo) GetByClaim(context.Context, string) (domain.ClaimFile, error) {
	return domain.ClaimFile{}, apperr.New(apperr.NotFound, "no report")
}

func (m *memRepo) Get(_ context.Context, id string) (domain.ClaimFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[id]
	if !ok {
		return domain.ClaimFile{}, apperr.New(apperr.NotFound, "no report %q", id)
	}
	return f, nil
}

func (m *memRepo) Update(ctx context.Context, id string, change func(*domain.ClaimFile) (tracking.Effects, error)) (domain.ClaimFile, error) {
	f, err := m.Get(ctx, id)
	if err != nil {
		return domain.ClaimFile{}, err
	}
	eff, err := change(&f)
	if err != nil {
		return domain.ClaimFile{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[id] = f
	m.events = append(m.events, eff.Events...)
	return f, nil
}

func (m *memRepo) TakeDocument(context.Context, time.Time, time.Duration) (app.DocumentJob, bool, error) {
	return app.DocumentJob{}, false, nil
}

// claimRequested returns the claim-requested events stored.
func (m *memRepo) claimRequested(t *testing.T) []events.ClaimRequestedData {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []events.ClaimRequestedData
	for _, o := range m.events {
		if o.Envelope.Type != events.ClaimRequested.Name {
			continue
		}
		var d events.ClaimRequestedData
		if err := events.DecodeData(o.Envelope, events.ClaimRequested, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

var (
	declaredAt = time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC)
	// now is a week after the typhoon.
	now = time.Date(2026, 9, 12, 2, 0, 0, 0, time.UTC)
)

// typhoon declares TY-2026-09 over Guangzhou (4401) and Shenzhen's Bao'an
// district (440306) from 1 to 10 September 2026, advancing 30 % of the
// expected benefit of deaths, disabilities and medical claims.
func typhoon(t *testing.T) catastrophe.Catastrophe {
	t.Helper()
	c, err := catastrophe.Declare(catastrophe.Declaration{Code: "TY-2026-09", Name: "台风“海葵”", Peril: "typhoon",
		Regions: []string{"4401", "440306"}, WindowStart: "2026-09-01", WindowEnd: "2026-09-10", ShareBps: 3000, CapFen: 5_000_000,
		IncidentTypes: []string{"death", "disability", "medical"}}, "coordinator-1", declaredAt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func switched(t *testing.T, c catastrophe.Catastrophe, active bool) catastrophe.Catastrophe {
	t.Helper()
	next, err := c.Switch(active, "test", "coordinator-1", declaredAt.Add(time.Duration(c.Version)*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// registry is the registry a service keeps, fed the states given.
func registry(t *testing.T, states ...catastrophe.Catastrophe) *catbus.Registry {
	t.Helper()
	r := catbus.New(kafkabus.Cluster{}, "unused", slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, c := range states {
		e, err := events.New(events.CatastropheState, "adjudication", c.Key(), declaredAt, c.State())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// newService returns the use cases over memory, the checklist files of the
// repository and catastrophes (none when nil).
func newService(t *testing.T, catastrophes app.Catastrophes) (*app.Service, *memRepo) {
	t.Helper()
	lists, err := adapters.LoadChecklists(checklists.V1)
	if err != nil {
		t.Fatal(err)
	}
	repo := &memRepo{files: map[string]domain.ClaimFile{}}
	return app.NewService(app.Deps{Repo: repo, Checklists: lists, Catastrophes: catastrophes,
		Tracker: tracking.NewTracker(tracking.NewCalendars(nil), 1), Now: func() time.Time { return now }, Requests: eventstest.IntakeSigner(t)}), repo
}

func TestReportsMatchingAnActiveCatastropheTakeTheFastChannel(t *testing.T) {
	t.Parallel()
	declared := typhoon(t)
	active := switched(t, declared, true)
	at := time.Date(2026, 9, 5, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		catastrophes app.Catastrophes
		kind         string
		place        string
		product      string
		incident     time.Time
		want         []string // the checklist's items, in order
		tagged       bool
	}{
		{"medical in Tianhe, Guangzhou", registry(t, active), "medical", "440106", "", at, []string{"insured_id", "treatment_proof"}, true},
		{"death in Bao'an, Shenzhen", registry(t, active), "death", "440306", "", at, []string{"claimant_id", "death_certificate"}, true},
		{"disability, the appraisal reminder kept", registry(t, active), "disability", "440106", "", at, []string{"insured_id", "injury_proof"}, true},
		{"a product's checklist gives way to the variant", registry(t, active), "medical", "440106", "PM-2026", at,
			[]string{"insured_id", "treatment_proof"}, true},
		{"first day in Shanghai, last of August in UTC", registry(t, active), "medical", "440106", "",
			time.Date(2026, 8, 31, 17, 0, 0, 0, time.UTC), []string{"insured_id", "treatment_proof"}, true},
		{"last day of the window at 23:30 in Shanghai", registry(t, active), "medical", "440106", "",
			time.Date(2026, 9, 10, 15, 30, 0, 0, time.UTC), []string{"insured_id", "treatment_proof"}, true},
		{"the day after the window in Shanghai", registry(t, active), "medical", "440106", "",
			time.Date(2026, 9, 10, 16, 30, 0, 0, time.UTC), []string{"insured_id", "medical_invoices", "treatment_record"}, false},
		{"no place", registry(t, active), "medical", "", "", at, []string{"insured_id", "medical_invoices", "treatment_record"}, false},
		{"another city", registry(t, active), "medical", "310115", "", at, []string{"insured_id", "medical_invoices", "treatment_record"}, false},
		{"another district of Shenzhen", registry(t, active), "medical", "440305", "", at, []string{"insured_id", "medical_invoices", "treatment_record"}, false},
		{"an incident type the advance does not cover", registry(t, active), "critical_illness", "440106", "", at,
			[]string{"insured_id", "diagnosis", "medical_records"}, false},
		{"declared, never switched on", registry(t, declared), "medical", "440106", "", at, []string{"insured_id", "medical_invoices", "treatment_record"}, false},
		{"switched off again", registry(t, declared, active, switched(t, active, false)), "medical", "440106", "", at,
			[]string{"insured_id", "medical_invoices", "treatment_record"}, false},
		{"no registry", nil, "medical", "440106", "", at, []string{"insured_id", "medical_invoices", "treatment_record"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newService(t, tt.catastrophes)
			out, err := s.ReportIncident(context.Background(), domain.NewReport{PolicyNumber: "P-2026-0001", ProductCode: tt.product,
				InsuredName: "张三", IncidentType: tt.kind, IncidentTime: tt.incident, IncidentPlace: tt.place,
				Reporter: domain.Reporter{Name: "李四", Role: domain.RoleBeneficiary, Relation: domain.RelationSpouse}}, nil, "tester", domain.LinkChoice{})
			if err != nil {
				t.Fatalf("ReportIncident: got %v, want no error", err)
			}
			r := out.File.Report
			var ids []string
			for _, it := range r.Checklist.Items {
				ids = append(ids, it.ID)
			}
			if !tt.tagged {
				// The standard checklist keeps its conditional items.
				ids = ids[:min(len(ids), len(tt.want))]
			}
			if !slices.Equal(ids, tt.want) {
				t.Fatalf("got checklist %s with items %v, want %v", r.Checklist.Version, ids, tt.want)
			}
			switch {
			case tt.tagged && (r.FastChannel == nil || r.FastChannel.Code != "TY-2026-09" || r.FastChannel.Name != "台风“海葵”"):
				t.Fatalf("got fast channel %+v, want TY-2026-09", r.FastChannel)
			case tt.tagged && (r.FastChannel.AdvanceShareBps != 3000 || r.FastChannel.AdvanceCapFen != 5_000_000):
				t.Fatalf("got advance %d bps, cap %d, want the catastrophe's 3000 and 5000000", r.FastChannel.AdvanceShareBps, r.FastChannel.AdvanceCapFen)
			case tt.tagged && (r.Checklist.Variant != domain.VariantCatastrophe || r.Checklist.Version != "catastrophe/"+tt.kind+"@2026.1"):
				t.Fatalf("got checklist %s (variant %q), want catastrophe/%s@2026.1", r.Checklist.Version, r.Checklist.Variant, tt.kind)
			case !tt.tagged && (r.FastChannel != nil || r.Checklist.Variant != ""):
				t.Fatalf("got fast channel %+v and variant %q, want the normal path", r.FastChannel, r.Checklist.Variant)
			}
			if tt.kind == "disability" && tt.tagged && r.Checklist.Items[1].Reminder.IsZero() {
				t.Fatalf("got no reminder on %s, want the disability appraisal reminder (R2)", r.Checklist.Items[1].ID)
			}
		})
	}
}

// TestTheHandOverCarriesTheTag: the claim request of a tagged report goes
// to adjudication with the catastrophe's code once its two simplified
// items are satisfied; one of an untagged report without it.
func TestTheHandOverCarriesTheTag(t *testing.T) {
	t.Parallel()
	active := switched(t, typhoon(t), true)
	tests := []struct {
		name  string
		place string
		want  string
	}{
		{"tagged", "440106", "TY-2026-09"},
		{"not tagged", "310115", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, repo := newService(t, registry(t, active))
			out, err := s.ReportIncident(ctx, domain.NewReport{PolicyNumber: "P-2026-0001", InsuredName: "张三", IncidentType: "medical",
				IncidentTime: time.Date(2026, 9, 5, 2, 0, 0, 0, time.UTC), IncidentPlace: tt.place,
				Reporter: domain.Reporter{Name: "张三", Role: domain.RoleInsured}}, nil, "tester", domain.LinkChoice{})
			if err != nil {
				t.Fatal(err)
			}
			id := out.File.Report.ID
			if _, _, err := s.RequestClaim(ctx, id, nil, nil); err != nil {
				t.Fatalf("RequestClaim: got %v, want no error", err)
			}
			missing := out.File.Checklist().Missing()
			if tt.want != "" && len(missing) != 2 {
				t.Fatalf("got %d items to provide on the fast channel, want 2", len(missing))
			}
			for _, it := range missing {
				if _, err := s.Satisfy(ctx, id, it.ID, "原件已现场核验 original seen on site", "handler-1"); err != nil {
					t.Fatalf("Satisfy %s: got %v, want no error", it.ID, err)
				}
			}
			got := repo.claimRequested(t)
			if len(got) != 1 || got[0].CatastropheCode != tt.want || got[0].IncidentPlace != tt.place {
				t.Fatalf("got claim-requested %+v, want one with catastrophe_code %q and place %s", got, tt.want, tt.place)
			}
		})
	}
}
