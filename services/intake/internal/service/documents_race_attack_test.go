package service_test

import (
	"net/http"
	"sync"
	"testing"

	"claims.local/intake/internal/service"
)

// TestAttackTheDocumentBoundCannotBeRacedByUploadsAtOnce is the claimant's
// channel at session 13's bound of 200 documents a report, two short of
// it, sending six distinct files at once: each upload checks the bound
// before reading its file, when all six see 198, and would be stored
// unless checked again. The bound is checked again under the report's
// lock: two are taken, the others refused (409, or 503 while the decode
// slots are busy), and the report holds 200.
func TestAttackTheDocumentBoundCannotBeRacedByUploadsAtOnce(t *testing.T) {
	t.Parallel()
	// Six uploads of one caller in flight at once: above the per-caller
	// bound, so that all six reach the document bound's check.
	r := startWith(t, func(c *service.Config) { c.UploadsPerCaller = 8 })
	rep, _ := r.createReport(t, "P-2026-000140")
	const most = 200 // domain.MaxDocuments, written out: the test states the bound
	for i := range most - 2 {
		if a := r.upload(t, rep.ID, "page.png", grayPNG(t, i)); a.Status != http.StatusCreated {
			t.Fatalf("upload %d: got %d (%s), want 201", i+1, a.Status, a.Body)
		}
	}
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := r.upload(t, rep.ID, "at once.png", grayPNG(t, most+i))
			mu.Lock()
			statuses[a.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("six uploads at once: statuses %v", statuses)
	if statuses[http.StatusCreated] > 2 || statuses[http.StatusCreated]+statuses[http.StatusConflict]+statuses[http.StatusServiceUnavailable] != 6 {
		t.Errorf("six uploads at once two short of the bound: got statuses %v, want at most 2 taken (201), the others 409 or 503", statuses)
	}
	list := decode[struct {
		Documents []documentJSON `json:"documents"`
	}](t, r.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/documents", ""))
	if got, want := len(list.Documents), most-2+statuses[http.StatusCreated]; got != want || got > most {
		t.Errorf("got %d documents on the report, want %d (at most %d)", got, want, most)
	}
}
