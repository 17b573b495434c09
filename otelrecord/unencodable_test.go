package otelrecord_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hivetrace/hivetrace/otelrecord"
)

func TestUnencodableOutputs(t *testing.T) {
	md := map[string]string{
		otelrecord.UnencodableKey("a.b", 2, otelrecord.UnencodableOutput): "json: unsupported value: NaN",
		otelrecord.UnencodableKey("a.b", 2, otelrecord.UnencodableInput):  "json: unsupported value: NaN",
		otelrecord.UnencodableKey("c", 0, otelrecord.UnencodableOutput):   "json: unsupported type: chan int",
		otelrecord.UnencodableTaskKey(otelrecord.UnencodableOutput):       "json: unsupported value: +Inf",
		otelrecord.MetadataUnencodablePrefix + "d.x.output":               "not an index",
		"other": "value",
	}
	assert.Equal(t, map[string]map[int]string{
		"a.b": {2: "json: unsupported value: NaN"},
		"c":   {0: "json: unsupported type: chan int"},
	}, otelrecord.UnencodableOutputs(md))
	assert.Nil(t, otelrecord.UnencodableOutputs(map[string]string{"k": "v"}))
	assert.Equal(t, "hive.unencodable.a.b.2.output", otelrecord.UnencodableKey("a.b", 2, otelrecord.UnencodableOutput))
	assert.Equal(t, "hive.unencodable.task.input", otelrecord.UnencodableTaskKey(otelrecord.UnencodableInput))
}
