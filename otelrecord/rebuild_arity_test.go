package otelrecord

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRebuildRunArities: calls of boundaries of zero, two and three
// arguments rebuild from their spans with their inputs as the JSON arrays
// the spans hold, and redact by argument position.
func TestRebuildRunArities(t *testing.T) {
	const run = "0196d5a0-0000-7000-8000-0000000000a2"
	task := taskSpec{
		id: 1, uuid: run, name: "transfer", start: 0, end: 5,
		declared: []string{"now", "credit", "audit"}, input: str(`{"account":"a-1","amount":5}`),
		output: str(`{"balance":105}`), recordType: "success", calls: 3,
	}
	calls := []callSpec{
		{id: 2, parent: 1, uuid: run, name: "now", seq: 0, start: 0.5, end: 1, input: `[]`, output: str(`1795633372498`)},
		{id: 3, parent: 1, uuid: run, name: "credit", seq: 1, start: 1, end: 2, input: `["a-1",5]`, output: str(`105`)},
		{id: 4, parent: 1, uuid: run, name: "audit", seq: 2, start: 2, end: 4.5,
			input: `["a-1",5,{"token":"s3cret","note":"transfer"}]`, err: "audit down"},
	}
	spans := make([]Span, 0, len(calls))
	for _, c := range calls {
		spans = append(spans, c.span())
	}
	got, err := RebuildRun(task.span(), permute(spans))
	require.NoError(t, err)
	want := &ExecutionRecord{
		UUID: run, TaskName: "transfer",
		Input: json.RawMessage(`{"account":"a-1","amount":5}`), Output: json.RawMessage(`{"balance":105}`),
		Type: TypeSuccess,
		Boundaries: map[string][]BoundaryRecord{
			"now":    {{Input: json.RawMessage(`[]`), Output: json.RawMessage(`1795633372498`), Timing: NewTiming(at(0.5), at(1))}},
			"credit": {{Input: json.RawMessage(`["a-1",5]`), Output: json.RawMessage(`105`), Timing: NewTiming(at(1), at(2))}},
			"audit": {{Input: json.RawMessage(`["a-1",5,{"token":"s3cret","note":"transfer"}]`), Error: "audit down",
				Timing: NewTiming(at(2), at(4.5))}},
		},
		Timing: NewTiming(at(0), at(5)),
	}
	requireSameJSON(t, want, got)

	var paths [][]string
	red := NewRedactor(RedactPolicy{Func: func(path []string, key string, _ json.RawMessage) (json.RawMessage, bool) {
		paths = append(paths, append([]string{}, append(path, key)...))
		return nil, false
	}})
	redacted := red.RedactRecord(got)
	assert.JSONEq(t, `["a-1",5,{"token":"[REDACTED]","note":"transfer"}]`, string(redacted.Boundaries["audit"][0].Input))
	assert.JSONEq(t, `[]`, string(redacted.Boundaries["now"][0].Input))
	assert.Contains(t, paths, []string{"2", "note"}, "the third argument's members have paths from \"2\"")
}
