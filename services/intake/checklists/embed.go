// Package checklists holds the guidance checklists (R1) as data: one file
// per incident type in v1/, per product in v1/products/ the changes a
// product makes to them, and in v1/catastrophe/ the simplified variant of
// each incident type that reports matching an active catastrophe take (R8).
// The files are versioned with the repository; each states its own
// version, which every report records with the checklist it was given.
// Intake's adapters read and validate them at start-up; the format is
// described in v1/README.md.
package checklists

import "embed"

// V1 holds the checklist files of format v1.
//
//go:embed v1/*.json v1/products/*.json v1/catastrophe/*.json
var V1 embed.FS
