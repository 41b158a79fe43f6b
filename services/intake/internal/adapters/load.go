package adapters

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"claims.local/intake/internal/domain"
)

// The queries that read a claim file in one statement (intake_claim_file,
// migration 0011). fileLocked locks the report's row first and reads the
// file above the lock, so that the function's fresh snapshot sees what the
// writer that held the lock before committed.
const (
	fileByID      = `SELECT intake_claim_file(?) AS file`
	fileLocked    = `SELECT intake_claim_file(locked.id) AS file FROM (SELECT id FROM incident_reports WHERE id = ? FOR UPDATE) locked`
	fileByClaimID = `SELECT intake_claim_file(id) AS file FROM incident_reports WHERE claim_id = ?`
)

// fileJSON is what intake_claim_file returns: the report's row and each
// child set as row_to_json writes rows, keyed by column name.
type fileJSON struct {
	Report      json.RawMessage `json:"report"`
	Checklist   json.RawMessage `json:"checklist"`
	Links       json.RawMessage `json:"links"`
	Documents   json.RawMessage `json:"documents"`
	Corrections json.RawMessage `json:"corrections"`
	Waivers     json.RawMessage `json:"waivers"`
	Notices     json.RawMessage `json:"notices"`
}

// storedFile is a claim file's rows as read.
type storedFile struct {
	report      reportRow
	links       []linkRow
	documents   []documentRow
	corrections []correctionRow
	waivers     []waiverRow
	notices     []noticeRow
}

// readFile runs one of the file queries with arg and decodes its rows;
// found is false when the query found no report.
func readFile(db *gorm.DB, query string, arg any) (s storedFile, found bool, err error) {
	var out []struct{ File []byte }
	if err := db.Raw(query, arg).Scan(&out).Error; err != nil {
		return storedFile{}, false, fmt.Errorf("load report: %w", err)
	}
	if len(out) == 0 || out[0].File == nil {
		return storedFile{}, false, nil
	}
	var j fileJSON
	if err := json.Unmarshal(out[0].File, &j); err != nil {
		return storedFile{}, false, fmt.Errorf("load report: %w", err)
	}
	var reports []reportRow
	for _, p := range []struct {
		raw  json.RawMessage
		rows any
	}{
		{append(append(json.RawMessage("["), j.Report...), ']'), &reports}, {j.Links, &s.links}, {j.Documents, &s.documents},
		{j.Corrections, &s.corrections}, {j.Waivers, &s.waivers}, {j.Notices, &s.notices},
	} {
		if err := decodeRows(db, p.raw, p.rows); err != nil {
			return storedFile{}, false, err
		}
	}
	if len(reports) != 1 {
		return storedFile{}, false, errors.New("load report: no report row in the claim file")
	}
	s.report = reports[0]
	if s.report.ChecklistID != nil {
		// The shared checklist the row names (migration 0012).
		if len(j.Checklist) == 0 || string(j.Checklist) == "null" {
			return storedFile{}, false, fmt.Errorf("load report %s: its checklist %s is not stored", s.report.ID, *s.report.ChecklistID)
		}
		s.report.Checklist = j.Checklist
	}
	return s, true, nil
}

// decodeRows decodes a json array of rows keyed by column name (or null)
// into rows, a pointer to a slice of a row struct, by the columns gorm maps
// the struct's fields to: a value is decoded into its field as JSON, and a
// []byte field (a jsonb column) takes the value's JSON text. A null leaves
// the field zero; a column the struct does not map is skipped, as a query
// of every column would.
func decodeRows(db *gorm.DB, raw json.RawMessage, rows any) error {
	if len(raw) == 0 {
		return nil
	}
	var objects []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &objects); err != nil || len(objects) == 0 {
		return err
	}
	slice := reflect.ValueOf(rows).Elem()
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(reflect.New(slice.Type().Elem()).Interface()); err != nil {
		return err
	}
	out := reflect.MakeSlice(slice.Type(), len(objects), len(objects))
	for i, o := range objects {
		row := out.Index(i)
		for column, v := range o {
			f := stmt.Schema.FieldsByDBName[column]
			if f == nil || string(v) == "null" {
				continue
			}
			if err := decodeColumn(f, row.FieldByIndex(f.StructField.Index), v); err != nil {
				return fmt.Errorf("load %s.%s: %w", stmt.Schema.Table, column, err)
			}
		}
	}
	slice.Set(out)
	return nil
}

func decodeColumn(f *schema.Field, dst reflect.Value, v json.RawMessage) error {
	if f.FieldType == reflect.TypeFor[[]byte]() {
		dst.SetBytes(v)
		return nil
	}
	return json.Unmarshal(v, dst.Addr().Interface())
}

// claimFile is the domain's claim file of s, with the version of each
// document as read.
func (s storedFile) claimFile() (domain.ClaimFile, map[string]int, error) {
	r, err := s.report.toDomain()
	if err != nil {
		return domain.ClaimFile{}, nil, err
	}
	f := domain.ClaimFile{Report: r}
	for _, l := range s.links {
		f.Report.Links = append(f.Report.Links, domain.Link{By: l.LinkedBy, At: l.LinkedAt.UTC(), Description: l.Description, ClaimedAmountFen: l.ClaimedAmountFen,
			Reporter: domain.Reporter{Name: l.ReporterName, Role: domain.ReporterRole(l.ReporterRole), Relation: domain.Relation(l.ReporterRelation)}})
	}
	byID := map[string]int{}
	versions := make(map[string]int, len(s.documents))
	for i, w := range s.documents {
		d, err := w.toDomain()
		if err != nil {
			return domain.ClaimFile{}, nil, err
		}
		byID[d.ID], versions[d.ID] = i, w.Version
		f.Documents = append(f.Documents, d)
	}
	for _, w := range s.corrections {
		c, err := w.toDomain()
		if err != nil {
			return domain.ClaimFile{}, nil, fmt.Errorf("correction %d: %w", w.ID, err)
		}
		d := &f.Documents[byID[w.DocumentID]]
		d.Corrections = append(d.Corrections, c)
	}
	for _, w := range s.waivers {
		f.Waivers = append(f.Waivers, domain.Waiver{ItemID: w.ItemID, Reason: w.Reason, By: w.WaivedBy, At: w.WaivedAt.UTC()})
	}
	for _, w := range s.notices {
		n, err := w.toDomain()
		if err != nil {
			return domain.ClaimFile{}, nil, err
		}
		f.Notices = append(f.Notices, n)
	}
	return f, versions, nil
}
