package otelrecord

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// AppendJSON appends the timing's JSON to b, as MarshalJSON writes it:
// {"startTime":…,"endTime":…,"duration":…}, start and end times as integers
// unless the timing was decoded with a fraction, the duration as
// encoding/json writes a float64 and left out when HasDuration is false. It
// fails on a non-finite duration, which JSON cannot hold. It allocates only
// when b lacks room.
func (t TimingInfo) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"startTime":`...)
	b = t.appendTime(b, t.StartTime, t.fraction(true))
	b = append(b, `,"endTime":`...)
	b = t.appendTime(b, t.EndTime, t.fraction(false))
	if t.HasDuration() {
		if math.IsNaN(t.Duration) || math.IsInf(t.Duration, 0) {
			return b, fmt.Errorf("otelrecord: timing duration %v is not a finite number", t.Duration)
		}
		b = append(b, `,"duration":`...)
		b = appendJSONFloat(b, t.Duration)
	}
	return append(b, '}'), nil
}

// MarshalJSON encodes the timing (see AppendJSON).
func (t TimingInfo) MarshalJSON() ([]byte, error) {
	return t.AppendJSON(make([]byte, 0, 80))
}

func (t TimingInfo) fraction(start bool) float64 {
	switch {
	case t.decoded == nil:
		return 0
	case start:
		return t.decoded.startFrac
	default:
		return t.decoded.endFrac
	}
}

func (TimingInfo) appendTime(b []byte, ms int64, frac float64) []byte {
	if frac == 0 {
		return strconv.AppendInt(b, ms, 10)
	}
	return appendJSONFloat(b, float64(ms)+frac)
}

// appendJSONFloat appends a finite f as encoding/json writes a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 becomes e-9, as encoding/json writes it
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// errTimingSyntax reports a timing that is not a JSON object.
var errTimingSyntax = errors.New("otelrecord: timing is not a JSON object")

// UnmarshalJSON decodes a timing: a JSON object whose "startTime",
// "endTime" and "duration" are numbers (or null, which leaves the field
// unset). Keys are matched exactly; other keys are ignored. Start and end
// times may carry a fraction of a millisecond and the duration may be
// absent: the timing then encodes back to the same numbers (see TimingInfo).
// A timing without duration gets one derived from its start and end times.
func (t *TimingInfo) UnmarshalJSON(data []byte) error {
	s := timingScanner{data: trimJSONSpace(data)}
	if string(s.data) == "null" {
		return nil
	}
	if !s.take('{') {
		return errTimingSyntax
	}
	var out TimingInfo
	var extra timingExtra
	var hasStart, hasEnd, hasDuration bool
	s.space()
	for more := !s.take('}'); more; {
		key, ok := s.key()
		if !ok {
			return errTimingSyntax
		}
		s.space()
		if !s.take(':') {
			return errTimingSyntax
		}
		s.space()
		switch key {
		case "startTime", "endTime", "duration":
			num, isNull, err := s.number(key)
			if err != nil {
				return err
			}
			switch {
			case isNull:
			case key == "startTime":
				out.StartTime, extra.startFrac, err = splitMillis(num, key)
				hasStart = true
			case key == "endTime":
				out.EndTime, extra.endFrac, err = splitMillis(num, key)
				hasEnd = true
			default:
				out.Duration, err = strconv.ParseFloat(num, 64)
				if err != nil {
					err = fmt.Errorf("otelrecord: timing.duration %s is out of range", num)
				}
				hasDuration = true
			}
			if err != nil {
				return err
			}
		default:
			if !s.skipValue() {
				return errTimingSyntax
			}
		}
		s.space()
		switch {
		case s.take(','):
			s.space()
		case s.take('}'):
			more = false
		default:
			return errTimingSyntax
		}
	}
	if s.i != len(s.data) {
		return errTimingSyntax
	}
	if !hasDuration {
		extra.noDuration = true
		if hasStart && hasEnd {
			out.Duration = float64(out.EndTime-out.StartTime) + (extra.endFrac - extra.startFrac)
			extra.derived = true
		}
	}
	if extra != (timingExtra{}) {
		out.decoded = &extra
	}
	*t = out
	return nil
}

// splitMillis reads a JSON number of Unix milliseconds as whole milliseconds
// (rounded down) and the fraction left, in [0, 1).
func splitMillis(num, key string) (int64, float64, error) {
	if ms, err := strconv.ParseInt(num, 10, 64); err == nil {
		return ms, 0, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	whole := math.Floor(f)
	if err != nil || whole < math.MinInt64 || whole >= math.MaxInt64 {
		return 0, 0, fmt.Errorf("otelrecord: timing.%s %s is out of range", key, num)
	}
	return int64(whole), f - whole, nil
}

// timingScanner reads the members of a timing's JSON object. The text is
// checked as it is read: anything that is not JSON is a syntax error.
type timingScanner struct {
	data []byte
	i    int
}

func (s *timingScanner) peek() byte {
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

func (s *timingScanner) take(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *timingScanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// key reads a member name. A name with escapes is unquoted by
// encoding/json, so "start\u0054ime" is startTime.
func (s *timingScanner) key() (string, bool) {
	start := s.i
	if !s.skipString() {
		return "", false
	}
	raw := s.data[start:s.i]
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' {
			var k string
			if json.Unmarshal(raw, &k) != nil {
				return "", false
			}
			return k, true
		}
	}
	return string(raw[1 : len(raw)-1]), true
}

// number reads the value of a time member: a JSON number, or null.
func (s *timingScanner) number(key string) (num string, isNull bool, err error) {
	start := s.i
	if s.peek() == 'n' {
		if !s.skipValue() || string(s.data[start:s.i]) != "null" {
			return "", false, errTimingSyntax
		}
		return "", true, nil
	}
	if c := s.peek(); c != '-' && (c < '0' || c > '9') {
		kind := "a value that is not a number"
		switch c {
		case '"':
			kind = "a string"
		case '{':
			kind = "an object"
		case '[':
			kind = "an array"
		case 't', 'f':
			kind = "a boolean"
		}
		return "", false, fmt.Errorf("otelrecord: timing.%s must be a number, got %s", key, kind)
	}
	for s.i < len(s.data) {
		c := s.data[s.i]
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
		s.i++
	}
	num = string(s.data[start:s.i])
	if !validNumber(num) {
		return "", false, errTimingSyntax
	}
	return num, false, nil
}

// trimJSONSpace cuts the white space JSON allows around a value.
func trimJSONSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}

// skipString reads a JSON string.
func (s *timingScanner) skipString() bool {
	if !s.take('"') {
		return false
	}
	for s.i < len(s.data) {
		switch c := s.data[s.i]; {
		case c == '"':
			s.i++
			return true
		case c == '\\':
			s.i += 2
		case c < 0x20:
			return false
		default:
			s.i++
		}
	}
	return false
}

// skipValue reads any JSON value, checking it with encoding/json.
func (s *timingScanner) skipValue() bool {
	start := s.i
	depth := 0
	for s.i < len(s.data) {
		switch c := s.data[s.i]; c {
		case '"':
			if !s.skipString() {
				return false
			}
		case '{', '[':
			depth++
			s.i++
		case '}', ']':
			if depth == 0 {
				return json.Valid(s.data[start:s.i])
			}
			depth--
			s.i++
		case ',':
			if depth == 0 {
				return json.Valid(s.data[start:s.i])
			}
			s.i++
		default:
			s.i++
		}
		if depth == 0 && s.i > start && (s.data[start] == '"' || s.data[start] == '{' || s.data[start] == '[') {
			return json.Valid(s.data[start:s.i])
		}
	}
	return false
}
