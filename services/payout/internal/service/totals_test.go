package service_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"claims.local/pkg/postgres/pgtest"
)

type obligationPage struct {
	Obligations []obligation `json:"obligations"`
	Total       struct {
		Count     int64 `json:"count"`
		AmountFen int64 `json:"amount_fen"`
	} `json:"total"`
}

func (r *running) page(t *testing.T, query string) obligationPage {
	t.Helper()
	a := r.Do(t, http.MethodGet, "/v1/obligations?"+query, "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	var p obligationPage
	require.NoError(t, json.Unmarshal(a.Body, &p))
	return p
}

// TestListTotalsCoverEveryPageAndEqualTheReconciliation pages through more
// obligations than one page holds (606 paid in October, as the issue's
// finance user saw) and checks the totals the list answers are those of
// every obligation of the period, equal to the reconciliation report's.
func TestListTotalsCoverEveryPageAndEqualTheReconciliation(t *testing.T) {
	r := start(t)
	db := pgtest.Open(t, r.dsn, 2)
	// 606 paid in the period (one of them returned later), 3 paid the day
	// before, 4 failed without a value date.
	require.NoError(t, db.Exec(`INSERT INTO obligations (id, claim_id, payout_type, amount_fen, currency, state, bank_reference,
			scheduled_at, next_attempt_at, completed_at, value_date, reversed_at)
		SELECT 'totals-' || i, 'claim-totals-' || i, 'final', 1000 + i * 37, 'CNY',
			CASE WHEN i = 7 THEN 'reversed' ELSE 'completed' END, 'B' || i,
			timestamptz '2026-10-01 09:00+08' + i * interval '1 hour', now(),
			timestamptz '2026-10-01 10:00+08' + i * interval '1 hour',
			(timestamptz '2026-10-01 10:00+08' + i * interval '1 hour') AT TIME ZONE 'Asia/Shanghai',
			CASE WHEN i = 7 THEN timestamptz '2026-10-20 10:00+08' END
		FROM generate_series(1, 606) i`).Error)
	require.NoError(t, db.Exec(`INSERT INTO obligations (id, claim_id, payout_type, amount_fen, currency, state, bank_reference,
			scheduled_at, next_attempt_at, completed_at, value_date)
		SELECT 'before-' || i, 'claim-before-' || i, 'final', 99999, 'CNY', 'completed', 'X' || i,
			timestamptz '2026-09-30 09:00+08', now(), timestamptz '2026-09-30 10:00+08', date '2026-09-30'
		FROM generate_series(1, 3) i`).Error)
	require.NoError(t, db.Exec(`INSERT INTO obligations (id, claim_id, payout_type, amount_fen, currency, state, last_error,
			scheduled_at, next_attempt_at)
		SELECT 'failed-' || i, 'claim-failed-' || i, 'final', 55555, 'CNY', 'failed', 'no payee', timestamptz '2026-10-02 09:00+08', now()
		FROM generate_series(1, 4) i`).Error)
	var wantFen int64
	for i := int64(1); i <= 606; i++ {
		wantFen += 1000 + i*37
	}

	var recon struct {
		Totals []struct {
			CompletedCount     int64 `json:"completed_count"`
			CompletedAmountFen int64 `json:"completed_amount_fen"`
		} `json:"totals"`
	}
	a := r.Do(t, http.MethodGet, "/v1/reconciliation?from=2026-10-01&to=2026-10-31", "")
	require.Equal(t, http.StatusOK, a.Status, string(a.Body))
	require.NoError(t, json.Unmarshal(a.Body, &recon))
	var reconCount, reconFen int64
	for _, d := range recon.Totals {
		reconCount += d.CompletedCount
		reconFen += d.CompletedAmountFen
	}
	if reconCount != 606 || reconFen != wantFen {
		t.Fatalf("reconciliation: got %d payouts of %d fen, want 606 of %d", reconCount, reconFen, wantFen)
	}

	seen := map[string]bool{}
	for offset := 0; ; offset += 500 {
		p := r.page(t, "from=2026-10-01&to=2026-10-31&limit=500&offset="+strconv.Itoa(offset))
		if p.Total.Count != reconCount || p.Total.AmountFen != reconFen {
			t.Fatalf("page at %d: got totals %d payouts of %d fen, want the reconciliation's %d of %d",
				offset, p.Total.Count, p.Total.AmountFen, reconCount, reconFen)
		}
		for _, o := range p.Obligations {
			if seen[o.ID] {
				t.Fatalf("page at %d: got %s again", offset, o.ID)
			}
			seen[o.ID] = true
		}
		if len(p.Obligations) < 500 {
			break
		}
	}
	if len(seen) != 606 {
		t.Fatalf("pages: got %d obligations in all, want 606", len(seen))
	}

	all := r.page(t, "limit=2")
	if len(all.Obligations) != 2 || all.Total.Count != 613 {
		t.Fatalf("unfiltered: got %d rows and a total of %d, want 2 rows of 613", len(all.Obligations), all.Total.Count)
	}
	failed := r.page(t, "state=failed&limit=1")
	if failed.Total.Count != 4 || failed.Total.AmountFen != 4*55555 {
		t.Fatalf("failed: got %d of %d fen, want 4 of %d", failed.Total.Count, failed.Total.AmountFen, 4*55555)
	}
	if p := r.page(t, "from=2026-09-30&to=2026-09-30&state=completed"); p.Total.Count != 3 || len(p.Obligations) != 3 {
		t.Fatalf("30 September: got %d rows and a total of %d, want 3 of 3", len(p.Obligations), p.Total.Count)
	}
}
