package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/events"
)

// pdfText extracts the text of a PDF with poppler's pdftotext, white space
// removed so that wrapped lines compare whole.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "letter.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v (poppler-utils installed?)", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

func TestTheRejectionLetterStatesTheReasonsTheClauseAndTheDates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importPolicy(t, "P-1")
	// Decided at 09:00 on 2026-10-09 in Shanghai.
	f.clock.Set(at(9, 1, time.October))
	d := request("claim-letter", received)
	d.Beneficiary = &events.Person{Name: "李四", Relation: "spouse"}
	f.open(t, d)
	preExisting := domain.RejectionReason{Code: "PRE_EXISTING", Text: "投保前已患有的疾病未如实告知。", Clause: "《中华人民共和国保险法》第十六条"}
	in := reject()
	in.Reasons = append(in.Reasons, preExisting)
	c, err := f.app.Decide(ctx, handler, "claim-letter", in)
	require.NoError(t, err)

	f.clock.Set(at(10, 1, time.October))
	pdf, got, err := f.app.RejectionLetter(ctx, senior, "claim-letter")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(pdf), "%PDF-"), "a PDF")
	sum := sha256.Sum256(pdf)
	assert.Equal(t, hex.EncodeToString(sum[:]), got.RejectionLetter.SHA256, "the stored SHA-256 is the PDF's")

	text := pdfText(t, pdf)
	for _, want := range []string{
		"拒绝赔偿通知书", // the product indemnifies medical expenses
		"文书编号：" + c.RejectionLetter.Number,
		"尊敬的李四：", "被保险人张三", "保险合同号：P-1", "理赔案号：CLAIM-LE", // the claim's short reference (issue 20)
		"于2026年10月9日作出核定", // the decision date
		"1." + waitingPeriodReason().Text, "依据：" + waitingPeriodReason().Clause,
		"2." + preExisting.Text, "依据：" + preExisting.Clause,
		"复核与申诉：" + testIssuer().ReviewProcedure,
		"客户服务电话400-000-0000", "投诉热线12378",
		"示例人寿保险股份有限公司2026年10月9日", // signed and dated the day of the rejection
	} {
		if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
			t.Errorf("the letter's text lacks %q; got:\n%s", want, text)
		}
	}
	// Names, not codes (issue 20): no reason code on the page.
	if strings.Contains(text, "WAITING_PERIOD") || strings.Contains(text, "理由代码") {
		t.Errorf("the letter's text has a reason code, want its reasons in words only; got:\n%s", text)
	}
}

func TestALetterIsKeptAsGeneratedAndUnchangedOnceSent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(at(9, 1, time.October))
	f.open(t, request("claim-keep", received))
	_, err := f.app.Decide(ctx, handler, "claim-keep", reject())
	require.NoError(t, err)

	f.clock.Set(at(10, 1, time.October))
	first, _, err := f.app.RejectionLetter(ctx, handler, "claim-keep")
	require.NoError(t, err)
	_, err = f.app.RecordRejectionLetterSent(ctx, handler, "claim-keep", "registered_electronic")
	require.NoError(t, err)
	f.clock.Set(at(20, 1, time.October))
	again, c, err := f.app.RejectionLetter(ctx, handler, "claim-keep")
	require.NoError(t, err)
	assert.Equal(t, first, again, "the same bytes, days later")
	assert.Equal(t, "2026-10-09", c.RejectionLetter.IssueDate.String())

	err = f.db.Exec("UPDATE rejection_letters SET pdf = 'x'::bytea").Error
	require.Error(t, err, "the database refuses to change a sent letter")
	assert.Contains(t, err.Error(), "kept unchanged")
	require.Error(t, f.db.Exec("DELETE FROM rejection_letters").Error, "or to delete it")

	_, _, err = f.app.RejectionLetter(ctx, handler, "no-such-claim")
	assert.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func TestALetterMissingIsGeneratedOnItsFirstDownload(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.clock.Set(at(9, 1, time.October))
	f.open(t, request("claim-late", received))
	_, _, err := f.app.RejectionLetter(ctx, handler, "claim-late")
	assert.Equal(t, apperr.NotFound, apperr.CodeOf(err), "a case not rejected has no letter")
	_, err = f.app.Decide(ctx, handler, "claim-late", reject())
	require.NoError(t, err)
	// A case rejected before letters were generated has none.
	// Set through the schema's owner: the service's role may not.
	require.NoError(t, f.owner.Exec("ALTER TABLE rejection_letters DISABLE TRIGGER rejection_letters_keep").Error)
	require.NoError(t, f.owner.Exec("DELETE FROM rejection_letters").Error)
	require.NoError(t, f.owner.Exec("ALTER TABLE rejection_letters ENABLE TRIGGER rejection_letters_keep").Error)

	f.clock.Set(at(10, 1, time.October))
	pdf, c, err := f.app.RejectionLetter(ctx, senior, "claim-late")
	require.NoError(t, err)
	require.NotNil(t, c.RejectionLetter)
	assert.Equal(t, "senior-1", c.RejectionLetter.GeneratedBy)
	assert.Equal(t, "2026-10-10", c.RejectionLetter.IssueDate.String(), "dated the day it was generated")
	assert.Contains(t, pdfText(t, pdf), "于2026年10月9日作出核定", "with the decision's date")
	again, _, err := f.app.RejectionLetter(ctx, handler, "claim-late")
	require.NoError(t, err)
	assert.Equal(t, pdf, again, "generated once")
}

func TestAReasonTheFontsCannotPrintIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.open(t, request("claim-emoji", time.Now().Add(-time.Hour)))
	in := reject()
	in.Reasons[0].Text += "\U0001F600"
	_, err := f.app.Decide(context.Background(), handler, "claim-emoji", in)
	e, ok := apperr.As(err)
	require.True(t, ok, "got %v", err)
	assert.Equal(t, apperr.Unprocessable, e.Code)
	assert.Equal(t, "reasons[0].text", e.Field)
	c, err := f.app.Case(context.Background(), "claim-emoji")
	require.NoError(t, err)
	assert.Equal(t, domain.StateReceived, c.State, "nothing decided")
}
