package recordfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrFormat is wrapped by every error about data that is not one of the
// shapes the package reads.
var ErrFormat = errors.New("recordfile: not a record, envelope or fixture")

// Format is the shape a file holds its record in.
type Format int

const (
	// Record is a bare execution record.
	Record Format = iota
	// Envelope is the Hive SDK's log envelope, the record under "logItem".
	Envelope
	// Fixture is a Forge fixture object, bare.
	Fixture
	// WrappedFixture is a fixture under "fixture", as the Hive API answers.
	WrappedFixture
)

// String returns the format's name: "record", "envelope", "fixture" or
// "wrapped fixture".
func (f Format) String() string {
	switch f {
	case Record:
		return "record"
	case Envelope:
		return "envelope"
	case Fixture:
		return "fixture"
	case WrappedFixture:
		return "wrapped fixture"
	default:
		return fmt.Sprintf("Format(%d)", int(f))
	}
}

// File is a decoded record file.
type File struct {
	// Record is the run the file holds.
	Record *otelrecord.ExecutionRecord
	// Format is the shape it was found in.
	Format Format

	data []byte
}

// Decode reads data as a record file. It never panics: data that is not a
// JSON object of one of the shapes is an error wrapping ErrFormat.
func Decode(data []byte) (*File, error) {
	top, err := object(data)
	if err != nil {
		return nil, err
	}
	f := &File{data: data}
	switch {
	case present(top["fixture"]):
		inner, err := object(top["fixture"])
		if err != nil {
			return nil, fmt.Errorf("%w: fixture: %w", ErrFormat, errors.Unwrap(err))
		}
		f.Format = WrappedFixture
		f.Record, err = fixtureRecord(inner)
		if err != nil {
			return nil, err
		}
	case present(top["logItem"]):
		f.Format = Envelope
		item := bytes.TrimSpace(top["logItem"])
		if item[0] == '"' {
			var s string
			if err := json.Unmarshal(item, &s); err != nil {
				return nil, fmt.Errorf("%w: logItem: %w", ErrFormat, err)
			}
			item = []byte(s)
		}
		rec, err := decodeRecord(item, "logItem")
		if err != nil {
			return nil, err
		}
		var env struct {
			UUID     string `json:"uuid"`
			TaskName string `json:"taskName"`
		}
		_ = json.Unmarshal(data, &env) // an object: errors only on field types, left empty
		if rec.UUID == "" {
			rec.UUID = env.UUID
		}
		if rec.TaskName == "" {
			rec.TaskName = env.TaskName
		}
		f.Record = rec
	case present(top["fixtureUUID"]):
		f.Format = Fixture
		f.Record, err = fixtureRecord(top)
		if err != nil {
			return nil, err
		}
	default:
		f.Format = Record
		f.Record, err = decodeRecord(data, "record")
		if err != nil {
			return nil, err
		}
	}
	if f.Record.Type == "" {
		f.Record.Type = otelrecord.TypeSuccess
		if f.Record.Error != "" {
			f.Record.Type = otelrecord.TypeError
		}
	}
	return f, nil
}

// object decodes data as a JSON object of raw members.
func object(data []byte) (map[string]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("%w: want a JSON object", ErrFormat)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return m, nil
}

// present reports whether a member holds something other than null.
func present(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// decodeRecord decodes a record object; what names it in errors.
func decodeRecord(data []byte, what string) (*otelrecord.ExecutionRecord, error) {
	if _, err := object(data); err != nil {
		return nil, fmt.Errorf("%w: %s: want a JSON object", ErrFormat, what)
	}
	var rec otelrecord.ExecutionRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, what, err)
	}
	return &rec, nil
}

// fixtureJSON is the part of a Forge fixture a replay needs.
type fixtureJSON struct {
	FixtureUUID string                                 `json:"fixtureUUID"`
	UUID        string                                 `json:"uuid"`
	TaskName    string                                 `json:"taskName"`
	Type        otelrecord.RecordType                  `json:"type"`
	Input       json.RawMessage                        `json:"input"`
	Output      json.RawMessage                        `json:"output"`
	Error       json.RawMessage                        `json:"error"`
	Boundaries  map[string][]otelrecord.BoundaryRecord `json:"boundaries"`
	Metadata    map[string]string                      `json:"metadata"`
	Context     map[string]json.RawMessage             `json:"context"`
}

// fixtureRecord turns a fixture object into the record it holds.
func fixtureRecord(m map[string]json.RawMessage) (*otelrecord.ExecutionRecord, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: fixture: %w", ErrFormat, err)
	}
	var fx fixtureJSON
	if err := json.Unmarshal(data, &fx); err != nil {
		return nil, fmt.Errorf("%w: fixture: %w", ErrFormat, err)
	}
	rec := &otelrecord.ExecutionRecord{
		UUID:       fx.FixtureUUID,
		TaskName:   fx.TaskName,
		Input:      fx.Input,
		Type:       fx.Type,
		Boundaries: fx.Boundaries,
		Metadata:   fx.Metadata,
		Error:      errorText(fx.Error),
	}
	if rec.UUID == "" {
		rec.UUID = fx.UUID
	}
	if rec.Error == "" && rec.Type != otelrecord.TypeError {
		rec.Output = fx.Output
	}
	if rec.Metadata == nil {
		rec.Metadata = stringMembers(fx.Context)
	}
	for name, calls := range rec.Boundaries {
		if calls == nil {
			rec.Boundaries[name] = []otelrecord.BoundaryRecord{}
		}
	}
	return rec, nil
}

// stringMembers returns the members of an object that are strings (a
// fixture's context is the record's metadata); nil when it has none.
func stringMembers(m map[string]json.RawMessage) map[string]string {
	var out map[string]string
	for k, raw := range m {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(m))
		}
		out[k] = s
	}
	return out
}

// errorText reads a fixture's error: a string, or an object with a
// "message" (as a JavaScript Error serializes); "" when absent.
func errorText(raw json.RawMessage) string {
	if !present(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		return e.Message
	}
	return strings.TrimSpace(string(raw))
}
