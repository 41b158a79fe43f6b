package adapters

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"gorm.io/gorm"

	"claims.local/intake/internal/domain"
)

// errDocumentChanged is returned inside an Update's transaction when a
// document changed under it (a reader took it); Update tries again.
var errDocumentChanged = errors.New("a document changed meanwhile")

// counts is what a claim file held, when loaded for a change, of the parts
// that only grow: what follows these counts is new.
type counts struct {
	links, waivers, notices int
	// corrections counts the corrections of each document by id.
	corrections map[string]int
}

func countsOf(f domain.ClaimFile) counts {
	c := counts{links: len(f.Report.Links), waivers: len(f.Waivers), notices: len(f.Notices), corrections: map[string]int{}}
	for _, d := range f.Documents {
		c.corrections[d.ID] = len(d.Corrections)
	}
	return c
}

// save writes what a change did to f inside tx, as the domain recorded it
// (f.Changed): the columns of row, f's report row, that differ from was
// (the row as loaded), the documents it added or changed, and what follows the
// counts loaded of links, waivers, notices and corrections, each kind in
// one statement. A notice sent stays as it was; only the arrival of the
// one-time notice's supplement is added to it. versions are the documents'
// versions loaded.
func save(tx *gorm.DB, was, row reportRow, counts counts, f domain.ClaimFile, versions map[string]int) error {
	changed, err := changedColumns(tx, was, row)
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		if err := tx.Model(&reportRow{}).Where("id = ?", row.ID).Updates(changed).Error; err != nil {
			return fmt.Errorf("store report: %w", err)
		}
	}
	var links []linkRow
	for _, l := range f.Report.Links[counts.links:] {
		links = append(links, linkRow{ReportID: row.ID, ReporterName: l.Reporter.Name, ReporterRole: string(l.Reporter.Role),
			ReporterRelation: string(l.Reporter.Relation), LinkedBy: l.By, LinkedAt: l.At})
	}
	if err := insert(tx, links, "links"); err != nil {
		return err
	}
	var added []documentRow
	var corrections []correctionRow
	for _, id := range f.Changed.Documents {
		i := slices.IndexFunc(f.Documents, func(d domain.Document) bool { return d.ID == id })
		if i < 0 {
			return fmt.Errorf("store document: report %s has no document %s", row.ID, id)
		}
		d := f.Documents[i]
		doc, err := toDocumentRow(d)
		if err != nil {
			return err
		}
		if version, existed := versions[d.ID]; !existed {
			added = append(added, doc)
		} else if err := updateDocument(tx, doc, version); err != nil {
			return err
		}
		for _, c := range d.Corrections[counts.corrections[id]:] {
			r, err := toCorrectionRow(d.ID, c)
			if err != nil {
				return err
			}
			corrections = append(corrections, r)
		}
	}
	if err := insert(tx, added, "documents"); err != nil {
		return err
	}
	if err := insert(tx, corrections, "corrections"); err != nil {
		return err
	}
	var waivers []waiverRow
	for _, w := range f.Waivers[counts.waivers:] {
		waivers = append(waivers, waiverRow{ReportID: row.ID, ItemID: w.ItemID, Reason: w.Reason, WaivedBy: w.By, WaivedAt: w.At})
	}
	if err := insert(tx, waivers, "waivers"); err != nil {
		return err
	}
	if f.Changed.Supplement {
		for _, n := range f.Notices[:counts.notices] {
			if err := tx.Model(&noticeRow{}).Where("report_id = ? AND seq = ?", row.ID, n.Seq).
				Update("supplement_received_at", n.SupplementReceivedAt).Error; err != nil {
				return fmt.Errorf("store supplement: %w", err)
			}
		}
	}
	for _, n := range f.Notices[:counts.notices] {
		if !slices.Contains(f.Changed.Delivered, n.Seq) {
			continue
		}
		var w noticeRow
		w.setDelivery(n.Delivery)
		if err := tx.Model(&noticeRow{}).Where("report_id = ? AND seq = ?", row.ID, n.Seq).Updates(map[string]any{
			"delivered_at": w.DeliveredAt, "delivery_receipt": w.DeliveryReceipt,
			"delivery_recorded_by": w.DeliveryRecordedBy, "delivery_recorded_at": w.DeliveryRecordedAt}).Error; err != nil {
			return fmt.Errorf("store delivery: %w", err)
		}
	}
	var notices []noticeRow
	for _, n := range f.Notices[counts.notices:] {
		r, err := toNoticeRow(row.ID, n)
		if err != nil {
			return err
		}
		notices = append(notices, r)
	}
	return insert(tx, notices, "notices")
}

// changedColumns returns the columns of incident_reports whose values in
// now differ from was, with now's values; never id, nor the incident date,
// which is set once, when the report is stored (reports stored before it
// existed keep none, see migration 0002).
func changedColumns(tx *gorm.DB, was, now reportRow) (map[string]any, error) {
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(&reportRow{}); err != nil {
		return nil, err
	}
	a, b := reflect.ValueOf(was), reflect.ValueOf(now)
	changed := map[string]any{}
	for _, f := range stmt.Schema.Fields {
		if f.DBName == "" || f.DBName == "id" || f.DBName == "incident_date" {
			continue
		}
		if x, y := a.FieldByIndex(f.StructField.Index).Interface(), b.FieldByIndex(f.StructField.Index).Interface(); !reflect.DeepEqual(x, y) {
			changed[f.DBName] = y
		}
	}
	return changed, nil
}

// updateDocument updates a changed document if its version is still the
// one loaded.
func updateDocument(tx *gorm.DB, row documentRow, version int) error {
	row.Version = version + 1
	res := tx.Model(&documentRow{}).Where("id = ? AND version = ?", row.ID, version).Select("*").Omit("id").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("store document: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return errDocumentChanged
	}
	return nil
}

// insert stores rows inside tx in one statement, in order.
func insert[R any](tx *gorm.DB, rows []R, what string) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("store %s: %w", what, err)
	}
	return nil
}
