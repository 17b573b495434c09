package server

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// requireMarshalledAsJSON requires marshalRebuilt to give json.Marshal's
// bytes, or its error.
func requireMarshalledAsJSON(t *testing.T, rec *otelrecord.ExecutionRecord) {
	t.Helper()
	want, wantErr := json.Marshal(rec)
	got, err := marshalRebuilt(rec)
	if wantErr != nil {
		require.Error(t, err)
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

func TestMarshalRebuiltIsJSONMarshal(t *testing.T) {
	timing := func(d float64) *otelrecord.TimingInfo {
		return &otelrecord.TimingInfo{StartTime: 1767225600000, EndTime: 1767225600050, Duration: d}
	}
	full := &otelrecord.ExecutionRecord{
		UUID: "0190d7a4-5f3c-7b2e-9a1d-2c4e6f8a0b1c", TaskName: "greet <&> \u2028 \"q\" \\ \x01 \xff",
		Input: json.RawMessage(`{"name":"Ada"}`), Output: json.RawMessage(`"hello"`),
		Error: "boom\n<b>", Type: otelrecord.TypeError,
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"b": {{Input: json.RawMessage(`[1, 2]`), Output: json.RawMessage(` {"a" : "<x>"} `), Timing: timing(20)}},
			"a": {{Input: nil, Error: "failed", Timing: timing(0.000001)}, {Input: json.RawMessage(`["\u2028"]`)}},
			"z": nil,
			"y": {},
		},
		Metadata: map[string]string{"trace_id": "abc", "<k>": "v&", "": ""},
		Metrics:  []otelrecord.Metric{{Type: "business", Name: "n", Value: 1e21}, {Type: "t", Name: "m", Value: -1.5e-7}},
		Timing:   timing(50.25),
	}
	cases := map[string]*otelrecord.ExecutionRecord{
		"empty":   {},
		"full":    full,
		"no maps": {UUID: "u", TaskName: "t", Type: otelrecord.TypeSuccess, Input: json.RawMessage(`null`)},
		"empty maps": {TaskName: "t", Boundaries: map[string][]otelrecord.BoundaryRecord{}, Metadata: map[string]string{},
			Metrics: []otelrecord.Metric{}},
	}
	for _, d := range []float64{0, math.Copysign(0, -1), 1, 0.5, 123.456, 1e-6, 9.99e-7, 1e20, 1e21, 5e-324, math.MaxFloat64, -2.5e-9} {
		cases["duration "+json.Number(formatFloat(d)).String()] = &otelrecord.ExecutionRecord{TaskName: "t", Timing: timing(d)}
	}
	for name, rec := range cases {
		t.Run(name, func(t *testing.T) { requireMarshalledAsJSON(t, rec) })
	}

	t.Run("refused", func(t *testing.T) {
		for _, rec := range []*otelrecord.ExecutionRecord{
			{TaskName: "t", Timing: timing(math.NaN())},
			{TaskName: "t", Metrics: []otelrecord.Metric{{Type: "a", Name: "b", Value: math.Inf(1)}}},
			{TaskName: "t", Boundaries: map[string][]otelrecord.BoundaryRecord{"b": {{Input: json.RawMessage{}}}}},
		} {
			_, err := marshalRebuilt(rec)
			assert.Error(t, err)
		}
	})
}

func formatFloat(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// FuzzMarshalRebuilt: for any strings, numbers and valid JSON payloads,
// marshalRebuilt writes json.Marshal's bytes.
func FuzzMarshalRebuilt(f *testing.F) {
	f.Add("greet", "<a>&\u2028", `{"a": [1, 2.5e-7, "x\u2029"]}`, `"out"`, "k", "v", 12.5, int64(1767225600000))
	f.Add("", "\xff\x00", ` [ ] `, `null`, "", "\n", 1e-7, int64(-1))
	f.Fuzz(func(t *testing.T, name, text, in, out, key, value string, num float64, ms int64) {
		if !json.Valid([]byte(in)) || !json.Valid([]byte(out)) {
			return // RebuildRun only makes valid payloads
		}
		ti := &otelrecord.TimingInfo{StartTime: ms, EndTime: ms + 1, Duration: num}
		rec := &otelrecord.ExecutionRecord{
			UUID: text, TaskName: name, Input: json.RawMessage(in), Output: json.RawMessage(out), Error: text,
			Type: otelrecord.RecordType(value),
			Boundaries: map[string][]otelrecord.BoundaryRecord{
				name: {{Input: json.RawMessage(in), Output: json.RawMessage(out), Error: text, Timing: ti}},
				key:  {{Input: json.RawMessage(out), Timing: ti}},
			},
			Metadata: map[string]string{key: value, text: name},
			Metrics:  []otelrecord.Metric{{Type: key, Name: value, Value: num}},
			Timing:   ti,
		}
		requireMarshalledAsJSON(t, rec)
	})
}
