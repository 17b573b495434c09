package run

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestTapeArgCounts(t *testing.T) {
	in := func(s string) otelrecord.BoundaryRecord { return otelrecord.BoundaryRecord{Input: json.RawMessage(s)} }
	tape, err := NewTape(map[string][]otelrecord.BoundaryRecord{
		"add":   {in(`[3, 7]`), in(`[1,2]`), in(`[ 3 , 7 ]`)},
		"mixed": {in(`[]`), in(`[[1,2]]`), in(`{"a":[1,2]}`), in(`null`), in(`[1,"a,b",{"c":[2,3]}]`)},
		"none":  {},
	})
	require.NoError(t, err)
	assert.Equal(t, []int{2}, tape.ArgCounts("add"))
	assert.Equal(t, []int{NotAnArray, 0, 1, 3}, tape.ArgCounts("mixed"))
	assert.Nil(t, tape.ArgCounts("none"))
	assert.Nil(t, tape.ArgCounts("undeclared"))

	var nilTape *Tape
	assert.Nil(t, nilTape.ArgCounts("add"))
	r := New(Config[mode]{Tape: tape})
	assert.Equal(t, []int{2}, r.RecordedArgCounts("add"))
	assert.Nil(t, New(Config[mode]{}).RecordedArgCounts("add"), "a run without a tape")
}
