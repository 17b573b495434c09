package otelrecord

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"unicode/utf8"
)

// recordEncoder appends a record's JSON as encoding/json writes the record's
// wire shape (recordJSON): HTML characters escaped, payloads compacted, map
// keys sorted. It writes timings with TimingInfo.AppendJSON, so a record of
// many boundary calls encodes without an allocation per call. ok false means
// it met what only encoding/json words the error of (a non-finite number, an
// empty or invalid payload).
type recordEncoder struct {
	buf []byte
	// comma is set when the object being written has a member.
	comma bool
}

// sizeHint estimates the length of the record's JSON, so that MarshalJSON's
// buffer rarely grows.
func (r *ExecutionRecord) sizeHint() int {
	n := 256 + len(r.UUID) + len(r.TaskName) + len(r.Input) + len(r.Output) + len(r.Error)
	for name, calls := range r.Boundaries {
		n += len(name) + 8
		for i := range calls {
			n += 96 + len(calls[i].Input) + len(calls[i].Output) + len(calls[i].Error)
		}
	}
	for k, v := range r.Metadata {
		n += len(k) + len(v) + 6
	}
	return n + 64*len(r.Metrics)
}

// appendRecordJSON appends the JSON of r to b; false when encoding/json
// must say why r cannot be encoded.
func appendRecordJSON(b []byte, r *ExecutionRecord) ([]byte, bool) {
	e := recordEncoder{buf: b}
	if !e.record(r) {
		return b, false
	}
	return e.buf, true
}

func (e *recordEncoder) key(k string) {
	if e.comma {
		e.buf = append(e.buf, ',')
	}
	e.comma = true
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, k...)
	e.buf = append(e.buf, '"', ':')
}

func (e *recordEncoder) str(s string) { e.buf = appendJSONString(e.buf, s) }

// raw appends a payload as encoding/json writes a json.RawMessage:
// compacted and HTML-escaped; false for an empty or invalid payload.
func (e *recordEncoder) raw(p json.RawMessage) bool {
	if len(p) == 0 {
		return false
	}
	if !needsCompact(p) {
		if !json.Valid(p) {
			return false
		}
		e.buf = append(e.buf, p...)
		return true
	}
	var c bytes.Buffer
	if err := json.Compact(&c, p); err != nil {
		return false
	}
	var h bytes.Buffer
	json.HTMLEscape(&h, c.Bytes())
	e.buf = append(e.buf, h.Bytes()...)
	return true
}

// needsCompact reports whether a JSON text holds white space, HTML
// characters or U+2028 and U+2029 (whose UTF-8 starts with 0xE2), which
// encoding/json rewrites.
func needsCompact(p []byte) bool {
	for _, b := range p {
		switch b {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return true
		}
	}
	return false
}

func (e *recordEncoder) float(f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	e.buf = appendJSONFloat(e.buf, f)
	return true
}

func (e *recordEncoder) timing(t *TimingInfo) bool {
	b, err := t.AppendJSON(e.buf)
	if err != nil {
		return false
	}
	e.buf = b
	return true
}

// record writes the members of recordJSON, in its order.
func (e *recordEncoder) record(r *ExecutionRecord) bool {
	e.buf = append(e.buf, '{')
	if r.UUID != "" {
		e.key("uuid")
		e.str(r.UUID)
	}
	if r.TaskName != "" {
		e.key("taskName")
		e.str(r.TaskName)
	}
	if len(r.Input) > 0 {
		e.key("input")
		if !e.raw(r.Input) {
			return false
		}
	}
	if len(r.Output) > 0 {
		e.key("output")
		if !e.raw(r.Output) {
			return false
		}
	}
	if r.Error != "" {
		e.key("error")
		e.str(r.Error)
	}
	if r.Type != "" {
		e.key("type")
		e.str(string(r.Type))
	}
	if r.Boundaries != nil {
		e.key("boundaries")
		if !e.boundaries(r.Boundaries) {
			return false
		}
	}
	if r.Metadata != nil {
		e.key("metadata")
		e.metadata(r.Metadata)
	}
	if r.Metrics != nil {
		e.key("metrics")
		if !e.metrics(r.Metrics) {
			return false
		}
	}
	if r.Timing != nil {
		e.key("timing")
		if !e.timing(r.Timing) {
			return false
		}
	}
	e.buf = append(e.buf, '}')
	return true
}

func (e *recordEncoder) boundaries(m map[string][]BoundaryRecord) bool {
	e.buf = append(e.buf, '{')
	for i, name := range sortedKeys(m) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(name)
		e.buf = append(e.buf, ':', '[') // calls that are nil encode as [] (MarshalJSON)
		for j := range m[name] {
			if j > 0 {
				e.buf = append(e.buf, ',')
			}
			if !e.call(&m[name][j]) {
				return false
			}
		}
		e.buf = append(e.buf, ']')
	}
	e.buf = append(e.buf, '}')
	return true
}

func (e *recordEncoder) call(c *BoundaryRecord) bool {
	e.buf = append(e.buf, `{"input":`...)
	if c.Input == nil {
		e.buf = append(e.buf, "null"...)
	} else if !e.raw(c.Input) {
		return false
	}
	if len(c.Output) > 0 {
		e.buf = append(e.buf, `,"output":`...)
		if !e.raw(c.Output) {
			return false
		}
	}
	if c.Error != "" {
		e.buf = append(e.buf, `,"error":`...)
		e.str(c.Error)
	}
	if c.Timing != nil {
		e.buf = append(e.buf, `,"timing":`...)
		if !e.timing(c.Timing) {
			return false
		}
	}
	e.buf = append(e.buf, '}')
	return true
}

func (e *recordEncoder) metadata(m map[string]string) {
	e.buf = append(e.buf, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(k)
		e.buf = append(e.buf, ':')
		e.str(m[k])
	}
	e.buf = append(e.buf, '}')
}

func (e *recordEncoder) metrics(ms []Metric) bool {
	e.buf = append(e.buf, '[')
	for i := range ms {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, `{"type":`...)
		e.str(ms[i].Type)
		e.buf = append(e.buf, `,"name":`...)
		e.str(ms[i].Name)
		e.buf = append(e.buf, `,"value":`...)
		if !e.float(ms[i].Value) {
			return false
		}
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, ']')
	return true
}

// sortedKeys returns the keys of m in the order encoding/json writes them.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, quotes included, byte for
// byte as encoding/json writes a string: \", \\, \b, \f, \n, \r, \t,
// \u00XX for the other control characters, \u003c, \u003e and \u0026 for
// <, > and &, \ufffd for each byte of invalid UTF-8, and \u2028 and \u2029
// for the line and paragraph separators.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
