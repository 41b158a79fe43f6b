package service_test

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/service"
	"claims.local/pkg/httpapi/apitest"
)

// TestASlowSenderHoldsNoDecodeSlot is the attack of issue 17 on the upload
// slots: with one slot, a client that opens an upload and trickles it (or
// stops sending) used to hold the slot until the server's read timeout, so
// every other upload of the instance got 503. The body is now spooled to
// disk before a slot is taken: a whole upload sent meanwhile is taken.
func TestASlowSenderHoldsNoDecodeSlot(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.UploadSlots, c.UploadWait = 1, 200*time.Millisecond })
	rep := r.report(t, reportBody("P-2026-000778", "张三", map[string]string{"name": "张三", "role": "insured"}))

	// The slow sender: the multipart head and a few bytes, then nothing
	// until the test ends.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := http.NewRequest(http.MethodPost, "http://"+r.svc.Addr()+"/v1/reports/"+rep.ID+"/documents", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+apitest.Token(t, r.keys, apitest.Everyone()))
	slow := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	part, err := mw.CreateFormFile("file", "slow.png")
	require.NoError(t, err)
	_, err = part.Write(grayPNG(t, 1)[:64])
	require.NoError(t, err)
	time.Sleep(500 * time.Millisecond) // the server is now reading the slow body

	for i := range 3 {
		a := r.upload(t, rep.ID, "scan.png", grayPNG(t, 1+i))
		if a.Status != http.StatusCreated && a.Status != http.StatusOK {
			t.Fatalf("upload %d beside a slow sender: got %d %s, want 201 (a slow sender holds no slot)", i, a.Status, a.Body)
		}
	}
	_ = pw.CloseWithError(errors.New("the slow sender went away"))
	select {
	case <-slow:
	case <-time.After(30 * time.Second):
		t.Fatal("the slow upload did not end after its sender went away")
	}
}
