package adapters

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"gorm.io/gorm"

	"claims.local/intake/internal/domain"
)

// Shared checklists (issue 21, migration 0012): a report names its
// guidance checklist by id, and each checklist is stored once in table
// checklists, whose rows are never changed or removed. A report filed
// used to carry its own copy, encoded by intake and parsed, compressed and
// logged by PostgreSQL for every report: the most CPU either spent on it.
//
// sharedChecklists encodes each checklist once and remembers which ids are
// stored, so that a new report sends its checklist's body only while its
// id is not known to be stored. An id is remembered only after a commit
// that stored it (or found it stored); since the rows are never removed, a
// remembered id stays stored. Should one be missing all the same (a
// database restored under a running intake), the foreign key of
// incident_reports.checklist_id refuses the report: it is never stored
// naming a checklist that is not.
type sharedChecklists struct {
	mu      sync.Mutex
	encoded map[checklistKey]encodedChecklist
	stored  map[string]bool
}

// maxEncoded bounds the checklists remembered encoded: there are a few
// per incident type and product, so reaching it means templates that are
// not the files' (tests), and the memory starts again.
const maxEncoded = 1024

// checklistKey is what tells the checklists of the files apart.
type checklistKey struct {
	kind                      domain.IncidentType
	product, variant, version string
}

// encodedChecklist is a checklist with its stored body and its id.
type encodedChecklist struct {
	// template is a copy of the checklist decoded from body (the caller's
	// slices are not kept: a change to them cannot change what is
	// remembered).
	template domain.ChecklistTemplate
	id       string
	body     []byte
}

func newSharedChecklists() *sharedChecklists {
	return &sharedChecklists{encoded: map[checklistKey]encodedChecklist{}, stored: map[string]bool{}}
}

// encode returns t's body and id: the remembered ones when t is the
// checklist remembered under its key (compared item by item), else encoded now.
func (s *sharedChecklists) encode(t domain.ChecklistTemplate) (encodedChecklist, error) {
	key := checklistKey{kind: t.IncidentType, product: t.Product, variant: t.Variant, version: t.Version}
	s.mu.Lock()
	e, ok := s.encoded[key]
	s.mu.Unlock()
	if ok && e.template.Equal(t) {
		return e, nil
	}
	body, err := encodeChecklist(t)
	if err != nil {
		return encodedChecklist{}, err
	}
	sum := sha256.Sum256(body)
	e = encodedChecklist{id: "sha256:" + hex.EncodeToString(sum[:]), body: body}
	if e.template, err = decodeChecklist(body); err != nil {
		return encodedChecklist{}, err
	}
	if e.template.Equal(t) {
		// Only a checklist that comes back from its body as it was is
		// remembered: another would never be found equal again.
		s.mu.Lock()
		if len(s.encoded) >= maxEncoded {
			clear(s.encoded)
		}
		s.encoded[key] = e
		s.mu.Unlock()
	}
	return e, nil
}

// known reports whether id is stored, as far as this process knows.
func (s *sharedChecklists) known(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored[id]
}

// remember records ids as stored; call it only after the commit that
// stored them, or found them stored.
func (s *sharedChecklists) remember(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.stored) >= maxEncoded {
		clear(s.stored)
	}
	for _, id := range ids {
		s.stored[id] = true
	}
}

// forget drops ids, so that their bodies are sent again.
func (s *sharedChecklists) forget(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.stored, id)
	}
}

// name sets row's checklist to e, by id (the row's own checklist column
// stays empty).
func (e encodedChecklist) name(row *reportRow) {
	id := e.id
	row.ChecklistID, row.Checklist = &id, nil
}

// ensureStored stores e in tx unless it is known to be stored; the caller
// remembers e.id after tx commits.
func (s *sharedChecklists) ensureStored(tx *gorm.DB, e encodedChecklist) error {
	if s.known(e.id) {
		return nil
	}
	if err := tx.Exec(`INSERT INTO checklists (id, body) VALUES (?, ?::jsonb) ON CONFLICT (id) DO NOTHING`, e.id, string(e.body)).Error; err != nil {
		return fmt.Errorf("store checklist %s: %w", e.id, err)
	}
	return nil
}
