package document

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"claims.local/pkg/calendar"
)

// Fields are the values read from a document. A zero value means "not
// found": IDNumber and InvoiceNumber are empty, EventDate is the zero Date
// (IsValid is false), HasAmount is false, Names is nil.
type Fields struct {
	// IDNumber is an 18-character resident ID number whose GB 11643
	// checksum verifies.
	IDNumber string
	// HasAmount reports whether a total was read. TotalAmountFen is the
	// total in fen: the figures (小写) when they were read, else the
	// capitals (大写).
	HasAmount      bool
	TotalAmountFen int64
	// FiguresFen and CapitalsFen are the two readings of the total, each
	// valid when its Has flag is set. AmountsDisagree is set when both were
	// read and differ: the two must agree on a Chinese voucher (a cheque
	// whose amounts differ is void, Negotiable Instruments Law art. 8), so
	// either the document or its OCR is wrong and a handler must look at
	// the original.
	HasFigures, HasCapitals bool
	FiguresFen, CapitalsFen int64
	AmountsDisagree         bool
	// EventDate is the date of the insured event the document proves:
	// death, admission, visit, accident or appraisal, depending on the type.
	EventDate calendar.Date
	// InvoiceNumber is the number of an invoice or receipt (发票号码/票据号码,
	// or No. on a paper invoice), with its letters when it has some
	// (No.A1234567 reads A1234567).
	InvoiceNumber string
	// Names are the people named in the document (姓名, 患者, 死者, 持卡人…),
	// in order of appearance, without repeats.
	Names []string
	// AccountNumber is the digits of a bank-card document's card or account
	// number (16 to 19 digits; a card number's Luhn digit verifies), and
	// AccountHolder the holder's name when the document prints one (持卡人,
	// 户名, 账户名称: many debit cards print none). Both are read only from
	// documents of type BankCard.
	AccountNumber string
	AccountHolder string
	// AdmissionDate and DischargeDate are a hospital stay's (入院日期,
	// 出院日期, or the range after 住院日期), read from discharge summaries
	// and medical invoices. DeathDate is a death certificate's,
	// DiagnosisDate a diagnosis certificate's (诊断日期, 就诊日期),
	// AppraisalDate a disability appraisal's (鉴定日期, else the date it was
	// commissioned, 委托日期, or accepted, 受理日期), and IssueDate the date a
	// relationship proof or notarial certificate was issued (出具日期,
	// 公证日期, or the date under the seal, often in Chinese numerals:
	// 二〇二六年三月十日). Each is read only from the types that print it.
	AdmissionDate, DischargeDate calendar.Date
	DeathDate                    calendar.Date
	DiagnosisDate                calendar.Date
	AppraisalDate                calendar.Date
	IssueDate                    calendar.Date
	// PatientName (患者, 病人, 就诊人, the 姓名 of a medical document, the
	// 交款人 of a medical invoice), InsuredName (被保险人, 参保人) and
	// DeceasedName (死者, the 姓名 of a death certificate) are names by
	// their role; Names still lists every name.
	PatientName, InsuredName, DeceasedName string
	// IDCardName is the name a resident identity card prints (its bare
	// 姓名), read only from documents of type IDCard, located as
	// holder_name: straight-through adjudication compares it with the
	// insured's (issue 19).
	IDCardName string
	// Institution is the hospital, appraisal institute or notary office
	// that issued the document: the value of a label such as 收款单位 or
	// 医疗机构, else the first line that starts with such a name.
	Institution string
	// InvoiceCode is an invoice's or receipt's code (发票代码/票据代码, 8
	// to 12 digits) and CheckCode its check code (校验码, the last digits
	// a taxpayer types to verify an electronic invoice; spaces removed).
	InvoiceCode, CheckCode string
	// VisitNumber is the hospital's number of the visit a medical invoice,
	// a diagnosis certificate or a discharge summary is of: 门诊号 for an
	// outpatient visit, 住院号 for a stay, or the patient's record number
	// 病历号 (each also with 码), 6 to 12 digits. The receipt and the
	// certificate of one visit print the same number, which ties them to
	// each other (issue 19); it is read only from those types.
	VisitNumber string
	// VisitKind is the kind of visit VisitNumber's label names:
	// VisitOutpatient (门诊号), VisitInpatient (住院号) or VisitRecord
	// (病历号); "" when no visit number was read. A hospital numbers each
	// kind apart, so the same digits under two kinds are two visits.
	VisitKind string
	// Invoice holds what only medical invoices and itemised bills print:
	// the social-insurance split, the items and the checks of their sums.
	// It is nil for the other types.
	Invoice *InvoiceDetails
	// Sources say where each field was read, keyed by the field's name on
	// the claim-request event (total_amount_fen, invoice_number,
	// invoice_code, check_code, institution, patient_name, visit_number, admission_date,
	// discharge_date, event_date, holder_name: a bank card's holder or an
	// identity card's name), else by its name in the
	// same style (id_number, account_number, insured_name, deceased_name,
	// death_date, diagnosis_date, appraisal_date, issue_date); a split's
	// components as insurance.fund_paid_fen and the like, an item as
	// items[0], items[1]…. Only AnalyzePages, which knows the lines' pages
	// and boxes, fills it; a field without an entry was not located.
	Sources map[string]Source
	// SecondReading names the name fields (patient_name, holder_name) read
	// below the floor whose line a second OCR model (ocr.Config's
	// SecondLanguage) read as the same name, on a page not in doubt as a
	// whole (issue 19). Corroborated reports them; adjudication relies on
	// them only when the name is the policy's insured.
	SecondReading []string
	// NameRereadings are the names' values read a second time alone
	// (RereadName): each beside its first reading, which stays the one
	// used.
	NameRereadings []NameRereading
}

// Extract returns the fields of a document of type t from its text.
func Extract(text string, t Type) Fields {
	f, _ := extract(Normalize(text), t)
	return f
}

// extractNormalized returns the fields of normalised text.
func extractNormalized(norm string, t Type) Fields {
	f, _ := extract(norm, t)
	return f
}

// offsets say where in the normalised text each field's value was read,
// keyed by the field's Sources name. AnalyzePages maps them back to the
// lines, and the words, they fall in.
type offsets map[string]span

// span is where a value stands in a text: the byte offset of its first
// byte and the one just past its last.
type span struct{ start, end int }

// extract returns the fields of normalised text of type t, and where each
// was read.
func extract(norm string, t Type) (Fields, offsets) {
	var f Fields
	at := offsets{}
	f.IDNumber, _ = findIDNumber(norm)
	var figAt, capAt span
	f.FiguresFen, f.HasFigures, figAt = findFigures(norm)
	f.CapitalsFen, f.HasCapitals, capAt = findCapitals(norm)
	switch {
	case f.HasFigures:
		f.HasAmount, f.TotalAmountFen = true, f.FiguresFen
		at["total_amount_fen"] = figAt
	case f.HasCapitals:
		f.HasAmount, f.TotalAmountFen = true, f.CapitalsFen
		at["total_amount_fen"] = capAt
	}
	f.AmountsDisagree = f.HasFigures && f.HasCapitals && f.FiguresFen != f.CapitalsFen
	var off span
	if f.EventDate, off = findEventDate(norm, t); f.EventDate.IsValid() {
		at["event_date"] = off
	}
	var numberAt int
	if f.InvoiceNumber, numberAt = findInvoiceNumber(norm, t); f.InvoiceNumber != "" {
		at["invoice_number"] = span{numberAt, numberAt + len(f.InvoiceNumber)}
	}
	f.Names = findNames(norm)
	if t == BankCard {
		f.AccountNumber, f.AccountHolder = findAccountNumber(norm), findAccountHolder(norm)
	}
	extractMeaning(norm, t, &f, at)
	return f, at
}

// figureLabels introduce an amount in figures, most specific first: a
// total written as 小写 beats one labelled 合计. Read-only.
var figureLabels = [][]string{
	{"小写"},
	{"合计金额", "金额合计", "费用合计", "总金额", "总费用", "医疗费总额", "价税合计"},
	{"合计", "总计", "total", "Total", "TOTAL", "Amount", "amount"},
}

// labelledFigures matches figures after a label: up to 12 characters that
// are not digits (":", "(", "¥", OCR noise for ¥ such as Y or 羊) and then
// the amount. Read-only.
var labelledFigures = regexp.MustCompile(`^[^0-9\n]{0,12}?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?`)

// yuanFigures matches an amount in figures after a yuan sign. Read-only.
var yuanFigures = regexp.MustCompile(`[¥](\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?`)

// findFigures returns the total in figures: the first amount after the most
// specific label found, else the largest amount after a ¥ sign; and where
// the amount stands in norm.
func findFigures(norm string) (int64, bool, span) {
	for _, labels := range figureLabels {
		for _, label := range labels {
			if fen, at, ok := labelledAmount(norm, label); ok {
				return fen, true, at
			}
		}
	}
	var best int64
	found, at := false, span{}
	for _, m := range yuanFigures.FindAllStringSubmatchIndex(norm, -1) {
		if !wholeFigures(norm, m[2], m[1]) {
			continue
		}
		if fen, err := figuresToFen(norm[m[2]:m[3]], group(norm, m, 2)); err == nil && fen >= best {
			best, found, at = fen, true, span{m[0], m[1]}
		}
	}
	return best, found, at
}

// labelledAmount returns the first amount in figures that follows label in
// norm, and where it stands.
func labelledAmount(norm, label string) (int64, span, bool) {
	for from := 0; ; {
		i := strings.Index(norm[from:], label)
		if i < 0 {
			return 0, span{}, false
		}
		from += i + len(label)
		if m := labelledFigures.FindStringSubmatchIndex(norm[from:]); m != nil && wholeFigures(norm, from+m[2], from+m[1]) {
			if fen, err := figuresToFen(norm[from+m[2]:from+m[3]], group(norm[from:], m, 2)); err == nil {
				return fen, span{from + m[2], from + m[1]}, true
			}
		}
	}
}

// wholeFigures reports whether the figures at norm[start:end] are a whole
// amount: not the tail of one whose leading digits OCR read as something
// else (涪,000.00 is ¥1,000.00 misread: its figures are unread, not 0.00),
// nor the head of one whose separator it read otherwise (1.000.00 is not
// 1.00).
func wholeFigures(norm string, start, end int) bool {
	if start > 0 && strings.ContainsRune(",.", rune(norm[start-1])) {
		return false
	}
	digit := func(i int) bool { return i < len(norm) && norm[i] >= '0' && norm[i] <= '9' }
	return !digit(end) && !(strings.ContainsRune(",.", rune(norm[min(end, len(norm)-1)])) && end < len(norm) && digit(end+1))
}

// group returns submatch g of a match m in s, or "" when it did not take
// part.
func group(s string, m []int, g int) string {
	if m[2*g] < 0 {
		return ""
	}
	return s[m[2*g]:m[2*g+1]]
}

// capitalRun matches a run of capital numerals with yuan units. Read-only.
var capitalRun = regexp.MustCompile(`[零〇壹贰叁参肆伍陆柒捌玖拾佰仟万萬亿億元圆角分整正]+`)

// findCapitals returns the total in capitals: the run after 大写 when there
// is one, else the longest run that parses and names 元, 圆 or 角; and where
// the run stands in norm.
func findCapitals(norm string) (int64, bool, span) {
	joined, orig := squeezeIndex(norm)
	if i := strings.Index(joined, "大写"); i >= 0 {
		start := i + len("大写")
		after := strings.TrimLeft(joined[start:], ":()人民币")
		start = len(joined) - len(after)
		if loc := capitalRun.FindStringIndex(after); loc != nil && loc[0] <= 6 {
			if fen, err := ParseCapitalAmount(after[loc[0]:loc[1]]); err == nil {
				return fen, true, span{orig[start+loc[0]], orig[start+loc[1]-1] + 1}
			}
		}
	}
	var best int64
	bestLen, at := 0, span{}
	found := false
	for _, loc := range capitalRun.FindAllStringIndex(joined, -1) {
		run := joined[loc[0]:loc[1]]
		if !strings.ContainsAny(run, "元圆角") || utf8.RuneCountInString(run) <= bestLen {
			continue
		}
		if fen, err := ParseCapitalAmount(run); err == nil {
			best, bestLen, found, at = fen, utf8.RuneCountInString(run), true, span{orig[loc[0]], orig[loc[1]-1] + 1}
		}
	}
	return best, found, at
}

// eventDateLabels are the labels of each type's event date, most specific
// first. An appraisal that prints no appraisal date is dated by when it was
// commissioned (委托日期) or accepted (受理日期). Types without an insured event (ID card, bank card, relationship
// proof, other) have none. Read-only.
var eventDateLabels = map[Type][]string{
	DeathCertificate:     {"死亡日期", "死亡时间", "date of death"},
	DischargeSummary:     {"入院日期", "入院时间", "住院日期", "admission date"},
	MedicalInvoice:       {"就诊日期", "入院日期", "住院日期", "住院时间", "门诊日期", "收费日期", "开票日期", "date of visit"},
	DiagnosisCertificate: {"就诊日期", "诊断日期", "门诊日期", "就诊时间", "date of visit"},
	AccidentReport:       {"事故时间", "事故发生时间", "事故日期", "发生时间", "date of accident"},
	DisabilityAppraisal: {"鉴定日期", "鉴定时间", "评定日期", "鉴定完成日期", "date of appraisal",
		"委托日期", "委托时间", "受理日期", "受理时间", "date of commission"},
}

// datePattern matches 2026年3月5日, 2026-03-05, 2026.03.05 and 2026/3/5.
// Read-only.
var datePattern = regexp.MustCompile(`(\d{4})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})`)

// findEventDate returns the first valid date that follows one of t's event
// date labels within 20 characters, and where it stands in norm.
func findEventDate(norm string, t Type) (calendar.Date, span) {
	return findLabelledDate(norm, eventDateLabels[t])
}

// ParseDate parses a date written as 2026年3月5日, 2026-03-05 or 2026.03.05
// (with or without leading zeros) and rejects impossible dates.
func ParseDate(s string) (calendar.Date, bool) {
	norm := squeeze(Normalize(s))
	loc := datePattern.FindStringSubmatchIndex(norm)
	if loc == nil || loc[0] != 0 {
		return calendar.Date{}, false
	}
	if rest := strings.TrimPrefix(norm[loc[1]:], "日"); rest != "" {
		return calendar.Date{}, false
	}
	m := func(g int) int { return atoiDigits(norm[loc[2*g]:loc[2*g+1]]) }
	d := calendar.Date{Year: m(1), Month: time.Month(m(2)), Day: m(3)}
	return d, d.IsValid()
}

// invoiceNumberPattern matches an invoice or receipt number after its label:
// 8 digits on a paper VAT invoice, 10 on a medical receipt, 20 on a
// digital invoice, with up to three capital letters before the digits
// (No.A1234567) as some issuers print. Read-only.
var invoiceNumberPattern = regexp.MustCompile(`(?:发票号码|票据号码|发票号|票据号|(?i:invoice\s*no\.?|receipt\s*no\.?))[^0-9A-Za-z\n]{0,6}(?:No[.:]?\s*)?([A-Z]{0,3}[0-9]{6,20})\b`)

// invoiceNumberValue matches an invoice number after its label, as
// invoiceNumberPattern does. Read-only.
var invoiceNumberValue = regexp.MustCompile(`^[^0-9A-Za-z\n]{0,6}(?:No[.:]?\s*)?([A-Z]{0,3}[0-9]{6,20})\b`)

// invoiceNumberLabels are the labels of an invoice number that OCR may
// read with one character wrong (莫据号码), and notInvoiceNumberLabels the
// real labels one character away from them, whose numbers are not the
// invoice's. Read-only.
var (
	invoiceNumberLabels    = []string{"票据号码", "发票号码"}
	notInvoiceNumberLabels = []string{"票据代码", "发票代码", "票据号码", "发票号码", "病历号码", "住院号码", "门诊号码"}
)

// fuzzyInvoiceNumber returns the number after an invoice number label read
// with one character wrong, and its offset; "" when there is none.
func fuzzyInvoiceNumber(norm string) (string, int) {
	for _, label := range invoiceNumberLabels {
		for from := 0; ; {
			i, n := fuzzyIndex(norm[from:], label, notInvoiceNumberLabels)
			if i < 0 {
				break
			}
			from += i + n
			if m := invoiceNumberValue.FindStringSubmatchIndex(norm[from:]); m != nil {
				return norm[from+m[2] : from+m[3]], from + m[2]
			}
		}
	}
	return "", 0
}

// noNumberPattern matches a number printed after No. alone, as paper
// invoices print theirs in the top right corner. Read-only.
var noNumberPattern = regexp.MustCompile(`(?:^|[^A-Za-z])N[oO№][.:]?\s*([A-Z]{1,3}[0-9]{6,12}|[0-9]{8,20})\b`)

// findInvoiceNumber returns the first labelled invoice or receipt number,
// else, on a medical invoice, the first number after No.; and its offset.
func findInvoiceNumber(norm string, t Type) (string, int) {
	if m := invoiceNumberPattern.FindStringSubmatchIndex(norm); m != nil {
		return norm[m[2]:m[3]], m[2]
	}
	if number, at := fuzzyInvoiceNumber(norm); number != "" {
		return number, at
	}
	if t == MedicalInvoice {
		if m := noNumberPattern.FindStringSubmatchIndex(norm); m != nil {
			return norm[m[2]:m[3]], m[2]
		}
	}
	return "", 0
}

// nameLabels introduce a person's name. 姓名 may be followed by the name
// directly (an ID card prints "姓名 张伟", whose space OCR normalisation
// removes); the others are words of running text too ("当事人承担…") and
// count as labels only before a colon. Read-only.
var nameLabels = []string{"姓名", "患者", "病人", "死者", "持卡人", "户主", "被鉴定人", "当事人", "交款人", "申请人", "被保险人",
	"就诊人", "参保人"}

// nameStops are the field labels that may follow a name on the same line
// once OCR spaces are gone ("姓名张三性别男"); a name is cut before them.
// Read-only.
var nameStops = []string{"性别", "民族", "年龄", "出生", "住址", "身份", "科室", "科别", "床号", "住院", "门诊",
	"就诊", "入院", "出院", "诊断", "电话", "职业", "籍贯", "婚姻", "与户主", "户主", "关系", "户号", "卡号", "证件",
	"国籍", "工作", "单位", "日期", "编号", "签名", "校验码", "票据", "发票", "收款", "交款", "合计", "医保", "病历",
	"男", "女"}

// namePattern matches a label's name: an optional colon (which OCR reads as
// a semicolon at times, "交款人 ; 王芳", and pads with dots, quotes or a
// second colon: "户主姓名.: 周杰", "交款人 :; 吴刚"), then 2 to 10 Han
// characters or the middle dot of minority names. Read-only.
var namePattern = regexp.MustCompile(`^([.,:;'"“”‘’| ]{0,4})([\p{Han}·]{2,10})`)

// findNames returns the names that follow name labels, in order of
// appearance, without repeats. A name has 2 to 4 characters (复姓 included),
// or up to 10 with the middle dot of a minority name (阿依古丽·买买提).
func findNames(norm string) []string {
	var names []string
	seen := map[string]bool{}
	for _, h := range nameHits(norm) {
		if !seen[h.name] {
			seen[h.name] = true
			names = append(names, h.name)
		}
	}
	return names
}

// nameHit is a name read after a label: the label, the label standing
// right before a 姓名 label (患者 in 患者姓名), and the offsets of the name
// as printed (before repairName, which keeps its length).
type nameHit struct {
	name, label, qualifier string
	at, end                int
}

// nameHits returns every name that follows a name label, in order of
// appearance, repeats included.
func nameHits(norm string) []nameHit {
	var hits []nameHit
	lineStart := 0
	for _, line := range strings.Split(norm, "\n") {
		prevLabel, prevEnd := "", -1
		for i := 0; i < len(line); {
			label, at, size := firstNameLabel(line[i:])
			if at < 0 {
				break
			}
			qualifier := ""
			if label == "姓名" && prevEnd == i+at {
				qualifier = prevLabel
			}
			rest := line[i+at+size:]
			i += at + size
			prevLabel, prevEnd = label, i
			m := namePattern.FindStringSubmatchIndex(rest)
			if m == nil || !strings.ContainsAny(rest[m[2]:m[3]], ":;") && label != "姓名" {
				continue
			}
			raw := rest[m[4]:m[5]]
			if startsWithAny(raw, nameLabels) || startsWithAny(raw, nameStops) {
				continue // 患者姓名:张三 or 与户主关系: a label, not a name
			}
			printed := cutAtStop(raw)
			name := repairName(printed)
			n := utf8.RuneCountInString(name)
			if n < 2 || n > 4 && !strings.Contains(name, "·") {
				continue
			}
			start := lineStart + i + m[4]
			hits = append(hits, nameHit{name: name, label: label, qualifier: qualifier, at: start, end: start + len(printed)})
		}
		lineStart += len(line) + 1
	}
	return hits
}

// firstLabel returns the label of labels that occurs first in s, and where.
func firstLabel(s string, labels []string) (string, int) {
	best, at := "", -1
	for _, l := range labels {
		if i := strings.Index(s, l); i >= 0 && (at < 0 || i < at) {
			best, at = l, i
		}
	}
	return best, at
}

// cutAtStop cuts name before the first field label it runs into. The first
// character is the surname and never cut (surnames such as 关 or 单 exist).
func cutAtStop(name string) string {
	_, first := utf8.DecodeRuneInString(name)
	end := len(name)
	for _, stop := range nameStops {
		if i := strings.Index(name[first:], stop); i >= 0 && first+i < end {
			end = first + i
		}
	}
	return name[:end]
}

// startsWithAny reports whether s starts with one of the words of two or
// more characters in words.
func startsWithAny(s string, words []string) bool {
	for _, w := range words {
		if utf8.RuneCountInString(w) >= 2 && strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}
