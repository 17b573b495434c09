package server

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// RecordSummary is what a store keeps beside a record so that listings can
// be filtered and runs summarized without reading records: the record's type
// and timing. SummarizeRecord reads it from the record's JSON.
type RecordSummary struct {
	// Type is the record's "type" ("success", "error", "pending"); empty
	// when the record has none or it is not a string.
	Type string
	// Start is the record's timing.startTime; zero when the record has no
	// timing or no start.
	Start time.Time
	// Duration is the record's timing.duration, or endTime - startTime when
	// it has no duration; meaningful only when HasDuration is set.
	Duration time.Duration
	// HasDuration reports whether the record's timing gives its duration.
	HasDuration bool
}

// RunStart returns when the run started: Start, or createdAt (when the
// record was stored) when the record has no start.
func (s RecordSummary) RunStart(createdAt time.Time) time.Time {
	if s.Start.IsZero() {
		return createdAt
	}
	return s.Start
}

// maxMillis bounds the timing values SummarizeRecord accepts, so that their
// nanoseconds fit an int64 (about the year 2262).
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// timingNumbers is a record's "timing" as SummarizeRecord reads it.
type timingNumbers struct {
	StartTime *float64 `json:"startTime"`
	EndTime   *float64 `json:"endTime"`
	Duration  *float64 `json:"duration"`
}

// SummarizeRecord reads the summary of a record's JSON object. It reads the
// top-level keys "type" and "timing" (startTime and endTime Unix
// milliseconds, duration milliseconds, as DESIGN's record shape has them)
// and skips every other value; it never fails: a value of the wrong kind, a
// negative or out-of-range number, or JSON cut short leaves the fields it
// would give zero. With duplicate keys the last one counts, as
// encoding/json reads them.
func SummarizeRecord(record []byte) RecordSummary {
	var out RecordSummary
	eachMember(record, []string{"type", "timing"}, func(name string, value jsontext.Value) {
		switch name {
		case "type":
			out.Type = ""
			if value.Kind() == '"' {
				_ = jsonv2.Unmarshal(value, &out.Type)
			}
		case "timing":
			out.Start, out.Duration, out.HasDuration = time.Time{}, 0, false
			var tn timingNumbers
			if value.Kind() != '{' || jsonv2.Unmarshal(value, &tn, jsonv2.RejectUnknownMembers(false)) != nil {
				return
			}
			start, startOK := millis(tn.StartTime)
			end, endOK := millis(tn.EndTime)
			if startOK {
				out.Start = time.Unix(0, start).UTC()
			}
			switch d, ok := millis(tn.Duration); {
			case ok:
				out.Duration, out.HasDuration = time.Duration(d), true
			case startOK && endOK && end >= start:
				out.Duration, out.HasDuration = time.Duration(end-start), true
			}
		}
	})
	return out
}

// QualityScore returns the "score" of a quality object (as set-quality
// stores it), and whether it has a finite number there.
func QualityScore(quality []byte) (float64, bool) {
	var score float64
	found := false
	eachMember(quality, []string{"score"}, func(_ string, value jsontext.Value) {
		found = value.Kind() == '0' && json.Unmarshal(value, &score) == nil && !math.IsInf(score, 0) && !math.IsNaN(score)
	})
	return score, found
}

// millis converts a non-negative number of milliseconds to nanoseconds,
// rounding a fraction to the nearest nanosecond; ok is false for nil, a
// negative value or one beyond maxMillis.
func millis(ms *float64) (ns int64, ok bool) {
	if ms == nil || !(*ms >= 0) || *ms >= float64(maxMillis) {
		return 0, false
	}
	whole := math.Trunc(*ms)
	return int64(whole)*int64(time.Millisecond) + int64(math.Round((*ms-whole)*float64(time.Millisecond))), true
}

// eachMember calls fn with the name and value of each top-level member of
// the JSON object in data whose name is one of names, in order, skipping the
// others, and stops quietly at the first malformed value: it is for reading
// a few keys of stored JSON, never for validating it.
func eachMember(data []byte, names []string, fn func(name string, value jsontext.Value)) {
	// A *bytes.Buffer is parsed in place, without a copy of data.
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return
		}
		name := tok.String()
		if !slices.Contains(names, name) {
			if err := dec.SkipValue(); err != nil {
				return
			}
			continue
		}
		value, err := dec.ReadValue()
		if err != nil {
			return
		}
		fn(name, value)
	}
}
