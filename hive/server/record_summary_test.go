package server

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestSummarizeRecord(t *testing.T) {
	start := time.UnixMilli(1795633372498).UTC()
	cases := []struct {
		name   string
		record string
		want   RecordSummary
	}{
		{"success with timing", `{"uuid":"r","input":{"type":"x"},"type":"success","timing":{"startTime":1795633372498,"endTime":1795633372505,"duration":7}}`,
			RecordSummary{Type: "success", Start: start, Duration: 7 * time.Millisecond, HasDuration: true}},
		{"fractional duration", `{"type":"error","timing":{"startTime":1795633372498,"duration":0.25}}`,
			RecordSummary{Type: "error", Start: start, Duration: 250 * time.Microsecond, HasDuration: true}},
		{"duration from end minus start", `{"timing":{"startTime":1795633372498,"endTime":1795633372510}}`,
			RecordSummary{Start: start, Duration: 12 * time.Millisecond, HasDuration: true}},
		{"no timing", `{"type":"error","error":"Invalid input on: a: required"}`, RecordSummary{Type: "error"}},
		{"null timing", `{"type":"success","timing":null}`, RecordSummary{Type: "success"}},
		{"type not a string", `{"type":1,"timing":{"duration":3}}`, RecordSummary{Duration: 3 * time.Millisecond, HasDuration: true}},
		{"negative numbers ignored", `{"timing":{"startTime":-5,"duration":-1}}`, RecordSummary{}},
		{"timing of wrong kinds", `{"type":"success","timing":{"startTime":"soon","duration":2}}`, RecordSummary{Type: "success"}},
		{"duplicate keys: the last counts", `{"type":"error","type":"success"}`, RecordSummary{Type: "success"}},
		{"cut short keeps what was read", `{"type":"error","timing":{"startTime":1`, RecordSummary{Type: "error"}},
		{"not an object", `[1,2]`, RecordSummary{}},
		{"empty", ``, RecordSummary{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, SummarizeRecord([]byte(c.record)))
		})
	}
}

func TestRecordSummaryRunStart(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assert.Equal(t, created, RecordSummary{}.RunStart(created), "no start: when stored")
	start := created.Add(-time.Hour)
	assert.Equal(t, start, RecordSummary{Start: start}.RunStart(created))
}

func TestQualityScore(t *testing.T) {
	for in, want := range map[string]float64{`{"score":0.75,"reason":"ok"}`: 0.75, `{"reason":"x","score":-2}`: -2, `{"score":10}`: 10} {
		got, ok := QualityScore([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{``, `null`, `{}`, `{"score":"high"}`, `{"score":null}`, `{"reason":"r"}`, `[{"score":1}]`} {
		_, ok := QualityScore([]byte(in))
		assert.False(t, ok, in)
	}
}

// FuzzSummarizeRecord checks that SummarizeRecord never panics and agrees
// with encoding/json on the type of every valid JSON object.
func FuzzSummarizeRecord(f *testing.F) {
	f.Add([]byte(`{"type":"success","timing":{"startTime":1795633372498,"endTime":1795633372505,"duration":7}}`))
	f.Add([]byte(`{"type":"error","timing":{"startTime":1e300,"duration":1e-9}}`))
	f.Add([]byte(`{"type":"\u0065rror","boundaries":{"a":[{"timing":{}}]}}`))
	f.Add([]byte(`{"score":0.5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := SummarizeRecord(data)
		_, _ = QualityScore(data)
		if s.HasDuration && s.Duration < 0 {
			t.Fatalf("negative duration %v", s.Duration)
		}
		var std map[string]any // exact keys; the last of duplicates
		if !utf8.Valid(data) || json.Unmarshal(data, &std) != nil {
			return
		}
		if want, ok := std["type"].(string); ok && want != s.Type {
			t.Fatalf("type %q, encoding/json reads %q", s.Type, want)
		}
	})
}
