package adapters

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"
)

// referenceColumns is row as a JSON object of its columns written through
// gorm's schema and encoding/json, as the group wrote it before
// appendReportJSON: the reference that one is held to.
func referenceColumns(t *testing.T, sch *schema.Schema, row reportRow) map[string]any {
	t.Helper()
	out := map[string]any{}
	rv := reflect.ValueOf(row)
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue
		}
		v, _ := f.ValueOf(context.Background(), rv)
		if b, ok := v.([]byte); ok {
			if b == nil {
				out[f.DBName] = nil
				continue
			}
			var j any
			if err := json.Unmarshal(b, &j); err != nil {
				t.Fatal(err)
			}
			out[f.DBName] = j
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var j any
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Fatal(err)
		}
		out[f.DBName] = j
	}
	return out
}

// TestAReportRowEncodesAsItsColumns: appendReportJSON writes every column
// gorm maps, by its name, with the value encoding/json gives it: a row
// with every field set (strings that need escaping, bytes that are not
// UTF-8, times with and without a fraction) and one with every pointer nil.
func TestAReportRowEncodesAsItsColumns(t *testing.T) {
	sch, err := schema.Parse(&reportRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 9, 30, 8, 20, 0, 123456000, time.UTC)
	whole := time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	s := func(v string) *string { return &v }
	full := reportRow{ID: "r\"1\\", ClaimID: "c\n\t\r\x00\x1f", PolicyNumber: "P<&>", ProductCode: "PM\u2028", InsuredName: "张三😀",
		IncidentType: "medical", IncidentTime: whole, IncidentDate: s("2026-10-01"), IncidentPlace: "bad\xff\xfeutf8", Description: "\x7f",
		Contact: "138", ReporterName: "李四", ReporterRole: "insured", ReporterRelation: "spouse", BeneficiaryName: s("王五"),
		BeneficiaryRelation: s("child"), ClaimedAmountFen: -123456789012, ReportedAt: at, ClaimRequestedAt: &at, HandedOverAt: &whole,
		Checklist: []byte(`{"items": [1, "x"]}`), CatastropheCode: "CAT", CatastropheName: "台风", AdvanceShareBps: 3000, AdvanceCapFen: 5000000,
		ClaimClosedAt: &at, ClaimClosure: "paid", DistinctFrom: "r0", AdvanceAgreement: []byte(`{"sealed": "abc"}`), ChecklistID: s("sha256:00")}
	for name, row := range map[string]reportRow{"every field set": full, "every pointer nil": {ID: "r2", IncidentTime: at, ReportedAt: at}} {
		t.Run(name, func(t *testing.T) {
			var got map[string]any
			raw := appendReportJSON(nil, &row)
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("got %s, which is not JSON: %v", raw, err)
			}
			if want := referenceColumns(t, sch, row); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}
