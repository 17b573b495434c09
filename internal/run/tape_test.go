package run

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestNewTapeInvalidInput(t *testing.T) {
	rec := func(in string) otelrecord.BoundaryRecord {
		return otelrecord.BoundaryRecord{Input: json.RawMessage(in)}
	}
	tp, err := NewTape(map[string][]otelrecord.BoundaryRecord{"a": {rec(`[1]`), rec(`[1`)}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a call 1")
	assert.Equal(t, 1, tp.Len(), "valid recordings kept")
	empty, err := NewTape(nil)
	require.NoError(t, err)
	assert.Equal(t, 0, empty.Len())
	var none *Tape
	assert.Equal(t, 0, none.Len())
	assert.Nil(t, none.group("a", []byte("[1]")))
}

func TestNotedTapeReportsUnencodableOutputs(t *testing.T) {
	tape, err := NewNotedTape(map[string][]otelrecord.BoundaryRecord{"f": {
		{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`2`)},
		{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`null`)},
	}}, map[string]map[int]string{"f": {1: "json: unsupported value: NaN"}})
	require.NoError(t, err)
	r := New(Config[mode]{Tape: tape})
	rec, why, ok := r.Next("f", []byte(`[1]`))
	require.True(t, ok)
	assert.Equal(t, "2", string(rec.Output))
	assert.Empty(t, why)
	_, why, ok = r.Next("f", []byte(`[1]`))
	require.True(t, ok)
	assert.Equal(t, "json: unsupported value: NaN", why)
}

func TestCallsNotedNamesUnencodablePayloads(t *testing.T) {
	r := New(Config[mode]{})
	for _, u := range []Unencodable{{}, {Input: "in", Output: "out"}} {
		_, e, start := r.Begin("f", 3)
		r.Finish(e, otelrecord.BoundaryRecord{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`null`)}, u, start, r.Clock())
	}
	calls, notes := r.CallsNoted()
	assert.Len(t, calls["f"], 2)
	assert.Equal(t, map[string]string{
		otelrecord.UnencodableKey("f", 1, otelrecord.UnencodableInput):  "in",
		otelrecord.UnencodableKey("f", 1, otelrecord.UnencodableOutput): "out",
	}, notes)
}
