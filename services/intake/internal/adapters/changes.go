package adapters

import (
	"errors"
	"fmt"
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
// (f.Changed): the report row, the documents it added or changed, and what
// follows the counts loaded of links, waivers, notices and corrections. A
// notice sent stays as it was; only the arrival of the one-time notice's
// supplement is added to it. versions are the documents' versions loaded.
func save(tx *gorm.DB, was counts, f domain.ClaimFile, versions map[string]int) error {
	row, err := toRow(f.Report)
	if err != nil {
		return err
	}
	// The incident date is set once, when the report is stored: reports
	// stored before it existed keep none (see migration 0002).
	if err := tx.Model(&reportRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "incident_date").Updates(&row).Error; err != nil {
		return fmt.Errorf("store report: %w", err)
	}
	for _, l := range f.Report.Links[was.links:] {
		if err := tx.Create(&linkRow{ReportID: row.ID, ReporterName: l.Reporter.Name, ReporterRole: string(l.Reporter.Role),
			ReporterRelation: string(l.Reporter.Relation), LinkedBy: l.By, LinkedAt: l.At}).Error; err != nil {
			return fmt.Errorf("store link: %w", err)
		}
	}
	for _, id := range f.Changed.Documents {
		i := slices.IndexFunc(f.Documents, func(d domain.Document) bool { return d.ID == id })
		if i < 0 {
			return fmt.Errorf("store document: report %s has no document %s", row.ID, id)
		}
		if err := saveDocument(tx, f.Documents[i], versions, was.corrections[id]); err != nil {
			return err
		}
	}
	for _, w := range f.Waivers[was.waivers:] {
		if err := tx.Create(&waiverRow{ReportID: row.ID, ItemID: w.ItemID, Reason: w.Reason, WaivedBy: w.By, WaivedAt: w.At}).Error; err != nil {
			return fmt.Errorf("store waiver: %w", err)
		}
	}
	if f.Changed.Supplement {
		for _, n := range f.Notices[:was.notices] {
			if err := tx.Model(&noticeRow{}).Where("report_id = ? AND seq = ?", row.ID, n.Seq).
				Update("supplement_received_at", n.SupplementReceivedAt).Error; err != nil {
				return fmt.Errorf("store supplement: %w", err)
			}
		}
	}
	return insert(tx, f.Notices[was.notices:], func(n domain.Notice) (noticeRow, error) { return toNoticeRow(row.ID, n) }, "notice")
}

// saveDocument inserts a new document, or updates a changed one if its
// version is still the one loaded, and adds the corrections that follow
// the corrections loaded.
func saveDocument(tx *gorm.DB, d domain.Document, versions map[string]int, corrections int) error {
	row, err := toDocumentRow(d)
	if err != nil {
		return err
	}
	if version, existed := versions[d.ID]; !existed {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("store document: %w", err)
		}
	} else {
		row.Version = version + 1
		res := tx.Model(&documentRow{}).Where("id = ? AND version = ?", d.ID, version).Select("*").Omit("id").Updates(&row)
		if res.Error != nil {
			return fmt.Errorf("store document: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return errDocumentChanged
		}
	}
	return insert(tx, d.Corrections[corrections:], func(c domain.Correction) (correctionRow, error) { return toCorrectionRow(d.ID, c) }, "correction")
}

// insert stores the row of each of items inside tx, in order.
func insert[T, R any](tx *gorm.DB, items []T, toRow func(T) (R, error), what string) error {
	for _, it := range items {
		r, err := toRow(it)
		if err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("store %s: %w", what, err)
		}
	}
	return nil
}
