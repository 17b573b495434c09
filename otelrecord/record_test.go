package otelrecord

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typescriptRecords reads records written by the TypeScript Forge Hive
// implementation, each as raw JSON.
func typescriptRecords(t testing.TB) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile("testdata/typescript_records.json")
	require.NoError(t, err)
	var raws []json.RawMessage
	require.NoError(t, json.Unmarshal(data, &raws))
	return raws
}

func asAny(t testing.TB, data []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	return v
}

func TestRecordTypeScriptRoundTrip(t *testing.T) {
	raws := typescriptRecords(t)
	require.Len(t, raws, 3)
	for _, raw := range raws {
		var rec ExecutionRecord
		require.NoError(t, json.Unmarshal(raw, &rec))
		out, err := json.Marshal(rec)
		require.NoError(t, err)
		assert.Equal(t, asAny(t, raw), asAny(t, out))
	}

	var ok, failed, invalid ExecutionRecord
	require.NoError(t, json.Unmarshal(raws[0], &ok))
	require.NoError(t, json.Unmarshal(raws[1], &failed))
	require.NoError(t, json.Unmarshal(raws[2], &invalid))

	assert.Equal(t, json.RawMessage("null"), ok.Output, "explicit null output")
	assert.Nil(t, failed.Output, "absent output")
	assert.Equal(t, TypeError, failed.Type)
	assert.Equal(t, 4.183291, ok.Boundaries["fetchUser"][0].Timing.Duration, "fractional duration")
	assert.Equal(t, &TimingInfo{StartTime: 1795633372497, EndTime: 1795633372505, Duration: 7.612541}, ok.Timing)
	assert.NotNil(t, ok.Boundaries["sendEmail"])
	assert.Empty(t, ok.Boundaries["sendEmail"], "declared but unused")
	assert.Equal(t, map[string]string{"requestId": "req-1", "environment": "production"}, ok.Metadata)
	assert.Equal(t, []Metric{{"business", "score", 10}, {"performance", "latency_ms", 3.5}}, ok.Metrics)
	assert.NotNil(t, failed.Metadata, "empty metadata object kept")
	assert.NotNil(t, failed.Metrics, "empty metrics array kept")
	assert.Nil(t, invalid.Metadata, "absent metadata")
	assert.Nil(t, invalid.Timing)
	assert.Empty(t, invalid.UUID)
}

func TestRecordNullAndAbsentOutput(t *testing.T) {
	nullOut := ExecutionRecord{TaskName: "t", Input: json.RawMessage(`{}`), Output: json.RawMessage("null"), Type: TypeSuccess}
	absent := ExecutionRecord{TaskName: "t", Input: json.RawMessage(`{}`), Error: "boom", Type: TypeError}

	b, err := json.Marshal(nullOut)
	require.NoError(t, err)
	assert.JSONEq(t, `{"taskName":"t","input":{},"output":null,"type":"success"}`, string(b))
	b, err = json.Marshal(absent)
	require.NoError(t, err)
	assert.JSONEq(t, `{"taskName":"t","input":{},"error":"boom","type":"error"}`, string(b))

	var back ExecutionRecord
	require.NoError(t, json.Unmarshal([]byte(`{"output":null}`), &back))
	assert.Equal(t, json.RawMessage("null"), back.Output)
	require.NoError(t, json.Unmarshal([]byte(`{}`), &back))
	assert.Nil(t, back.Output)
}

func TestRecordNilCallsEncodeAsEmpty(t *testing.T) {
	rec := ExecutionRecord{Boundaries: map[string][]BoundaryRecord{"a": nil}}
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.JSONEq(t, `{"boundaries":{"a":[]}}`, string(b))
	assert.Nil(t, rec.Boundaries["a"], "the caller's map is not modified")
}

func TestRecordClone(t *testing.T) {
	rec := scenarioRecord()
	c := rec.Clone()
	requireSameJSON(t, rec, c)
	c.Metadata["x"] = "y"
	c.Boundaries["fetchUser"][0].Error = "changed"
	c.Timing.Duration = 0
	assert.NotContains(t, rec.Metadata, "x")
	assert.Empty(t, rec.Boundaries["fetchUser"][0].Error)
	assert.NotZero(t, rec.Timing.Duration)
	assert.Nil(t, (*ExecutionRecord)(nil).Clone())
}

func TestMetricValidation(t *testing.T) {
	tests := []struct {
		name        string
		typ, metric string
		value       float64
		field       string
	}{
		{"empty type", "", "score", 1, "type"},
		{"empty name", "business", "", 1, "name"},
		{"NaN", "business", "score", math.NaN(), "value"},
		{"+Inf", "business", "score", math.Inf(1), "value"},
		{"-Inf", "business", "score", math.Inf(-1), "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMetric(tt.typ, tt.metric, tt.value)
			require.ErrorIs(t, err, ErrInvalidMetric)
			assert.Contains(t, err.Error(), tt.field)
			assert.Equal(t, Metric{}, m)
			assert.ErrorIs(t, Metric{Type: tt.typ, Name: tt.metric, Value: tt.value}.Validate(), ErrInvalidMetric)
		})
	}
	err := Metric{}.Validate()
	require.ErrorIs(t, err, ErrInvalidMetric)
	assert.Contains(t, err.Error(), "type")
	assert.Contains(t, err.Error(), "name")

	m, err := NewMetric("business", "score", -0.5)
	require.NoError(t, err)
	assert.Equal(t, Metric{Type: "business", Name: "score", Value: -0.5}, m)
}

func TestTruncate(t *testing.T) {
	small := []byte(`{"a":1}`)
	out, cut := Truncate(small, 100)
	assert.False(t, cut)
	assert.Equal(t, small, out)
	out, cut = Truncate(small, 0)
	assert.False(t, cut, "0 means no limit")
	assert.Equal(t, small, out)
	_, ok := IsTruncated(small)
	assert.False(t, ok)

	big := []byte(`{"s":"` + strings.Repeat("日本", 1000) + `"}`)
	out, cut = Truncate(big, 64)
	require.True(t, cut)
	assert.True(t, json.Valid(out), "the marker is valid JSON")
	tr, ok := IsTruncated(out)
	require.True(t, ok)
	assert.True(t, tr.Truncated)
	assert.Equal(t, len(big), tr.OriginalSize)
	assert.True(t, strings.HasPrefix(string(big), tr.Preview))
	assert.LessOrEqual(t, len(tr.Preview), 32)

	for _, notMarker := range []string{``, `[]`, `{"hive.truncated":false}`, `{"other":1}`, `{broken`} {
		_, ok := IsTruncated([]byte(notMarker))
		assert.False(t, ok, notMarker)
	}
}

func TestNewTiming(t *testing.T) {
	start := t0
	end := start.Add(1500 * time.Microsecond)
	assert.Equal(t, &TimingInfo{StartTime: start.UnixMilli(), EndTime: end.UnixMilli(), Duration: 1.5}, NewTiming(start, end))

	// A span that went over OTLP keeps only wall-clock nanoseconds.
	now := time.Now()
	later := now.Add(2 * time.Millisecond)
	assert.Equal(t, NewTiming(now.Round(0), later.Round(0)), NewTiming(now, later))
}

func TestTimingFromUnixNanoMatchesTimingOf(t *testing.T) {
	check := func(start, end int64) {
		t.Helper()
		want := TimingOf(time.Unix(0, start), time.Unix(0, end))
		assert.Equal(t, want, TimingFromUnixNano(start, end), "start %d end %d", start, end)
	}
	edges := []int64{0, 1, -1, 999_999, 1_000_000, -999_999, -1_000_000, -1_000_001,
		t0.UnixNano(), math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	for _, a := range edges {
		for _, b := range edges {
			check(a, b)
		}
	}
	for i := range int64(10_000) {
		start := t0.UnixNano() + i*7_919_993
		check(start, start+i*i*104_729)
		check(-start, -start+i*13)
	}
}

func FuzzTimingFromUnixNano(f *testing.F) {
	f.Add(int64(0), int64(1_500_000))
	f.Add(int64(-1), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, start, end int64) {
		want := TimingOf(time.Unix(0, start), time.Unix(0, end))
		got := TimingFromUnixNano(start, end)
		if want != got {
			t.Fatalf("TimingFromUnixNano(%d, %d) = %+v, TimingOf gives %+v", start, end, got, want)
		}
	})
}
