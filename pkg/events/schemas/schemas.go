// Package schemas holds the JSON Schemas (draft 2020-12) of the public event
// contracts, the finance events of claims.payout.v1 (payouts and recoveries
// of advances) and the notices of
// claims.notifications.v1, with an example of each event type in examples/,
// and checks events against them. Finance may take the *.schema.json files
// as they are; events.md describes the same contracts in words.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed *.schema.json examples/*.json
var files embed.FS

// byType names the schema file of each event type it covers.
var byType = map[string]string{
	"claims.payout.payout-scheduled":       "payout.v1.schema.json",
	"claims.payout.payout-completed":       "payout.v1.schema.json",
	"claims.payout.payout-failed":          "payout.v1.schema.json",
	"claims.payout.payout-reversed":        "payout.v1.schema.json",
	"claims.payout.notification-requested": "notification-requested.v1.schema.json",
	"claims.payout.recovery-due":           "recovery-due.v1.schema.json",
}

// Validator checks events against the schemas.
type Validator struct {
	compiled map[string]*jsonschema.Schema
	raw      map[string]map[string]any
}

// NewValidator compiles every schema, asserting formats (date-time, date).
func NewValidator() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	v := &Validator{compiled: map[string]*jsonschema.Schema{}, raw: map[string]map[string]any{}}
	names, err := fs.Glob(files, "*.schema.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		if err := c.AddResource(name, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		var plain map[string]any
		if err := json.Unmarshal(b, &plain); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		v.raw[name] = plain
	}
	for _, name := range names {
		s, err := c.Compile(name)
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", name, err)
		}
		v.compiled[name] = s
	}
	return v, nil
}

// Types lists the event types the schemas cover.
func Types() []string {
	var out []string
	for t := range byType {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Validate checks one event envelope, as it travels on Kafka, against the
// schema of its type, and checks that every member of its data is one the
// schema documents (the schemas let consumers ignore unknown members, so a
// member added without documenting it would otherwise pass).
func (v *Validator) Validate(event []byte) error {
	var head struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(event, &head); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	name, ok := byType[head.Type]
	if !ok {
		return fmt.Errorf("no schema for event type %q", head.Type)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return fmt.Errorf("event: %w", err)
	}
	if err := v.compiled[name].Validate(inst); err != nil {
		return fmt.Errorf("%s against %s: %w", head.Type, name, err)
	}
	var data any
	if err := json.Unmarshal(head.Data, &data); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return documented(v.raw[name], dataSchema(v.raw[name]), data, "data")
}

// dataSchema finds the schema of the data member, following one local $ref.
func dataSchema(doc map[string]any) map[string]any {
	props, _ := doc["properties"].(map[string]any)
	s, _ := props["data"].(map[string]any)
	return resolve(doc, s)
}

func resolve(doc, s map[string]any) map[string]any {
	ref, ok := s["$ref"].(string)
	if !ok || !strings.HasPrefix(ref, "#/") {
		return s
	}
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := cur.(map[string]any)
		cur = m[part]
	}
	m, _ := cur.(map[string]any)
	return m
}

// documented reports the first member of v, at any depth, that schema s
// does not list in its properties.
func documented(doc, s map[string]any, v any, where string) error {
	obj, ok := v.(map[string]any)
	if !ok || s == nil {
		return nil
	}
	props, _ := s["properties"].(map[string]any)
	for k, x := range obj {
		ps, ok := props[k].(map[string]any)
		if !ok {
			return fmt.Errorf("%s.%s is not documented in the schema", where, k)
		}
		if err := documented(doc, resolve(doc, ps), x, where+"."+k); err != nil {
			return err
		}
	}
	return nil
}

// Examples returns the example events by file name (payout-completed.json,
// ...).
func Examples() (map[string][]byte, error) {
	names, err := fs.Glob(files, "examples/*.json")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[path.Base(n)] = b
	}
	return out, nil
}
