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
