package otelrecord

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireEncodedAsReflection requires MarshalJSON to give the bytes
// encoding/json writes for the record's wire shape, or an error when it
// fails.
func requireEncodedAsReflection(t *testing.T, rec *ExecutionRecord) {
	t.Helper()
	want, wantErr := rec.marshalReflect()
	got, err := json.Marshal(rec)
	if wantErr != nil {
		require.Error(t, err)
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
	direct, err := rec.MarshalJSON()
	require.NoError(t, err)
	require.Equal(t, string(want), string(direct), "MarshalJSON writes what json.Marshal keeps")
}

func TestMarshalJSONIsReflectionEncoding(t *testing.T) {
	timing := func(d float64) *TimingInfo {
		return &TimingInfo{StartTime: 1767225600000, EndTime: 1767225600050, Duration: d}
	}
	var decoded TimingInfo
	require.NoError(t, json.Unmarshal([]byte(`{"startTime":1767225600000.5,"endTime":1767225600050.25}`), &decoded))
	full := &ExecutionRecord{
		UUID: "0190d7a4-5f3c-7b2e-9a1d-2c4e6f8a0b1c", TaskName: "greet <&> \u2028 \"q\" \\ \x01 \xff",
		Input: json.RawMessage(`{"name":"Ada"}`), Output: json.RawMessage(`"hello"`),
		Error: "boom\n<b>", Type: TypeError,
		Boundaries: map[string][]BoundaryRecord{
			"b": {{Input: json.RawMessage(`[1, 2]`), Output: json.RawMessage(` {"a" : "<x>"} `), Timing: timing(20)}},
			"a": {{Input: nil, Error: "failed", Timing: timing(0.000001)}, {Input: json.RawMessage(`["\u2028"]`), Timing: &decoded}},
			"z": nil,
			"y": {},
		},
		Metadata: map[string]string{"trace_id": "abc", "<k>": "v&", "": ""},
		Metrics:  []Metric{{Type: "business", Name: "n", Value: 1e21}, {Type: "t", Name: "m", Value: -1.5e-7}},
		Timing:   timing(50.25),
	}
	cases := map[string]*ExecutionRecord{
		"empty":   {},
		"full":    full,
		"no maps": {UUID: "u", TaskName: "t", Type: TypeSuccess, Input: json.RawMessage(`null`)},
		"empty maps": {TaskName: "t", Boundaries: map[string][]BoundaryRecord{}, Metadata: map[string]string{},
			Metrics: []Metric{}},
		"decoded timing": {TaskName: "t", Timing: &decoded},
	}
	for _, d := range []float64{0, math.Copysign(0, -1), 1, 0.5, 123.456, 1e-6, 9.99e-7, 1e20, 1e21, 5e-324, math.MaxFloat64, -2.5e-9} {
		b, _ := json.Marshal(d)
		cases["duration "+string(b)] = &ExecutionRecord{TaskName: "t", Timing: timing(d)}
	}
	for name, rec := range cases {
		t.Run(name, func(t *testing.T) { requireEncodedAsReflection(t, rec) })
	}

	t.Run("refused", func(t *testing.T) {
		for _, rec := range []*ExecutionRecord{
			{TaskName: "t", Timing: timing(math.NaN())},
			{TaskName: "t", Metrics: []Metric{{Type: "a", Name: "b", Value: math.Inf(1)}}},
			{TaskName: "t", Boundaries: map[string][]BoundaryRecord{"b": {{Input: json.RawMessage{}}}}},
			{TaskName: "t", Input: json.RawMessage(`{"a":`)},
			{TaskName: "t", Output: json.RawMessage(`nope`)},
		} {
			_, err := json.Marshal(rec)
			assert.Error(t, err)
			_, err = rec.MarshalJSON()
			assert.Error(t, err)
		}
	})
}

func TestMarshalJSONAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	allocs := func(calls int) float64 {
		rec := &ExecutionRecord{TaskName: "t", Boundaries: map[string][]BoundaryRecord{}, Timing: &TimingInfo{StartTime: 1, EndTime: 9, Duration: 8}}
		for i := range calls {
			rec.Boundaries["fetch"] = append(rec.Boundaries["fetch"], BoundaryRecord{
				Input: json.RawMessage(`[1]`), Output: json.RawMessage(`{"id":1}`), Timing: &TimingInfo{StartTime: int64(i), EndTime: int64(i + 1), Duration: 1}})
		}
		return testing.AllocsPerRun(20, func() { _, _ = rec.MarshalJSON() })
	}
	few, many := allocs(5), allocs(500)
	assert.Less(t, many-few, 40.0, "no allocation per boundary call (5 calls: %v, 500: %v; only the buffer grows)", few, many)
}

// FuzzMarshalJSON: for any strings, numbers and payloads, MarshalJSON writes
// the bytes encoding/json writes for the record's wire shape, or fails when
// it fails.
func FuzzMarshalJSON(f *testing.F) {
	f.Add("greet", "<a>&\u2028", `{"a": [1, 2.5e-7, "x\u2029"]}`, `"out"`, "k", "v", 12.5, int64(1767225600000), false)
	f.Add("", "\xff\x01", `nope`, ``, "", "", math.Inf(1), int64(-1), true)
	f.Fuzz(func(t *testing.T, task, errMsg, input, output, key, value string, num float64, start int64, fractional bool) {
		tm := &TimingInfo{StartTime: start, EndTime: start + 5, Duration: num}
		if fractional {
			var d TimingInfo
			if d.UnmarshalJSON([]byte(`{"startTime":`+string(appendJSONFloat(nil, float64(start)+0.5))+`}`)) == nil {
				tm = &d
			}
		}
		rec := &ExecutionRecord{
			UUID: key, TaskName: task, Error: errMsg, Input: json.RawMessage(input), Output: json.RawMessage(output),
			Boundaries: map[string][]BoundaryRecord{key: {{Input: json.RawMessage(input), Output: json.RawMessage(output), Error: value, Timing: tm}}},
			Metadata:   map[string]string{key: value},
			Metrics:    []Metric{{Type: key, Name: value, Value: num}},
			Timing:     tm,
		}
		want, wantErr := rec.marshalReflect()
		got, err := rec.MarshalJSON()
		if wantErr != nil {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	})
}
