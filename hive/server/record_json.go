package server

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// marshalRebuilt encodes a record rebuilt by otelrecord.RebuildRun to the
// bytes json.Marshal gives for it (otelrecord.ExecutionRecord.MarshalJSON,
// HTML characters escaped, payloads compacted), without reflection and
// without scanning payloads that need no compacting: RebuildRun's payloads
// are valid JSON (it checks each with a validator equal to json.Valid, and
// quotes any other text as a string). A record json.Marshal would refuse
// (a non-finite number, an empty payload) goes to json.Marshal, which says
// why.
func marshalRebuilt(rec *otelrecord.ExecutionRecord) ([]byte, error) {
	e := recordEncoder{buf: make([]byte, 0, 1024)}
	if e.record(rec) {
		return e.buf, nil
	}
	return json.Marshal(rec)
}

// recordEncoder appends a record's JSON; ok false means it met what only
// json.Marshal handles.
type recordEncoder struct {
	buf []byte
	// comma is set when the object being written has a member.
	comma bool
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

func (e *recordEncoder) str(s string) {
	e.buf = appendEscaped(e.buf, s, true)
}

// raw appends a payload, compacted and HTML-escaped as json.Marshal writes
// a json.RawMessage; false for an empty payload, which json.Marshal
// refuses.
func (e *recordEncoder) raw(p json.RawMessage) bool {
	if len(p) == 0 {
		return false
	}
	if !needsCompact(p) {
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

// needsCompact reports whether a valid JSON text holds white space, HTML
// characters or U+2028 and U+2029 (whose UTF-8 starts with 0xE2), which
// json.Marshal rewrites.
func needsCompact(p []byte) bool {
	for _, b := range p {
		switch b {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return true
		}
	}
	return false
}

// float appends f as encoding/json writes a float64; false for NaN and
// infinities, which it refuses.
func (e *recordEncoder) float(f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.buf = strconv.AppendFloat(e.buf, f, format, -1, 64)
	if format == 'e' { // e-09 becomes e-9, as encoding/json writes it
		n := len(e.buf)
		if n >= 4 && e.buf[n-4] == 'e' && e.buf[n-3] == '-' && e.buf[n-2] == '0' {
			e.buf[n-2] = e.buf[n-1]
			e.buf = e.buf[:n-1]
		}
	}
	return true
}

// timing appends t as otelrecord.TimingInfo.MarshalJSON writes it.
func (e *recordEncoder) timing(t *otelrecord.TimingInfo) bool {
	b, err := t.AppendJSON(e.buf)
	if err != nil {
		return false
	}
	e.buf = b
	return true
}

// record writes the members of otelrecord's recordJSON, in its order.
func (e *recordEncoder) record(r *otelrecord.ExecutionRecord) bool {
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

func (e *recordEncoder) boundaries(m map[string][]otelrecord.BoundaryRecord) bool {
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

func (e *recordEncoder) call(c *otelrecord.BoundaryRecord) bool {
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

func (e *recordEncoder) metrics(ms []otelrecord.Metric) bool {
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
