package server

import (
	"encoding/json"
	"strings"
	"sync"
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

// referenceSummary is SummarizeRecord written with encoding/json, for the
// fuzz target to compare with.
func referenceSummary(data []byte) (RecordSummary, bool) {
	var top map[string]json.RawMessage // exact keys; the last of duplicates
	if !utf8.Valid(data) || json.Unmarshal(data, &top) != nil || top == nil {
		return RecordSummary{}, false
	}
	var out RecordSummary
	_ = json.Unmarshal(top["type"], &out.Type)
	var timing map[string]json.RawMessage
	if raw, ok := top["timing"]; !ok || json.Unmarshal(raw, &timing) != nil || timing == nil {
		return out, true
	}
	var nums [3]optNumber
	for i, key := range []string{"startTime", "endTime", "duration"} {
		var f *float64
		if raw, ok := timing[key]; ok {
			if json.Unmarshal(raw, &f) != nil {
				return out, true // a member of the wrong kind: no timing
			}
		}
		if f != nil {
			nums[i] = optNumber{v: *f, set: true}
		}
	}
	start, startOK := millis(nums[0])
	end, endOK := millis(nums[1])
	if startOK {
		out.Start = time.Unix(0, start).UTC()
	}
	switch d, ok := millis(nums[2]); {
	case ok:
		out.Duration, out.HasDuration = time.Duration(d), true
	case startOK && endOK && end >= start:
		out.Duration, out.HasDuration = time.Duration(end-start), true
	}
	return out, true
}

// FuzzSummarizeRecord checks that SummarizeRecord never panics and reads
// every valid JSON object as encoding/json does, and QualityScore the score.
func FuzzSummarizeRecord(f *testing.F) {
	f.Add([]byte(`{"type":"success","timing":{"startTime":1795633372498,"endTime":1795633372505,"duration":7}}`))
	f.Add([]byte(`{"type":"error","timing":{"startTime":1e300,"duration":1e-9}}`))
	f.Add([]byte(`{"type":"\u0065rror","boundaries":{"a":[{"timing":{}}]},"t\u0069ming":{"duration":null,"endTime":4,"startTime":1}}`))
	f.Add([]byte(`{"timing":{"startTime":1,"startTime":"x"},"type":null}`))
	f.Add([]byte(`{"score":0.5,"score":1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := SummarizeRecord(data)
		score, scored := QualityScore(data)
		if got.HasDuration && got.Duration < 0 {
			t.Fatalf("negative duration %v", got.Duration)
		}
		want, ok := referenceSummary(data)
		if !ok {
			return
		}
		if got != want {
			t.Fatalf("SummarizeRecord = %+v, encoding/json reads %+v", got, want)
		}
		var q struct {
			Score *float64 `json:"score"`
		}
		var top map[string]json.RawMessage
		_ = json.Unmarshal(data, &top)
		if json.Unmarshal(top["score"], &q.Score) != nil {
			q.Score = nil
		}
		if scored != (q.Score != nil) || scored && score != *q.Score {
			t.Fatalf("QualityScore = %v, %v; encoding/json reads %v", score, scored, q.Score)
		}
	})
}

// TestSummarizeRecordConcurrently runs SummarizeRecord and QualityScore in
// parallel (their decoders are pooled), for -race.
func TestSummarizeRecordConcurrently(t *testing.T) {
	records := [][]byte{
		[]byte(`{"type":"success","timing":{"startTime":1795633372498,"duration":7}}`),
		[]byte(`{"type":"error","input":{"a":[1,2,{"b":"c"}]},"timing":{"startTime":1795633372000,"endTime":1795633372010}}`),
		[]byte(`{"type":"pen`),
	}
	want := make([]RecordSummary, len(records))
	for i, r := range records {
		want[i] = SummarizeRecord(r)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := (g + i) % len(records)
				if got := SummarizeRecord(records[k]); got != want[k] {
					t.Errorf("record %d: %+v, want %+v", k, got, want[k])
					return
				}
				if s, ok := QualityScore([]byte(`{"score":0.25}`)); !ok || s != 0.25 {
					t.Errorf("QualityScore = %v, %v", s, ok)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkSummarizeRecord reads the summary of a record of about 1 KB, as
// every store does for each record it writes.
func BenchmarkSummarizeRecord(b *testing.B) {
	rec := []byte(`{"uuid":"0193f0a0-0000-7000-8000-000000000001","taskName":"bench","type":"success","input":{"userId":"u-1234","query":"` +
		strings.Repeat("q", 200) + `"},"output":{"rows":[1,2,3,4,5,6,7,8],"summary":"` + strings.Repeat("s", 400) + `"},` +
		`"metadata":{"requestId":"req-0001","region":"eu-west-1"},` +
		`"boundaries":{"fetch":[{"input":[1],"output":{"n":1},"timing":{"startTime":1795633372498,"endTime":1795633372502,"duration":4.25}}]},` +
		`"metrics":[{"type":"business","name":"score","value":10}],"timing":{"startTime":1795633372497,"endTime":1795633372505,"duration":8}}`)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if s := SummarizeRecord(rec); !s.HasDuration {
			b.Fatal("no duration")
		}
	}
}
