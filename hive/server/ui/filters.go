package ui

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

// inputTimeLayout is the format of <input type="datetime-local">, read as UTC.
const inputTimeLayout = "2006-01-02T15:04"

// rangePresets are the time ranges a page offers, newest first.
var rangePresets = []struct {
	Value, Label string
	Span         time.Duration
}{
	{"1h", "last hour", time.Hour},
	{"24h", "last 24 hours", 24 * time.Hour},
	{"7d", "last 7 days", 7 * 24 * time.Hour},
	{"30d", "last 30 days", 30 * 24 * time.Hour},
	{"all", "all time", 0},
}

// filters are a page's selection: a time range of run starts, and for
// records a type and a lowest quality score. The zero value selects all.
type filters struct {
	// Project scopes the page to one project; empty for all.
	Project string
	// Range is a preset of rangePresets, or "custom" when Since or Until
	// were given.
	Range string
	// Since and Until bound the run starts; zero is open.
	Since, Until time.Time
	// Type is "success", "error" or empty for both.
	Type string
	// MinQuality is the lowest quality score kept; nil keeps every record,
	// those without a score included.
	MinQuality *float64
}

// parseFilters reads the filters of a page's query at time now. Errors
// name the parameter that is wrong.
func parseFilters(q url.Values, now time.Time) (filters, error) {
	f := filters{Project: q.Get("project"), Range: q.Get("range"), Type: q.Get("type")}
	switch f.Type {
	case "", server.TypeSuccess, server.TypeError:
	default:
		return f, fmt.Errorf("type must be %q, %q or empty, got %q", server.TypeSuccess, server.TypeError, f.Type)
	}
	var err error
	if f.Since, err = parseTimeParam(q.Get("since")); err != nil {
		return f, fmt.Errorf("since: %w", err)
	}
	if f.Until, err = parseTimeParam(q.Get("until")); err != nil {
		return f, fmt.Errorf("until: %w", err)
	}
	if !f.Since.IsZero() || !f.Until.IsZero() {
		f.Range = "custom"
	} else {
		if f.Range == "" || f.Range == "custom" { // custom without bounds
			f.Range = "all"
		}
		found := false
		for _, p := range rangePresets {
			if p.Value == f.Range {
				found = true
				if p.Span > 0 {
					f.Since = now.Add(-p.Span)
				}
			}
		}
		if !found {
			return f, fmt.Errorf("range must be one of 1h, 24h, 7d, 30d or all, got %q", f.Range)
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, fmt.Errorf("since (%s) must be before until (%s)", formatTime(f.Since), formatTime(f.Until))
	}
	if s := strings.TrimSpace(q.Get("minQuality")); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return f, fmt.Errorf("minQuality must be a number, got %q", s)
		}
		f.MinQuality = &v
	}
	return f, nil
}

// parseTimeParam reads a time as RFC 3339 or as a datetime-local value
// (UTC); zero for "".
func parseTimeParam(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(inputTimeLayout, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(inputTimeLayout+":05", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want RFC 3339 (2006-01-02T15:04:05Z) or 2006-01-02T15:04 (UTC), got %q", s)
}

// values returns the query that selects the same; the time range as given
// (a preset stays relative to the time of each request).
func (f filters) values() url.Values {
	q := url.Values{}
	if f.Project != "" {
		q.Set("project", f.Project)
	}
	if f.Range == "custom" {
		if !f.Since.IsZero() {
			q.Set("since", f.Since.UTC().Format(time.RFC3339))
		}
		if !f.Until.IsZero() {
			q.Set("until", f.Until.UTC().Format(time.RFC3339))
		}
	} else if f.Range != "" && f.Range != "all" {
		q.Set("range", f.Range)
	}
	if f.Type != "" {
		q.Set("type", f.Type)
	}
	if f.MinQuality != nil {
		q.Set("minQuality", strconv.FormatFloat(*f.MinQuality, 'f', -1, 64))
	}
	return q
}

// rangeOnly is values with the project and time range alone: what a link
// from the tasks page to a task's records carries.
func (f filters) rangeOnly() filters {
	return filters{Project: f.Project, Range: f.Range, Since: f.Since, Until: f.Until}
}

// SinceInput and UntilInput are the custom bounds as the form's inputs show
// them; empty for a preset.
func (f filters) SinceInput() string { return f.inputTime(f.Since) }

// UntilInput: see SinceInput.
func (f filters) UntilInput() string { return f.inputTime(f.Until) }

func (f filters) inputTime(t time.Time) string {
	if f.Range != "custom" || t.IsZero() {
		return ""
	}
	return t.UTC().Format(inputTimeLayout)
}

// MinQualityText is the lowest score as the form shows it.
func (f filters) MinQualityText() string {
	if f.MinQuality == nil {
		return ""
	}
	return strconv.FormatFloat(*f.MinQuality, 'f', -1, 64)
}

// Presets are the range choices of the form.
func (f filters) Presets() []rangeOption {
	out := make([]rangeOption, 0, len(rangePresets)+1)
	for _, p := range rangePresets {
		out = append(out, rangeOption{p.Value, p.Label, p.Value == f.Range})
	}
	if f.Range == "custom" {
		out = append(out, rangeOption{"custom", "custom (below)", true})
	}
	return out
}

// rangeOption is one choice of the range select.
type rangeOption struct {
	Value, Label string
	Selected     bool
}
