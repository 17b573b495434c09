package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode JSON output: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// indentJSON returns raw indented by two spaces, or as it is when it is not
// JSON.
func indentJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// compactJSON returns raw on one line, or as it is when it is not JSON;
// "null" when empty.
func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "null"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// outcome is a record's result in one line.
func outcome(rec *otelrecord.ExecutionRecord) string {
	if rec.Type == otelrecord.TypeError {
		return "error: " + oneLine(rec.Error)
	}
	return string(rec.Type) + ": " + compactJSON(rec.Output)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
