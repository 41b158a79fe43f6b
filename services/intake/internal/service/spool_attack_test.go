package service_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"claims.local/intake/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/document"
	"claims.local/pkg/events/eventstest"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/kafkabus"
	"claims.local/pkg/sealed"
	"claims.local/pkg/servicekit"
)

// heldAnswerGuard is how long a test waits for the answer to an upload
// whose body is held, before it says none came: far beyond an answer given
// at once, far below the server's read timeout (2 minutes).
const heldAnswerGuard = 30 * time.Second

// answerWhileHeld waits for the server's answer to the upload while its
// body is still held, up to heldAnswerGuard, and reports false when none
// came: an answer then was given without reading the body.
func (h *heldUpload) answerWhileHeld() (status int, ok bool) {
	select {
	case s := <-h.status:
		h.once.Do(func() {
			_ = h.pw.CloseWithError(errors.New("answered"))
			h.got = s
		})
		return s, true
	case <-time.After(heldAnswerGuard):
		return 0, false
	}
}

// TestAttackManyCallersCannotFillTheUploadSpools: each caller may hold
// UploadsPerCaller uploads open at once, each spooled to the temporary disk
// (up to 20 MiB, for up to the read timeout), so the spools' total was
// bounded only by callers × UploadsPerCaller × 20 MiB: many tokens (or the
// claimant's channel, counted per report, over many reports) could fill the
// disk. An instance now holds at most UploadSpoolBytes in its spools at
// once: an upload reserves what its spool may take (its declared length,
// or the limit when it has none) before its body is read, and one for
// which there is no room is refused at once, 503 overloaded with
// Retry-After, its body unread, while what is stored stays; once a held
// upload ends, a colleague's is taken.
func TestAttackManyCallersCannotFillTheUploadSpools(t *testing.T) {
	t.Parallel()
	// An upload of unknown length (chunked, as held here) reserves the
	// limit and the one byte that proves a file beyond it.
	room := document.DefaultLimits().MaxBytes + 1
	r := startWith(t, func(c *service.Config) { c.UploadSpoolBytes = 3 * room })
	rep := r.report(t, reportBody("P-2026-000781", "张三", map[string]string{"name": "张三", "role": "insured"}))
	colleague := auth.Principal{Subject: "colleague", Roles: []auth.Role{auth.Handler}}
	attacker := func(i int) auth.Principal {
		return auth.Principal{Subject: fmt.Sprintf("attacker-%d", i), Roles: []auth.Role{auth.Handler}}
	}
	if a := r.uploadAs(t, colleague, rep.ID, 1); a.Status != http.StatusCreated {
		t.Fatalf("a colleague's upload before the attack: got %d %s, want 201", a.Status, a.Body)
	}

	var held []*heldUpload
	for i := range 3 {
		held = append(held, r.holdUpload(t, attacker(i), rep.ID))
	}
	a := r.uploadAs(t, colleague, rep.ID, 2)
	if a.Status != http.StatusServiceUnavailable {
		t.Errorf("a colleague's upload while 3 callers hold the spools' %d bytes: got %d %s, want 503", 3*room, a.Status, a.Body)
	} else {
		r.Spec(t).WantError(t, "POST /v1/reports/{id}/documents", a, 503, "overloaded", "")
		if got := a.Header.Get("Retry-After"); got == "" {
			t.Errorf("the refusal's Retry-After: got none, want seconds")
		}
	}
	fourth, _ := r.openUpload(t, attacker(3), rep.ID)
	if got, ok := fourth.answerWhileHeld(); !ok || got != http.StatusServiceUnavailable {
		t.Errorf("a fourth caller's upload, its body held after the part's header: got status %d (answered: %t) within %s, want 503 at once, its body unread",
			got, ok, heldAnswerGuard)
	}

	held[0].end()
	apitest.Eventually(t, time.Minute, "a held upload ended and its room given back", func() bool {
		return r.uploadAs(t, colleague, rep.ID, 3).Status == http.StatusCreated
	})
	for _, h := range held[1:] {
		h.end()
	}
	if a := r.uploadAs(t, attacker(3), rep.ID, 4); a.Status != http.StatusCreated {
		t.Errorf("the fourth caller's upload once the held ones ended: got %d %s, want 201", a.Status, a.Body)
	}
	// Nothing stored was lost: the colleague's two files and the fourth
	// caller's, none of the held ones.
	if n := len(r.get(t, rep.ID).Documents); n != 3 {
		t.Errorf("documents on the report after the attack: got %d, want 3 (the colleague's 2 and the fourth caller's 1)", n)
	}
}

// TestStartRefusesSpoolsThatHoldNoUpload: spools bounded at the upload
// limit or below (or below nothing) could not take one upload of unknown
// length; intake refuses to start so rather than refuse them all.
func TestStartRefusesSpoolsThatHoldNoUpload(t *testing.T) {
	t.Parallel()
	for _, spool := range []int64{document.DefaultLimits().MaxBytes, 1 << 20, -1} {
		cfg := service.Config{Common: servicekit.Common{Auth: apitest.Keys(t).Config(), HTTPAddr: "127.0.0.1:0", DatabaseDSN: "postgres://nowhere",
			Kafka: kafkabus.Cluster{Brokers: []string{"127.0.0.1:1"}}}, StorageDir: t.TempDir(),
			DataKeys: []sealed.Key{{ID: "test", Secret: bytes.Repeat([]byte{4}, sealed.KeyBytes)}}, Fingerprints: eventstest.Fingerprints(),
			Requests: eventstest.IntakeSigner(t), TrustedCalendar: calendarKeys(t), UploadSpoolBytes: spool}
		if _, err := service.Start(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "INTAKE_UPLOAD_SPOOL_BYTES") {
			t.Errorf("spools of %d bytes: got %v, want a refusal naming INTAKE_UPLOAD_SPOOL_BYTES", spool, err)
		}
	}
}
