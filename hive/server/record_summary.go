package server

import (
	"bytes"
	"math"
	"strconv"
	"sync"
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

// SummarizeRecord reads the summary of a record's JSON object. It reads the
// top-level keys "type" and "timing" (startTime and endTime Unix
// milliseconds, duration milliseconds, as DESIGN's record shape has them)
// and skips every other value; it never fails: a value of the wrong kind, a
// negative or out-of-range number, or JSON cut short leaves the fields it
// would give zero (a timing member of the wrong kind, all of the timing).
// With duplicate keys the last one counts, as encoding/json reads them.
//
// Stores call it for every record they write, so it reads the record in
// place with a pooled decoder and allocates nothing for the usual types.
func SummarizeRecord(record []byte) RecordSummary {
	var out RecordSummary
	r := newMemberReader(record)
	defer r.release()
	for name := range r.members() {
		switch name {
		case "type":
			out.Type = ""
			if v, err := r.dec.ReadValue(); err == nil && v.Kind() == '"' {
				out.Type = recordType(v)
			}
		case "timing":
			out.Start, out.Duration, out.HasDuration = time.Time{}, 0, false
			t, ok := r.timing()
			if !ok {
				continue
			}
			start, startOK := millis(t.startTime)
			end, endOK := millis(t.endTime)
			if startOK {
				out.Start = time.Unix(0, start).UTC()
			}
			switch d, ok := millis(t.duration); {
			case ok:
				out.Duration, out.HasDuration = time.Duration(d), true
			case startOK && endOK && end >= start:
				out.Duration, out.HasDuration = time.Duration(end-start), true
			}
		default:
			r.skip()
		}
	}
	return out
}

// QualityScore returns the "score" of a quality object (as set-quality
// stores it), and whether it has a finite number there.
func QualityScore(quality []byte) (float64, bool) {
	var score optNumber
	r := newMemberReader(quality)
	defer r.release()
	for name := range r.members() {
		if name != "score" {
			r.skip()
			continue
		}
		v, err := r.dec.ReadValue()
		if err != nil {
			break
		}
		score, _ = number(v)
	}
	return score.v, score.set
}

// recordType returns the string of a JSON string value, without allocating
// for the record types.
func recordType(v jsontext.Value) string {
	raw := v[1 : len(v)-1]
	switch string(raw) {
	case "success":
		return "success"
	case "error":
		return "error"
	case "pending":
		return "pending"
	}
	var s string
	if jsonv2.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

// optNumber is a JSON number that may be absent (or null).
type optNumber struct {
	v   float64
	set bool
}

// number reads a JSON number or null (an unset optNumber); ok is false for
// any other kind or a number beyond float64's range.
func number(v jsontext.Value) (n optNumber, ok bool) {
	switch v.Kind() {
	case 'n':
		return optNumber{}, true
	case '0':
		x, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return optNumber{}, false
		}
		return optNumber{v: x, set: true}, true
	}
	return optNumber{}, false
}

// timingNumbers is a record's "timing" as SummarizeRecord reads it.
type timingNumbers struct {
	startTime, endTime, duration optNumber
}

// millis converts a non-negative number of milliseconds to nanoseconds,
// rounding a fraction to the nearest nanosecond; ok is false for an unset
// number, a negative value or one beyond maxMillis.
func millis(ms optNumber) (ns int64, ok bool) {
	if !ms.set || !(ms.v >= 0) || ms.v >= float64(maxMillis) {
		return 0, false
	}
	whole := math.Trunc(ms.v)
	return int64(whole)*int64(time.Millisecond) + int64(math.Round((ms.v-whole)*float64(time.Millisecond))), true
}

// memberReader reads the members of a JSON object in place, for reading a
// few keys of stored JSON, never for validating it: it stops quietly at the
// first malformed value.
type memberReader struct {
	buf bytes.Buffer
	dec *jsontext.Decoder
}

var memberReaders = sync.Pool{New: func() any {
	r := new(memberReader)
	r.dec = jsontext.NewDecoder(&r.buf)
	return r
}}

// newMemberReader returns a pooled reader of data; release returns it.
func newMemberReader(data []byte) *memberReader {
	r := memberReaders.Get().(*memberReader)
	r.buf = *bytes.NewBuffer(data) // a *bytes.Buffer is parsed in place, without a copy
	r.dec.Reset(&r.buf, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	return r
}

func (r *memberReader) release() {
	r.buf = bytes.Buffer{}
	r.dec.Reset(&r.buf)
	memberReaders.Put(r)
}

// members yields the name of each member of the object in order; the loop
// body reads (or skips) the member's value. It ends at the object's end, at
// anything malformed, or when data is not an object.
func (r *memberReader) members() func(yield func(string) bool) {
	return func(yield func(string) bool) {
		if r.dec.PeekKind() != '{' {
			return
		}
		if _, err := r.dec.ReadToken(); err != nil {
			return
		}
		r.each(yield)
	}
}

// each yields the names of the members left in the current object.
func (r *memberReader) each(yield func(string) bool) {
	for r.dec.PeekKind() == '"' {
		name, err := r.dec.ReadValue()
		if err != nil {
			return
		}
		if !yield(memberName(name)) {
			return
		}
	}
}

// skip skips the value of the current member.
func (r *memberReader) skip() {
	_ = r.dec.SkipValue()
}

// timing reads a "timing" value: ok is false unless it is an object whose
// startTime, endTime and duration are numbers, null or absent.
func (r *memberReader) timing() (t timingNumbers, ok bool) {
	if r.dec.PeekKind() != '{' {
		r.skip()
		return t, false
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return t, false
	}
	ok = true
	for name := range r.each {
		var field *optNumber
		switch name {
		case "startTime":
			field = &t.startTime
		case "endTime":
			field = &t.endTime
		case "duration":
			field = &t.duration
		default:
			r.skip()
			continue
		}
		v, err := r.dec.ReadValue()
		if err != nil {
			return t, false
		}
		f, isNumber := number(v)
		ok = ok && isNumber
		*field = f
	}
	if _, err := r.dec.ReadToken(); err != nil { // the object's end
		return t, false
	}
	return t, ok
}

// memberNames are the member names the readers look for.
var memberNames = [...]string{"type", "timing", "score", "startTime", "endTime", "duration"}

// memberName returns the name of a JSON string holding a member name,
// without allocating for a name without escapes that the readers look for
// (any other name comes back as a string that matches none of them).
func memberName(v jsontext.Value) string {
	raw := v[1 : len(v)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		for _, known := range memberNames {
			if string(raw) == known {
				return known
			}
		}
		return ""
	}
	var s string
	if jsonv2.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}
