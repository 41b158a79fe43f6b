package document_test

import (
	"errors"
	"strings"
	"testing"

	"claims.local/pkg/apperr"
	"claims.local/pkg/document"
	"claims.local/pkg/document/scantest"
)

// TestAttackEntitiesInAnOFDExpandToNothing: an OFD invoice whose page
// declares entities that expand to a billion copies of a word ("billion
// laughs"), or one naming a file of the machine's (an external entity, the
// XML road to /etc/passwd). Held: Go's XML decoder reads no DTD and expands
// no entity it was not given, so the page is refused as broken XML, at
// once, and nothing of the machine's is read into a document.
func TestAttackEntitiesInAnOFDExpandToNothing(t *testing.T) {
	pg, _ := scantest.ElectronicMedicalInvoice()
	good := scantest.OFDEntries([]scantest.OFDPage{pg})
	laughs := `<!DOCTYPE Page [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
		`<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>` +
		`<Page><Content><Layer><TextObject Boundary="0 0 100 10"><TextCode>&lol9;</TextCode></TextObject></Layer></Content></Page>`
	external := `<!DOCTYPE Page [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>` +
		`<Page><Content><Layer><TextObject Boundary="0 0 100 10"><TextCode>&passwd;</TextCode></TextObject></Layer></Content></Page>`
	for name, content := range map[string]string{"billion laughs": laughs, "external entity": external} {
		entries := append([]scantest.ZipEntry(nil), good...)
		for i := range entries {
			if entries[i].Name == "Doc_0/Pages/Page_0/Content.xml" {
				entries[i].Data = []byte(content)
			}
		}
		pages, err := document.ReadOFD(must(scantest.Zip(entries)), document.Limits{})
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Unprocessable {
			t.Errorf("%s: got %v, want unprocessable", name, err)
		}
		for _, p := range pages {
			if strings.Contains(p.Text(), "root:") || strings.Contains(p.Text(), "lollol") {
				t.Errorf("%s: got page text %.80q, want nothing expanded", name, p.Text())
			}
		}
	}
}
