package otelrecord

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzTimingJSON checks the timing decoder against encoding/json: it never
// panics, accepts only valid JSON, reads the same numbers encoding/json
// reads, and what it accepts encodes and decodes back to the same timing.
func FuzzTimingJSON(f *testing.F) {
	for _, s := range []string{
		`{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}`,
		`{"startTime":1795633372498.123,"endTime":1795633372502.5}`,
		`{"x":[1,{"y":"}"}],"startTime":-2e3,"endTime":null}`,
		`{"start\u0054ime":7}`, `null`, `{}`, `{"startTime":1,}`, `[`, `{"duration":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tm TimingInfo
		if err := tm.UnmarshalJSON(data); err != nil {
			return
		}
		require.True(t, json.Valid(data), "accepted invalid JSON %q", data)
		var std map[string]any
		if json.Unmarshal(data, &std) == nil && std != nil {
			if v, ok := std["startTime"].(float64); ok {
				require.Equal(t, v, tm.StartMillis(), "startTime of %q", data)
			}
			if v, ok := std["endTime"].(float64); ok {
				require.Equal(t, v, tm.EndMillis(), "endTime of %q", data)
			}
			if v, ok := std["duration"].(float64); ok {
				require.Equal(t, v, tm.Duration, "duration of %q", data)
			}
		}
		out, err := json.Marshal(tm)
		require.NoError(t, err)
		var back TimingInfo
		require.NoError(t, json.Unmarshal(out, &back), "%s", out)
		out2, err := json.Marshal(back)
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2), "encoding is stable")
		require.Equal(t, tm.StartMillis(), back.StartMillis())
		require.Equal(t, tm.EndMillis(), back.EndMillis())
		require.Equal(t, tm.HasDuration(), back.HasDuration())
	})
}
