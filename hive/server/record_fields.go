package server

import (
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// recordFields is an execution record as the ingest routes read it: the
// fields of the Forge Hive wire format under their exact keys
// (otelrecord.ExecutionRecord's JSON shape), read with strictUnmarshal. Keys
// it does not name are checked as JSON and otherwise left alone: the server
// stores the record as sent. Payloads (the run's and each boundary call's
// input and output) are checked and not kept.
type recordFields struct {
	// UUID is the raw "uuid" value: nil when the key is absent, so that an
	// absent uuid and a null one can be told apart.
	UUID       jsontext.Value         `json:"uuid"`
	TaskName   string                 `json:"taskName"`
	Input      anyJSON                `json:"input"`
	Output     anyJSON                `json:"output"`
	Error      string                 `json:"error"`
	Type       otelrecord.RecordType  `json:"type"`
	Boundaries boundaryMap            `json:"boundaries"`
	Metadata   stringMap              `json:"metadata"`
	Metrics    []otelrecord.Metric    `json:"metrics"`
	Timing     *otelrecord.TimingInfo `json:"timing"`
	// ReplayFrom is the raw "replayFrom" value, read when it is a string.
	ReplayFrom jsontext.Value `json:"replayFrom"`
	// Unknown holds the names of the keys not named above (their values are
	// checked and not kept).
	Unknown map[string]anyJSON `json:",embed"`
}

// recordKeys are the keys of recordFields, which an ingested record may not
// spell in another case.
var recordKeys = []string{"uuid", "taskName", "input", "output", "error", "type", "boundaries", "metadata", "metrics", "timing", "replayFrom"}

// caseVariant returns the first key of unknown that spells a record key in
// another case, and that key: a reader matching keys case-insensitively
// (encoding/json does) could take it for the field, so such a record would
// not read the same everywhere.
func caseVariant(unknown map[string]anyJSON) (got, want string, ok bool) {
	for k := range unknown {
		for _, known := range recordKeys {
			if strings.EqualFold(k, known) {
				return k, known, true
			}
		}
	}
	return "", "", false
}

// boundaryFields is one boundary call (otelrecord.BoundaryRecord's JSON
// shape) under its exact keys.
type boundaryFields struct {
	Input  anyJSON                `json:"input"`
	Output anyJSON                `json:"output"`
	Error  string                 `json:"error"`
	Timing *otelrecord.TimingInfo `json:"timing"`
}

// boundaryMap is the record's "boundaries": null, or an object whose values
// are null or arrays of boundary calls. It is checked and not kept.
type boundaryMap struct{}

// UnmarshalJSONFrom checks the value.
func (boundaryMap) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return checkObject(dec, reflect.TypeFor[map[string][]boundaryFields](), func() error {
		if dec.PeekKind() != '[' {
			var calls []boundaryFields // null, or the semantic error
			return jsonv2.UnmarshalDecode(dec, &calls)
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		for dec.PeekKind() != ']' {
			var call boundaryFields
			if err := jsonv2.UnmarshalDecode(dec, &call); err != nil {
				return err
			}
		}
		_, err := dec.ReadToken()
		return err
	})
}

// stringMap is an object of strings, or null, such as the record's
// "metadata". It is checked and not kept.
type stringMap struct{}

// UnmarshalJSONFrom checks the value.
func (stringMap) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return checkObject(dec, reflect.TypeFor[map[string]string](), func() error {
		if k := dec.PeekKind(); k != '"' {
			var s string // the semantic error, or the syntactic one
			return jsonv2.UnmarshalDecode(dec, &s)
		}
		return dec.SkipValue()
	})
}

// checkObject reads a JSON object, or null, calling member to read each
// member's value (its name is read). t is the Go type the object stands for,
// named in the error when the value is of another kind.
func checkObject(dec *jsontext.Decoder, t reflect.Type, member func() error) error {
	switch dec.PeekKind() {
	case 'n':
		return dec.SkipValue()
	case '{':
	default: // decoding it as t words the error
		return jsonv2.UnmarshalDecode(dec, reflect.New(t).Interface())
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		if _, err := dec.ReadToken(); err != nil { // the name
			return err
		}
		if err := member(); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// anyJSON is a JSON value of any kind, checked and not kept.
type anyJSON struct{}

// UnmarshalJSONFrom skips the value; the decoder checks it on the way.
func (anyJSON) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return dec.SkipValue()
}
