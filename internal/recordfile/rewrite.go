package recordfile

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// WithResult returns the file's data with its run's result replaced by rec's
// outcome: its type, and its output (on success) or error (on failure), in
// the file's own shape; every other member keeps its place and value. The
// data comes back indented by two spaces, with a final newline.
func (f *File) WithResult(rec *otelrecord.ExecutionRecord) ([]byte, error) {
	top, err := parseOrdered(f.data)
	if err != nil {
		return nil, err
	}
	switch f.Format {
	case Record, Fixture:
		err = setResult(top, rec)
	case WrappedFixture:
		err = top.edit("fixture", func(inner *ordered) error { return setResult(inner, rec) })
	case Envelope:
		err = top.edit("logItem", func(inner *ordered) error { return setResult(inner, rec) })
	default:
		err = fmt.Errorf("recordfile: rewrite: unknown format %v", f.Format)
	}
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, top.encode(), "", "  "); err != nil {
		return nil, fmt.Errorf("recordfile: rewrite: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// setResult writes rec's type, output and error into o.
func setResult(o *ordered, rec *otelrecord.ExecutionRecord) error {
	typ, err := json.Marshal(rec.Type)
	if err != nil {
		return fmt.Errorf("recordfile: rewrite: type: %w", err)
	}
	o.set("type", typ)
	if rec.Type == otelrecord.TypeError {
		msg, _ := json.Marshal(rec.Error) // a string always encodes
		o.remove("output")
		o.set("error", msg)
		return nil
	}
	out := rec.Output
	if len(out) == 0 {
		out = json.RawMessage("null")
	}
	if !json.Valid(out) {
		return fmt.Errorf("recordfile: rewrite: output is not JSON")
	}
	o.remove("error")
	o.set("output", out)
	return nil
}

// member is one member of a JSON object.
type member struct {
	key string
	val json.RawMessage
}

// ordered is a JSON object that keeps its members' order.
type ordered struct{ members []member }

// parseOrdered decodes a JSON object keeping the order of its members.
func parseOrdered(data []byte) (*ordered, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%w: want a JSON object", ErrFormat)
	}
	o := &ordered{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFormat, err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%w: object key %v", ErrFormat, tok)
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("%w: member %q: %w", ErrFormat, key, err)
		}
		o.members = append(o.members, member{key, val})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return o, nil
}

func (o *ordered) index(key string) int {
	for i, m := range o.members {
		if m.key == key {
			return i
		}
	}
	return -1
}

func (o *ordered) set(key string, val json.RawMessage) {
	if i := o.index(key); i >= 0 {
		o.members[i].val = val
		return
	}
	o.members = append(o.members, member{key, val})
}

func (o *ordered) remove(key string) {
	if i := o.index(key); i >= 0 {
		o.members = append(o.members[:i], o.members[i+1:]...)
	}
}

// edit applies fn to the object under key, which may be a JSON object or a
// JSON string holding one (an envelope's logItem), and stores it back in
// the same form.
func (o *ordered) edit(key string, fn func(*ordered) error) error {
	i := o.index(key)
	if i < 0 {
		return fmt.Errorf("%w: no %q", ErrFormat, key)
	}
	raw := bytes.TrimSpace(o.members[i].val)
	asString := len(raw) > 0 && raw[0] == '"'
	if asString {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrFormat, key, err)
		}
		raw = []byte(s)
	}
	inner, err := parseOrdered(raw)
	if err != nil {
		return err
	}
	if err := fn(inner); err != nil {
		return err
	}
	val := inner.encode()
	if asString {
		val, _ = json.Marshal(string(val)) // a string always encodes
	}
	o.members[i].val = val
	return nil
}

// encode returns the object as compact JSON.
func (o *ordered) encode() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o.members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key) // a string always encodes
		b.Write(k)
		b.WriteByte(':')
		if err := json.Compact(&b, m.val); err != nil {
			b.Write(m.val)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
