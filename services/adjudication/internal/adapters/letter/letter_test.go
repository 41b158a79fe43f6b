package letter_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"claims.local/adjudication/internal/adapters/letter"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/calendar"
)

// newRenderer loads the default fonts, which deployments/local/infra.sh
// installs (fonts-droid-fallback, fonts-dejavu-core).
func newRenderer(t *testing.T) *letter.Renderer {
	t.Helper()
	r, err := letter.NewRenderer(letter.DefaultFonts())
	if err != nil {
		t.Fatalf("load fonts: %v (run deployments/local/infra.sh install)", err)
	}
	return r
}

// notice returns a valid benefit notice with the given reasons.
func notice(t *testing.T, kind domain.NoticeKind, reasons ...domain.RejectionReason) domain.RejectionNotice {
	t.Helper()
	n, err := domain.NewRejectionNotice(domain.RejectionNotice{
		Kind:          kind,
		LetterNumber:  "理赔拒字〔2026〕第000123号",
		ClaimNumber:   "CLM-2026-000123",
		PolicyNumber:  "P110000123456",
		InsuredName:   "张喆",
		AddresseeName: "李堃",
		DecisionDate:  calendar.Date{Year: 2026, Month: 10, Day: 9},
		IssueDate:     calendar.Date{Year: 2026, Month: 10, Day: 12},
		Reasons:       reasons,
		ReviewProcedure: "如您对本核定结果有异议，可自收到本通知书之日起三十日内，携带本通知书及补充证明材料，" +
			"到我公司各营业网点或通过客户服务电话提出书面复核申请，我公司将自受理之日起十个工作日内书面答复。",
		ServicePhone:   "95500",
		CompanyName:    "XX人寿保险股份有限公司",
		CompanyAddress: "北京市西城区金融大街1号XX大厦12层",
	})
	if err != nil {
		t.Fatalf("build notice: %v", err)
	}
	return n
}

// waitingPeriod is a reason long enough to wrap over several lines.
func waitingPeriod() domain.RejectionReason {
	return domain.RejectionReason{
		Code: "WAITING_PERIOD",
		Text: "被保险人于2026年3月1日确诊恶性肿瘤，距本合同生效日（2026年1月15日）不足九十日，" +
			"属于合同约定的等待期内发生的保险事故，我公司不承担给付重大疾病保险金的责任，并将按合同约定退还已交保险费。",
		Clause: "《XX重大疾病保险条款》第七条第（二）项",
	}
}

// preExisting is a one-line reason citing a statute.
func preExisting() domain.RejectionReason {
	return domain.RejectionReason{
		Code:   "PRE_EXISTING",
		Text:   "投保前已患有的疾病（既往症）未如实告知。",
		Clause: "《中华人民共和国保险法》第十六条",
	}
}

// render renders n, writes it to a temporary file and returns the bytes
// and the path.
func render(t *testing.T, r *letter.Renderer, n domain.RejectionNotice) ([]byte, string) {
	t.Helper()
	pdf, err := r.Render(n)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	path := filepath.Join(t.TempDir(), "notice.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatalf("write pdf: %v", err)
	}
	return pdf, path
}

// run runs a poppler tool and returns its standard output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v (poppler-utils installed?)", name, strings.Join(args, " "), err)
	}
	return string(out)
}

// pageCount returns the number of pages pdfinfo reports.
func pageCount(t *testing.T, path string) int {
	t.Helper()
	for _, line := range strings.Split(run(t, "pdfinfo", path), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("pdfinfo pages %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatalf("pdfinfo gave no page count")
	return 0
}

// squeeze removes all white space, so that text wrapped across lines or
// spaced out by pdftotext's layout compares whole.
func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func TestRenderText(t *testing.T) {
	r := newRenderer(t)
	many := make([]domain.RejectionReason, domain.MaxRejectionReasons)
	for i := range many {
		many[i] = waitingPeriod()
	}
	tests := []struct {
		name     string
		notice   domain.RejectionNotice
		want     []string
		wantNot  []string
		minPages int
	}{
		{
			name:   "benefit, two reasons",
			notice: notice(t, domain.BenefitRefusal, waitingPeriod(), preExisting()),
			want: []string{
				"拒绝给付保险金通知书", "文书编号：理赔拒字〔2026〕第000123号", "尊敬的李堃：",
				"被保险人张喆", "保险合同号：P110000123456", "理赔案号：CLM-2026-000123",
				"于2026年10月9日作出核定", "决定拒绝给付保险金",
				"1." + waitingPeriod().Text, "依据：" + waitingPeriod().Clause,
				"2." + preExisting().Text, "依据：" + preExisting().Clause,
				"《中华人民共和国保险法》第二十四条", "复核与申诉：", "投诉热线12378", "客户服务电话95500",
				"XX人寿保险股份有限公司2026年10月12日", "地址：北京市西城区金融大街1号XX大厦12层",
			},
			// Names, not codes (issue 20).
			wantNot:  []string{"理由代码", "WAITING_PERIOD", "PRE_EXISTING"},
			minPages: 1,
		},
		{
			name:     "indemnity, every reason, several pages",
			notice:   notice(t, domain.IndemnityRefusal, many...),
			want:     []string{"拒绝赔偿通知书", "决定拒绝赔偿", "10." + waitingPeriod().Text, "2026年10月12日"},
			minPages: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, path := render(t, r, tt.notice)
			text := run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")
			got := squeeze(text)
			pages := pageCount(t, path)
			if pages < tt.minPages {
				t.Errorf("got %d pages, want at least %d", pages, tt.minPages)
			}
			for i := 1; i <= pages; i++ {
				tt.want = append(tt.want, fmt.Sprintf("第 %d 页 共 %d 页", i, pages))
			}
			for _, w := range tt.want {
				if !strings.Contains(got, squeeze(w)) {
					t.Errorf("extracted text lacks %q; got:\n%s", w, text)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, squeeze(w)) {
					t.Errorf("extracted text has %q, want a name instead of a code; got:\n%s", w, text)
				}
			}
		})
	}
}

func TestRenderEmbedsFonts(t *testing.T) {
	_, path := render(t, newRenderer(t), notice(t, domain.BenefitRefusal, waitingPeriod()))
	out := run(t, "pdffonts", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("got pdffonts output %q, want a header and font rows", out)
	}
	emb := strings.Index(lines[0], "emb")
	if emb < 0 {
		t.Fatalf("got pdffonts header %q, want an emb column", lines[0])
	}
	rows := lines[2:]
	if got, want := len(rows), 2; got != want {
		t.Fatalf("got %d fonts, want %d (CJK and Latin):\n%s", got, want, out)
	}
	for _, row := range rows {
		if got := strings.TrimSpace(row[emb : emb+3]); got != "yes" {
			t.Errorf("got emb %q, want yes in row %q", got, row)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	r := newRenderer(t)
	n := notice(t, domain.BenefitRefusal, waitingPeriod(), preExisting())
	first, _ := render(t, r, n)
	for i := 0; i < 2; i++ {
		again, _ := render(t, r, n)
		if !bytes.Equal(again, first) {
			t.Fatalf("rendering %d: got SHA-256 %x, want %x as the first time", i+2, sha256.Sum256(again), sha256.Sum256(first))
		}
	}
	other := n
	other.IssueDate = calendar.Date{Year: 2026, Month: 10, Day: 13}
	if changed, _ := render(t, r, other); bytes.Equal(changed, first) {
		t.Fatalf("got the same bytes for another issue date, want different")
	}
}

func TestRenderRefuses(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name      string
		spoil     func(n *domain.RejectionNotice)
		wantCode  apperr.Code
		wantField string
	}{
		{"reason without clause", func(n *domain.RejectionNotice) { n.Reasons[0].Clause = "" }, apperr.Invalid, "reasons[0].clause"},
		{"no reasons", func(n *domain.RejectionNotice) { n.Reasons = nil }, apperr.Invalid, "reasons"},
		{"no claim number", func(n *domain.RejectionNotice) { n.ClaimNumber = "" }, apperr.Invalid, "claim_number"},
		// U+20BB7 (𠮷, CJK Extension B) is beyond fpdf's reach.
		{"name outside the fonts", func(n *domain.RejectionNotice) { n.InsuredName = "\U00020BB7田" }, apperr.Unprocessable, "insured_name"},
		{"emoji in a reason", func(n *domain.RejectionNotice) { n.Reasons[0].Text += "\U0001F600" }, apperr.Unprocessable, "reasons[0].text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := notice(t, domain.BenefitRefusal, waitingPeriod())
			tt.spoil(&n)
			pdf, err := r.Render(n)
			e, ok := apperr.As(err)
			if !ok || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Fatalf("got %v, want %s on field %q", err, tt.wantCode, tt.wantField)
			}
			if pdf != nil {
				t.Fatalf("got %d bytes of PDF, want none", len(pdf))
			}
		})
	}
}

func TestNewRendererRefuses(t *testing.T) {
	dir := t.TempDir()
	notAFont := filepath.Join(dir, "notafont.ttf")
	if err := os.WriteFile(notAFont, []byte("this is not a font"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		fonts letter.Fonts
	}{
		{"no CJK font", letter.Fonts{Latin: letter.DefaultLatinFontPath}},
		{"missing file", letter.Fonts{CJK: filepath.Join(dir, "missing.ttf")}},
		{"not a font", letter.Fonts{CJK: letter.DefaultFontPath, Latin: notAFont}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := letter.NewRenderer(tt.fonts); err == nil {
				t.Fatalf("got no error, want one")
			}
		})
	}
}
