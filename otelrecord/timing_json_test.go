package otelrecord

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimingJSONRoundTrips(t *testing.T) {
	for _, in := range []string{
		`{"startTime":1795633372498,"endTime":1795633372502,"duration":4}`,
		`{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}`,
		`{"startTime":1795633372498.123,"endTime":1795633372502.5,"duration":4.377}`,
		`{"startTime":1795633372498,"endTime":1795633372502}`,
		`{"startTime":1795633372498.75,"endTime":1795633372502.25}`,
		`{"startTime":-1.5,"endTime":0,"duration":1.5}`,
		`{"startTime":0,"endTime":0,"duration":0}`,
		`{"startTime":1,"endTime":2,"duration":1e-7}`,
	} {
		var tm TimingInfo
		require.NoError(t, json.Unmarshal([]byte(in), &tm), in)
		out, err := json.Marshal(tm)
		require.NoError(t, err)
		assert.Equal(t, in, string(out), "a decoded timing encodes back to the same JSON")
	}
}

func TestTimingWithoutDuration(t *testing.T) {
	var tm TimingInfo
	require.NoError(t, json.Unmarshal([]byte(`{"startTime":1795633372498.25,"endTime":1795633372502.75}`), &tm))
	assert.False(t, tm.HasDuration())
	assert.Equal(t, int64(1795633372498), tm.StartTime, "whole milliseconds, rounded down")
	assert.Equal(t, int64(1795633372502), tm.EndTime)
	assert.InDelta(t, 1795633372498.25, tm.StartMillis(), 1e-9)
	assert.InDelta(t, 1795633372502.75, tm.EndMillis(), 1e-9)
	assert.InDelta(t, 4.5, tm.Duration, 1e-9, "Duration is derived from the start and end times")
	d, known := tm.KnownDuration()
	assert.True(t, known)
	assert.InDelta(t, 4.5, d, 1e-9)

	rec := ExecutionRecord{TaskName: "t", Timing: &tm, Boundaries: map[string][]BoundaryRecord{"b": {{Input: json.RawMessage(`[]`), Timing: &tm}}}}
	out, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.NotContains(t, string(out), "duration", "never an invented duration: %s", out)

	var back ExecutionRecord
	require.NoError(t, json.Unmarshal(out, &back))
	assert.False(t, back.Timing.HasDuration())
	assert.False(t, back.Boundaries["b"][0].Timing.HasDuration())

	var startOnly TimingInfo
	require.NoError(t, json.Unmarshal([]byte(`{"startTime":5}`), &startOnly))
	assert.Zero(t, startOnly.Duration, "nothing to derive from")
	_, known = startOnly.KnownDuration()
	assert.False(t, known)
	out, err = json.Marshal(startOnly)
	require.NoError(t, err)
	assert.Equal(t, `{"startTime":5,"endTime":0}`, string(out))
}

func TestTimingFromClockIsPlain(t *testing.T) {
	start := time.Unix(1795633372, 498_250_000)
	tm := TimingOf(start, start.Add(4250*time.Microsecond))
	assert.True(t, tm.HasDuration())
	d, known := tm.KnownDuration()
	assert.True(t, known)
	assert.Equal(t, 4.25, d)
	assert.Equal(t, float64(tm.StartTime), tm.StartMillis())
	out, err := json.Marshal(tm)
	require.NoError(t, err)
	assert.Equal(t, `{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}`, string(out))
	var sink TimingInfo
	assert.Equal(t, 0, int(testing.AllocsPerRun(100, func() { sink = TimingOf(start, start.Add(time.Millisecond)) })), "the hot path allocates nothing")
	_ = sink

	var decoded TimingInfo
	require.NoError(t, json.Unmarshal(out, &decoded))
	assert.Equal(t, tm, decoded, "a whole-millisecond timing with a duration decodes to the plain value")
}

func TestTimingDecodeRefusals(t *testing.T) {
	for in, want := range map[string]string{
		`{"startTime":"soon"}`:             "timing.startTime must be a number, got a string",
		`{"endTime":true}`:                 "timing.endTime must be a number, got a boolean",
		`{"duration":{}}`:                  "timing.duration must be a number, got an object",
		`{"startTime":1e400}`:              "out of range",
		`{"startTime":1e19}`:               "out of range",
		`[1]`:                              "not a JSON object",
		`{"startTime":1,}`:                 "not a JSON object",
		`{"startTime":01}`:                 "not a JSON object",
		`{"startTime":1}x`:                 "not a JSON object",
		`{"startTime" 1}`:                  "not a JSON object",
		`{"x":[1,{"y":"}"}],"startTime":2`: "not a JSON object",
	} {
		var tm TimingInfo
		err := tm.UnmarshalJSON([]byte(in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
	var tm TimingInfo
	require.NoError(t, tm.UnmarshalJSON([]byte(`{"x":[1,{"y":"}"}],"note":"a\"b","startTime":2,"endTime":null,"duration":3}`)))
	assert.Equal(t, int64(2), tm.StartTime)
	assert.Equal(t, 3.0, tm.Duration)
	assert.True(t, tm.HasDuration())
	require.NoError(t, tm.UnmarshalJSON([]byte(`null`)), "null leaves the timing as it is")
	assert.Equal(t, int64(2), tm.StartTime)
	require.NoError(t, tm.UnmarshalJSON([]byte(`{"start\u0054ime":7,"endTime":8,"duration":1}`)))
	assert.Equal(t, int64(7), tm.StartTime, "escaped names are unquoted")
}

func TestTimingDecodeNonFinite(t *testing.T) {
	_, err := json.Marshal(TimingInfo{Duration: math.Inf(1)})
	assert.Error(t, err)
}

// A timing made from clock readings encodes as encoding/json encodes its
// three fields.
func TestTimingEncodesAsItsFields(t *testing.T) {
	type plain struct {
		StartTime int64   `json:"startTime"`
		EndTime   int64   `json:"endTime"`
		Duration  float64 `json:"duration"`
	}
	for _, d := range []float64{0, math.Copysign(0, -1), 1, 0.5, 123.456, 1e-6, 9.99e-7, 1e20, 1e21, 5e-324, math.MaxFloat64, -2.5e-9, 4.25} {
		for _, start := range []int64{0, -1, 1795633372498, math.MaxInt64, math.MinInt64} {
			tm := TimingInfo{StartTime: start, EndTime: start / 2, Duration: d}
			want, err := json.Marshal(plain{tm.StartTime, tm.EndTime, tm.Duration})
			require.NoError(t, err)
			got, err := json.Marshal(tm)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		}
	}
}
