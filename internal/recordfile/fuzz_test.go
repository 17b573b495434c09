package recordfile_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hivetrace/hivetrace/internal/recordfile"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// FuzzDecode checks that Decode never panics, that what it accepts is JSON,
// and that rewriting a decoded file gives a file of the same format holding
// the new result.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		bareRecord,
		`{"uuid":"u","logItem":"{\"input\":1}"}`,
		`{"logItem":{"input":1,"error":"e"}}`,
		`{"fixture":{"fixtureUUID":"f","input":1,"output":2,"boundaries":{"a":[{"input":[1]}]}}}`,
		`{"fixtureUUID":"f","error":{"message":"m"}}`,
		`{}`, `[]`, `null`, `{"logItem":null,"fixture":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := recordfile.Decode(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		out, err := file.WithResult(&otelrecord.ExecutionRecord{Type: otelrecord.TypeSuccess, Output: json.RawMessage(`{"x":1}`)})
		if err != nil {
			t.Fatalf("rewrite of accepted %q: %v", data, err)
		}
		again, err := recordfile.Decode(out)
		if err != nil {
			t.Fatalf("rewritten %q of %q does not decode: %v", out, data, err)
		}
		var got bytes.Buffer
		_ = json.Compact(&got, again.Record.Output)
		if again.Format != file.Format || again.Record.Type != otelrecord.TypeSuccess || got.String() != `{"x":1}` {
			t.Fatalf("rewritten %q of %q: format %v, type %q, output %s", out, data, again.Format, again.Record.Type, again.Record.Output)
		}
	})
}
