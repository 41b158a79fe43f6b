package document

import (
	"regexp"
	"slices"
	"strings"

	"claims.local/pkg/calendar"
)

// Date labels by meaning, most specific first; English ones lower-case.
// Read-only.
var (
	admissionLabels = []string{"入院日期", "入院时间", "admission date", "date of admission"}
	dischargeLabels = []string{"出院日期", "出院时间", "discharge date", "date of discharge"}
	// stayLabels introduce a stay printed as a range of two dates.
	stayLabels      = []string{"住院日期", "住院时间", "住院期间", "period of stay"}
	diagnosisLabels = []string{"诊断日期", "诊断时间", "就诊日期", "门诊日期", "就诊时间", "date of diagnosis", "date of visit"}
	issueLabels     = []string{"出具日期", "公证日期", "开具日期", "签发日期", "发证日期", "证明日期", "date of issue"}
)

// extractMeaning fills the fields whose meaning depends on the type:
// dates, names by role, institution, invoice code and check code, and a
// medical invoice's details; at receives their offsets.
func extractMeaning(norm string, t Type, f *Fields, at offsets) {
	setDate := func(dst *calendar.Date, name string, d calendar.Date, off span) {
		if d.IsValid() && !dst.IsValid() {
			*dst = d
			at[name] = off
		}
	}
	switch t {
	case DischargeSummary, MedicalInvoice:
		d, off := findLabelledDate(norm, admissionLabels)
		setDate(&f.AdmissionDate, "admission_date", d, off)
		d, off = findLabelledDate(norm, dischargeLabels)
		setDate(&f.DischargeDate, "discharge_date", d, off)
		if from, to, ok := findDateRange(norm, stayLabels); ok {
			setDate(&f.AdmissionDate, "admission_date", from.date, span{from.start, from.end})
			setDate(&f.DischargeDate, "discharge_date", to.date, span{to.start, to.end})
		}
		if t == DischargeSummary {
			// The insured event of a stay is the admission.
			setDate(&f.EventDate, "event_date", f.AdmissionDate, at["admission_date"])
		}
	case DeathCertificate:
		setDate(&f.DeathDate, "death_date", f.EventDate, at["event_date"])
	case DiagnosisCertificate:
		d, off := findLabelledDate(norm, diagnosisLabels)
		setDate(&f.DiagnosisDate, "diagnosis_date", d, off)
	case DisabilityAppraisal:
		setDate(&f.AppraisalDate, "appraisal_date", f.EventDate, at["event_date"])
	case RelationshipProof:
		d, off := findLabelledDate(norm, issueLabels)
		if !d.IsValid() {
			d, off = lastDateLine(norm)
		}
		setDate(&f.IssueDate, "issue_date", d, off)
	}
	findRoles(norm, t, f, at)
	if name, off := findInstitution(norm); name != "" {
		f.Institution, at["institution"] = name, span{off, off + len(name)}
	}
	if m := invoiceCodePattern.FindStringSubmatchIndex(norm); m != nil {
		f.InvoiceCode, at["invoice_code"] = norm[m[2]:m[3]], span{m[2], m[3]}
	}
	if m := checkCodePattern.FindStringSubmatchIndex(norm); m != nil {
		f.CheckCode, at["check_code"] = squeeze(norm[m[2]:m[3]]), span{m[2], m[3]}
	}
	if slices.Contains(medicalTypes, t) {
		if m := visitNumberPattern.FindStringSubmatchIndex(norm); m != nil {
			f.VisitNumber, at["visit_number"] = norm[m[4]:m[5]], span{m[4], m[5]}
			f.VisitKind = visitKinds[norm[m[2]:m[3]]]
		}
	}
	if t == MedicalInvoice {
		f.Invoice = readInvoice(norm, f, at)
	}
}

// visitNumberPattern matches a visit number after its label (门诊号,
// 住院号, 病历号, each also with 码) and up to four marks OCR reads the
// colon and the gap as: 6 to 12 digits, the whole run (a longer run is no
// visit number). Read-only.
var visitNumberPattern = regexp.MustCompile(`(门诊|住院|病历)号码?[^0-9A-Za-z\n]{0,4}([0-9]{6,12})\b`)

// The kinds of visit a visit number's label names (Fields.VisitKind).
const (
	// VisitOutpatient is an outpatient visit's number (门诊号).
	VisitOutpatient = "outpatient"
	// VisitInpatient is a hospital stay's number (住院号).
	VisitInpatient = "inpatient"
	// VisitRecord is the patient's medical record number (病历号).
	VisitRecord = "record"
)

// visitKinds maps the label visitNumberPattern read before 号 to the kind
// of visit it names. Read-only.
var visitKinds = map[string]string{"门诊": VisitOutpatient, "住院": VisitInpatient, "病历": VisitRecord}

// invoiceCodePattern matches an invoice's or receipt's code after its
// label. Read-only.
var invoiceCodePattern = regexp.MustCompile(`(?:发票代码|票据代码|(?i:invoice\s*code))[^0-9A-Za-z\n]{0,6}([0-9]{8,12})\b`)

// checkCodePattern matches a check code after its label: 20 digits in
// groups of five on a VAT invoice, 6 letters and digits on an electronic
// medical receipt. Read-only.
var checkCodePattern = regexp.MustCompile(`(?:校验码|(?i:check\s*code))[^0-9A-Za-z\n]{0,6}([0-9A-Za-z]{4,20}(?: [0-9A-Za-z]{4,10}){0,4})\b`)

// Name labels by role. Read-only.
var (
	patientLabels  = []string{"患者", "病人", "就诊人"}
	insuredLabels  = []string{"被保险人", "参保人", "被保人"}
	deceasedLabels = []string{"死者"}
)

// medicalTypes are the types whose bare 姓名 is the patient's. Read-only.
var medicalTypes = []Type{DischargeSummary, MedicalInvoice, DiagnosisCertificate}

// findRoles fills the names by role from the name labels: the first name
// each role's labels introduce, directly (患者:张三) or before 姓名
// (患者姓名:张三). A bare 姓名 is the patient's on a medical document, the
// deceased's on a death certificate and the card's on an identity card
// (IDCardName); on a medical invoice the payer
// (交款人) is the patient.
func findRoles(norm string, t Type, f *Fields, at offsets) {
	set := func(dst *string, name string, h nameHit) {
		if *dst == "" {
			*dst = h.name
			at[name] = span{h.at, h.end}
		}
	}
	for _, h := range nameHits(norm) {
		role := h.label
		if role == "姓名" && h.qualifier != "" {
			role = h.qualifier
		}
		switch {
		case slices.Contains(patientLabels, role),
			role == "姓名" && slices.Contains(medicalTypes, t),
			role == "交款人" && t == MedicalInvoice:
			set(&f.PatientName, "patient_name", h)
		case slices.Contains(insuredLabels, role):
			set(&f.InsuredName, "insured_name", h)
		case slices.Contains(deceasedLabels, role), role == "姓名" && t == DeathCertificate:
			set(&f.DeceasedName, "deceased_name", h)
		case role == "姓名" && t == IDCard:
			set(&f.IDCardName, "holder_name", h)
		}
	}
}

// institutionLabels introduce the issuing institution. Read-only.
var institutionLabels = []string{"收款单位", "医疗机构名称", "医疗机构", "医院名称", "就诊医院", "鉴定机构", "开票单位", "出具单位"}

// institutionSuffixes end the names of hospitals, appraisal institutes
// and notary offices. Read-only.
var institutionSuffixes = []string{"医院", "卫生院", "卫生服务中心", "卫生服务站", "诊所", "医疗中心", "保健院",
	"司法鉴定所", "司法鉴定中心", "鉴定中心", "鉴定所", "公证处"}

// institutionValue matches the value of an institution label: the
// optional (盖章) or (章), a colon, then Han characters and brackets.
// Read-only.
var institutionValue = regexp.MustCompile(`^(?:\((?:盖章|章)\))?:?([\p{Han}()]{4,40})`)

// institutionName matches a line that starts with an institution's name.
// Read-only.
var institutionName = regexp.MustCompile(`^([\p{Han}()]{2,30}?(?:` + strings.Join(institutionSuffixes, "|") + `))`)

// findInstitution returns the issuing institution and its offset: the
// value of the first institution label, else the first line that starts
// with a name ending like an institution's (医院, 司法鉴定所, 公证处…).
func findInstitution(norm string) (string, int) {
	for _, label := range institutionLabels {
		if i := strings.Index(norm, label); i >= 0 {
			rest := norm[i+len(label):]
			if m := institutionValue.FindStringSubmatchIndex(rest); m != nil {
				name := cutInstitution(rest[m[2]:m[3]])
				if endsWithAny(name, institutionSuffixes) {
					return name, i + len(label) + m[2]
				}
			}
		}
	}
	off := 0
	for _, line := range strings.Split(norm, "\n") {
		if m := institutionName.FindStringSubmatchIndex(line); m != nil {
			name := line[m[2]:m[3]]
			// 转诊医院: is a label, not a name.
			if !startsWithAny(name, institutionLabels) && !strings.HasPrefix(line[m[3]:], ":") {
				return name, off + m[2]
			}
		}
		off += len(line) + 1
	}
	return "", 0
}

// cutInstitution cuts an institution's name at its suffix, dropping the
// labels that may follow it on the line (收款人, 复核…).
func cutInstitution(s string) string {
	end := -1
	for _, suf := range institutionSuffixes {
		if i := strings.LastIndex(s, suf); i >= 0 && i+len(suf) > end {
			end = i + len(suf)
		}
	}
	if end < 0 {
		return s
	}
	return s[:end]
}

// endsWithAny reports whether s ends with one of words.
func endsWithAny(s string, words []string) bool {
	for _, w := range words {
		if strings.HasSuffix(s, w) {
			return true
		}
	}
	return false
}
