package ports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"claims.local/intake/internal/domain"
)

// reportAnswers encodes the answer to a new report (issue 21). Its
// checklist, about five of its six kilobytes, depends only on the
// checklist's template and each item's state while no item is satisfied
// or waived, as on every report just filed: it is encoded once for each
// template and states and spliced into the rest of the answer, which is
// encoded as before. The bytes are those encoding/json makes of the whole
// answer (TestANewReportsAnswerIsTheOneEncodedInFull), so R1's checklist
// in the same response is the report's own: the encoding remembered is
// used only for a template equal, item by item, to the one it was made
// of, and states the same.
type reportAnswers struct {
	mu      sync.Mutex
	encoded map[answerKey]encodedAnswer
	// zero is the encoding of checklistJSON{} after its key, the place an
	// answer encoded without its checklist holds for it: no JSON string
	// holds an unescaped quote, so it is found only where it stands.
	zero []byte
	bufs sync.Pool
}

// maxAnswers bounds the checklists remembered encoded: a few per incident
// type, product and variant, each with the states its conditions give;
// reaching it means templates that are not the files' (tests), and the
// memory starts again.
const maxAnswers = 1024

// answerKey tells the checklists of the files apart, with the states of
// their items.
type answerKey struct {
	kind                      domain.IncidentType
	product, variant, version string
	states                    string
}

// encodedAnswer is a checklist's encoding with the template it was made of.
type encodedAnswer struct {
	template domain.ChecklistTemplate
	body     []byte
}

func newReportAnswers() *reportAnswers {
	zero, err := json.Marshal(checklistJSON{})
	if err != nil {
		panic(fmt.Sprintf("encode an empty checklist: %v", err)) // a struct of strings always encodes
	}
	return &reportAnswers{encoded: map[answerKey]encodedAnswer{}, zero: append([]byte(`"checklist":`), zero...),
		bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// keyOf returns the key of status's checklist, and false when an item is
// satisfied or waived (its evidence is the report's own: encoded each time).
func keyOf(status domain.ChecklistStatus) (answerKey, bool) {
	var states strings.Builder
	for i, it := range status.Items {
		if len(it.SatisfiedBy) > 0 || it.Waiver != nil {
			return answerKey{}, false
		}
		if i > 0 {
			states.WriteByte(',')
		}
		states.WriteString(string(it.State))
	}
	t := status.Template
	return answerKey{kind: t.IncidentType, product: t.Product, variant: t.Variant, version: t.Version, states: states.String()}, true
}

// encode writes the answer of f, with fill's changes, to a buffer taken
// from the pool, which the caller returns with release.
func (a *reportAnswers) encode(f domain.ClaimFile, fill func(*reportResponse)) (*bytes.Buffer, error) {
	status := f.Checklist()
	resp := toReportOf(f, status, false)
	if fill != nil {
		fill(&resp)
	}
	buf := a.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	key, ok := keyOf(status)
	var list []byte
	if ok {
		a.mu.Lock()
		e, found := a.encoded[key]
		a.mu.Unlock()
		if found && e.template.Equal(status.Template) {
			list = e.body
		}
	}
	if list == nil {
		var err error
		if list, err = json.Marshal(toChecklistStatus(status)); err != nil {
			a.release(buf)
			return nil, err
		}
		if ok {
			a.mu.Lock()
			if len(a.encoded) >= maxAnswers {
				clear(a.encoded)
			}
			a.encoded[key] = encodedAnswer{template: status.Template, body: list}
			a.mu.Unlock()
		}
	}
	if err := json.NewEncoder(buf).Encode(resp); err != nil {
		a.release(buf)
		return nil, err
	}
	raw := buf.Bytes()
	at := bytes.Index(raw, a.zero)
	if at < 0 {
		a.release(buf)
		return nil, fmt.Errorf("encode a report's answer: no place for its checklist")
	}
	// The answer after the empty checklist moves to make room for the
	// checklist, which is copied in after its key.
	tail := append([]byte(nil), raw[at+len(a.zero):]...)
	buf.Truncate(at + len(`"checklist":`))
	buf.Write(list)
	buf.Write(tail)
	return buf, nil
}

// release returns buf to the pool, unless an answer made it large.
func (a *reportAnswers) release(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		a.bufs.Put(buf)
	}
}
