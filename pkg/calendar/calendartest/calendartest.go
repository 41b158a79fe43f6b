// Package calendartest makes holiday data for tests: a calendar with days
// declared holidays, as a mid-year change would (the 2020 extension of the
// Spring Festival) or a forged calendar version does.
package calendartest

import (
	"encoding/json"
	"fmt"
	"testing"

	"claims.local/pkg/calendar"
)

// WithOffDays returns the embedded holiday data (calendar.EmbeddedData)
// with each of days declared a day off named name.
func WithOffDays(t testing.TB, name string, days ...calendar.Date) []byte {
	t.Helper()
	return AddOffDays(t, calendar.EmbeddedData(), name, days...)
}

// AddOffDays returns data, holiday data in the embedded file's format, with
// each of days declared a day off named name; a year the data does not
// list is added.
func AddOffDays(t testing.TB, data []byte, name string, days ...calendar.Date) []byte {
	t.Helper()
	var file map[string]any
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("holiday data: %v", err)
	}
	years, ok := file["years"].(map[string]any)
	if !ok {
		t.Fatalf("holiday data: got no years, want the embedded file's format")
	}
	for _, d := range days {
		key := fmt.Sprint(d.Year)
		year, ok := years[key].(map[string]any)
		if !ok {
			year = map[string]any{"papers": []any{}, "days": []any{}}
			years[key] = year
		}
		list, _ := year["days"].([]any)
		year["days"] = append(list, map[string]any{"date": d.String(), "name": name, "offDay": true})
	}
	out, err := json.Marshal(file)
	if err != nil {
		t.Fatalf("encode holiday data: %v", err)
	}
	return out
}
