package service_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"claims.local/intake/internal/service"
	"claims.local/pkg/auth"
	"claims.local/pkg/document/scantest"
	"claims.local/pkg/httpapi/apitest"
)

// Attack (issue 17, R11): a handler reading an ID card's document gets the
// resident ID number masked in the fields and in the text read, and the
// report's contact masked; the full text and the card's image come only
// through a reveal with a reason, which is recorded where an auditor reads
// it; a reveal without a reason, or by an auditor, is refused.
func TestAttackTheIDNumberIsMaskedUnlessRevealedForAReason(t *testing.T) {
	t.Parallel()
	r := startWith(t, func(c *service.Config) { c.OCRWorkers = 1 })
	as := func(subject string, roles ...auth.Role) *apitest.Client {
		return r.As(t, r.keys, auth.Principal{Subject: subject, Roles: roles})
	}
	handler := as("handler-7", auth.Handler)
	body := reportBody("P-2026-000777", "张伟", map[string]string{"name": "张伟", "role": "insured"})
	body["contact"] = "13912345678"
	rep := r.report(t, body)
	fonts, err := scantest.LoadFonts()
	require.NoError(t, err)
	card := scantest.Samples()[0] // 张伟, 110105198506150014
	data, media, err := scantest.Scan(fonts, card, 1)
	require.NoError(t, err)
	a := r.upload(t, rep.ID, "id."+string(media), data)
	want(t, "upload", a, http.StatusCreated)
	d := decode[documentJSON](t, a)
	path := "/v1/reports/" + rep.ID + "/documents/" + d.ID
	var (
		one documentJSON
		raw apitest.Answer
	)
	apitest.Eventually(t, 2*time.Minute, "the ID card read", func() bool {
		raw = handler.Do(t, http.MethodGet, path, "")
		one = decode[documentJSON](t, raw)
		return one.State == "read"
	})
	full := card.Want.IDNumber
	got := handler.Do(t, http.MethodGet, "/v1/reports/"+rep.ID, "")
	for name, b := range map[string][]byte{"document": raw.Body, "report": got.Body,
		"list": handler.Do(t, http.MethodGet, "/v1/reports/"+rep.ID+"/documents", "").Body} {
		for _, clear := range []string{full, "13912345678"} {
			if strings.Contains(string(b), clear) {
				t.Errorf("%s: got %q in clear for a handler: %s", name, clear, b)
			}
		}
	}
	if !strings.Contains(one.Text, "110105********0014") {
		t.Errorf("got text %q, want the ID number masked as 110105********0014", one.Text)
	}
	if !strings.Contains(string(got.Body), "139****5678") {
		t.Errorf("got report %s, want the contact masked as 139****5678", got.Body)
	}

	doc := r.Spec(t)
	op := "POST /v1/reports/{id}/documents/{doc}/reveal"
	doc.WantError(t, op, handler.Do(t, http.MethodPost, path+"/reveal", `{"reason":"  "}`), 400, "invalid_argument", "reason")
	doc.WantError(t, "", as("auditor-7", auth.Auditor).Do(t, http.MethodPost, path+"/reveal", `{"reason":"curious"}`), 403, "forbidden", "")
	doc.WantError(t, "GET /v1/reports/{id}/documents/{doc}/content", handler.Do(t, http.MethodGet, path+"/content", ""), 400, "invalid_argument", "reason")

	revealed := handler.Do(t, http.MethodPost, path+"/reveal", `{"reason":"the insured disputes the ID number read"}`)
	require.Equal(t, http.StatusOK, revealed.Status, "reveal: %s", revealed.Body)
	var text struct {
		Text   string `json:"text"`
		Fields struct {
			IDNumber string `json:"id_number"`
		} `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(revealed.Body, &text))
	if !strings.Contains(text.Text, full) || text.Fields.IDNumber != full {
		t.Errorf("got revealed %s, want the text and the ID number in full", revealed.Body)
	}
	if revealed.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("got Cache-Control %q, want no-store on data revealed", revealed.Header.Get("Cache-Control"))
	}
	image := handler.Do(t, http.MethodGet, path+"/content?reason="+"checking+the+photo", "")
	if image.Status != http.StatusOK || len(image.Body) != len(data) {
		t.Errorf("got content %d of %d bytes, want the card's %d bytes", image.Status, len(image.Body), len(data))
	}

	var reveals struct {
		Reveals []struct {
			Subject    string `json:"subject"`
			Field      string `json:"field"`
			RevealedBy string `json:"revealed_by"`
			Reason     string `json:"reason"`
		} `json:"reveals"`
	}
	list := as("auditor-7", auth.Auditor).Do(t, http.MethodGet, "/v1/personal-data-reveals?claim_id="+rep.ClaimID, "")
	require.Equal(t, http.StatusOK, list.Status, "reveals: %s", list.Body)
	require.NoError(t, json.Unmarshal(list.Body, &reveals))
	if len(reveals.Reveals) != 2 || reveals.Reveals[1].Field != "text" || reveals.Reveals[1].RevealedBy != "handler-7" ||
		reveals.Reveals[1].Reason != "the insured disputes the ID number read" || reveals.Reveals[0].Field != "content" ||
		reveals.Reveals[0].Subject != "document/"+d.ID {
		t.Fatalf("got reveals %s, want the text's and the image's by handler-7 with their reasons", list.Body)
	}
}
