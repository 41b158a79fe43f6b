package adapters

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// appendReportJSON appends row as a JSON object of its columns, as
// jsonb_populate_recordset reads them into a group's reports (issue 21):
// every column by its name, a nil one as null, its jsonb columns (the
// checklist of a report stored before migration 0012, the advance
// agreement) spliced in as the JSON they hold. Written out by hand rather
// than through reflection and a map of every column, which cost a group
// more allocations than anything else it did; TestAReportRowEncodesAsItsColumns
// holds it to the columns gorm maps and to encoding/json's values.
func appendReportJSON(out []byte, r *reportRow) []byte {
	o := jsonObject{b: append(out, '{')}
	o.str("id", r.ID)
	o.str("claim_id", r.ClaimID)
	o.str("policy_number", r.PolicyNumber)
	o.str("product_code", r.ProductCode)
	o.str("insured_name", r.InsuredName)
	o.str("incident_type", r.IncidentType)
	o.time("incident_time", &r.IncidentTime)
	o.optStr("incident_date", r.IncidentDate)
	o.str("incident_place", r.IncidentPlace)
	o.str("description", r.Description)
	o.str("contact", r.Contact)
	o.str("reporter_name", r.ReporterName)
	o.str("reporter_role", r.ReporterRole)
	o.str("reporter_relation", r.ReporterRelation)
	o.optStr("beneficiary_name", r.BeneficiaryName)
	o.optStr("beneficiary_relation", r.BeneficiaryRelation)
	o.int("claimed_amount_fen", r.ClaimedAmountFen)
	o.time("reported_at", &r.ReportedAt)
	o.time("claim_requested_at", r.ClaimRequestedAt)
	o.time("handed_over_at", r.HandedOverAt)
	o.raw("checklist", r.Checklist)
	o.str("catastrophe_code", r.CatastropheCode)
	o.str("catastrophe_name", r.CatastropheName)
	o.int("advance_share_bps", int64(r.AdvanceShareBps))
	o.int("advance_cap_fen", r.AdvanceCapFen)
	o.time("claim_closed_at", r.ClaimClosedAt)
	o.str("claim_closure", r.ClaimClosure)
	o.str("distinct_from", r.DistinctFrom)
	o.raw("advance_agreement", r.AdvanceAgreement)
	o.optStr("checklist_id", r.ChecklistID)
	return append(o.b, '}')
}

// jsonObject appends the members of a JSON object.
type jsonObject struct {
	b []byte
	n int
}

func (o *jsonObject) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(append(append(o.b, '"'), k...), '"', ':')
}

func (o *jsonObject) str(k, v string) {
	o.key(k)
	o.b = appendJSONString(o.b, v)
}

func (o *jsonObject) optStr(k string, v *string) {
	if v == nil {
		o.key(k)
		o.b = append(o.b, "null"...)
		return
	}
	o.str(k, *v)
}

func (o *jsonObject) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

// time appends v as encoding/json writes a time (RFC 3339 with the
// fraction it has), or null.
func (o *jsonObject) time(k string, v *time.Time) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = append(v.AppendFormat(append(o.b, '"'), time.RFC3339Nano), '"')
}

func (o *jsonObject) raw(k string, v []byte) {
	o.key(k)
	if v == nil {
		o.b = append(o.b, "null"...)
		return
	}
	o.b = append(o.b, v...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, and each byte that is not UTF-8 as U+FFFD,
// as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}
