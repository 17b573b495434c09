package otelrecord

import (
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkMarshalRecord encodes a record of 10 boundary calls as the hive
// sink does (json.Marshal).
func BenchmarkMarshalRecord(b *testing.B) {
	start := time.Unix(1795633372, 498_250_000)
	rec := &ExecutionRecord{
		UUID: "0193f0a0-0000-7000-8000-000000000001", TaskName: "getUserReport", Type: TypeSuccess,
		Input: json.RawMessage(`{"userId":1}`), Output: json.RawMessage(`{"total":20}`),
		Boundaries: map[string][]BoundaryRecord{"sendMail": {}},
		Metadata:   map[string]string{"requestId": "req-1"},
		Metrics:    []Metric{{Type: "business", Name: "score", Value: 10}},
		Timing:     NewTiming(start, start.Add(8*time.Millisecond)),
	}
	for i := range 10 {
		rec.Boundaries["fetchUser"] = append(rec.Boundaries["fetchUser"], BoundaryRecord{
			Input: json.RawMessage(`[1]`), Output: json.RawMessage(`{"id":1,"name":"Ada"}`),
			Timing: NewTiming(start.Add(time.Duration(i)*time.Millisecond), start.Add(time.Duration(i+1)*time.Millisecond)),
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(rec); err != nil {
			b.Fatal(err)
		}
	}
}
