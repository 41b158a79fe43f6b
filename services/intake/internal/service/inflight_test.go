package service_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/httpapi/apitest"
)

// heldUpload is an upload its sender keeps open: the server has read most
// of a 16 MiB file and waits for the rest.
type heldUpload struct {
	pw     *io.PipeWriter
	status chan int
	once   sync.Once
	got    int
}

// openUpload opens an upload to reportID as p and sends the start of its
// body, the file's part header, and nothing more until part is written to
// or the upload ended: an answer that comes meanwhile was given without
// the body.
func (r *running) openUpload(t *testing.T, p auth.Principal, reportID string) (h *heldUpload, part io.Writer) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := http.NewRequest(http.MethodPost, "http://"+r.svc.Addr()+"/v1/reports/"+reportID+"/documents", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+apitest.Token(t, r.keys, p))
	h = &heldUpload{pw: pw, status: make(chan int, 1)}
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			h.status <- 0
			return
		}
		resp.Body.Close()
		h.status <- resp.StatusCode
	}()
	t.Cleanup(func() { h.end() })
	part, err = mw.CreateFormFile("file", "held.png")
	require.NoError(t, err)
	return h, part
}

// holdUpload opens an upload to reportID as p and sends 16 MiB of its file
// without ending it. The write returns only once the server has taken all
// but what the sockets buffer (a few MiB): the upload is then in the
// server's hands, being spooled, with no wait on a clock.
func (r *running) holdUpload(t *testing.T, p auth.Principal, reportID string) *heldUpload {
	t.Helper()
	h, part := r.openUpload(t, p, reportID)
	if _, err := part.Write(bytes.Repeat([]byte{0x89}, 16<<20)); err != nil {
		t.Fatalf("send 16 MiB of a held upload: got %v, want the server to take them (it answered early: status %d)", err, h.end())
	}
	return h
}

// end stops sending the held upload, and returns the server's answer
// (0: the connection ended without one).
func (h *heldUpload) end() int {
	h.once.Do(func() {
		_ = h.pw.CloseWithError(errors.New("the sender went away"))
		h.got = <-h.status
	})
	return h.got
}

// uploadAs uploads a whole small file to reportID as p.
func (r *running) uploadAs(t *testing.T, p auth.Principal, reportID string, seed int) apitest.Answer {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", "scan.png")
	require.NoError(t, err)
	_, err = part.Write(grayPNG(t, seed))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return r.send(t, http.MethodPost, "/v1/reports/"+reportID+"/documents", w.FormDataContentType(), &body,
		"Authorization", "Bearer "+apitest.Token(t, r.keys, p))
}

// TestAttackOneCallerCannotHoldEveryUploadOpen: a caller (one token) opened
// as many uploads at once as it liked, each spooled to the temporary disk
// (up to 20 MiB, for up to the read timeout) and then queued for the
// instance's decode slots, shared by everyone: one account could fill the
// disk and keep every other caller waiting for slots. An instance now takes
// at most UploadsPerCaller uploads of one caller at a time (the claimant's
// channel, one account for every claimant, counted per report): the next
// is refused at once, 429 too_many_in_flight with Retry-After, before its
// body is read, while another caller's upload is taken.
func TestAttackOneCallerCannotHoldEveryUploadOpen(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.UploadsPerCaller = 2 })
	rep := r.report(t, reportBody("P-2026-000779", "张三", map[string]string{"name": "张三", "role": "insured"}))
	other := r.report(t, reportBody("P-2026-000780", "李四", map[string]string{"name": "李四", "role": "insured"}))
	attacker := auth.Principal{Subject: "attacker", Roles: []auth.Role{auth.Handler}}
	colleague := auth.Principal{Subject: "colleague", Roles: []auth.Role{auth.Handler}}
	channel := auth.Principal{Subject: "system:claimant-channel", Roles: []auth.Role{auth.ClaimantChannel}}

	held := []*heldUpload{r.holdUpload(t, attacker, rep.ID), r.holdUpload(t, attacker, rep.ID)}
	for i := range 3 {
		a := r.uploadAs(t, attacker, other.ID, 10+i)
		if a.Status != http.StatusTooManyRequests {
			t.Fatalf("the attacker's upload %d beside its 2 held: got %d %s, want 429", i+3, a.Status, a.Body)
		}
		if got := errorCode(t, a); got != "too_many_in_flight" {
			t.Errorf("the refusal's code: got %q, want too_many_in_flight", got)
		}
		if got := a.Header.Get("Retry-After"); got == "" {
			t.Errorf("the refusal's Retry-After: got none, want seconds")
		}
	}
	// Refused before its body is read, an upload whose sender holds its
	// body back is answered at once too (session 16: net/http read up to
	// 256 KiB of an unread body before answering a kept connection).
	opened, _ := r.openUpload(t, attacker, other.ID)
	if got, ok := opened.answerWhileHeld(); !ok || got != http.StatusTooManyRequests {
		t.Errorf("the attacker's third upload, its body held after the part's header: got status %d (answered: %t) within %s, want 429 at once",
			got, ok, heldAnswerGuard)
	}
	if a := r.uploadAs(t, colleague, rep.ID, 20); a.Status != http.StatusCreated {
		t.Fatalf("a colleague's upload beside the attacker's: got %d %s, want 201 (not starved)", a.Status, a.Body)
	}

	// The claimant's channel is one account for every claimant: one
	// claimant's uploads held on their report leave others' reports free.
	r.holdUpload(t, channel, rep.ID)
	r.holdUpload(t, channel, rep.ID)
	if a := r.uploadAs(t, channel, rep.ID, 30); a.Status != http.StatusTooManyRequests {
		t.Fatalf("the channel's third upload to one report: got %d %s, want 429", a.Status, a.Body)
	}
	if a := r.uploadAs(t, channel, other.ID, 31); a.Status != http.StatusCreated {
		t.Fatalf("the channel's upload to another report: got %d %s, want 201 (another claimant not starved)", a.Status, a.Body)
	}

	for _, h := range held {
		h.end()
	}
	apitest.Eventually(t, time.Minute, "the attacker's uploads ended and counted no more", func() bool {
		return r.uploadAs(t, attacker, other.ID, 40).Status == http.StatusCreated
	})
}

// errorCode is the code of an error answer.
func errorCode(t *testing.T, a apitest.Answer) string {
	t.Helper()
	return decode[struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}](t, a).Error.Code
}
