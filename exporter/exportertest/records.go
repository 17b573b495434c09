package exportertest

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// SampleRecords returns records of every shape a sink must carry unchanged:
// a success with boundary calls, metadata and metrics; a failed run; a run
// with an explicit null output; an invalid-input run without timing; empty
// metadata and metrics; non-ASCII text; a truncated payload. Each call
// returns fresh records with new UUID v7s.
func SampleRecords() []*otelrecord.ExecutionRecord {
	start := time.UnixMilli(1795633372498).Add(123456 * time.Nanosecond)
	timing := func(from, to time.Duration) *otelrecord.TimingInfo {
		return otelrecord.NewTiming(start.Add(from), start.Add(to))
	}
	big, _ := otelrecord.Truncate([]byte(`{"items":"`+strings.Repeat("x", 4096)+`"}`), 256)
	return []*otelrecord.ExecutionRecord{
		{
			UUID:     run.NewUUID(),
			TaskName: "getUserReport",
			Input:    json.RawMessage(`{"userId":1}`),
			Output:   json.RawMessage(`{"total":20,"items":[1,2.5,"three",null,true]}`),
			Type:     otelrecord.TypeSuccess,
			Boundaries: map[string][]otelrecord.BoundaryRecord{
				"fetchUser": {
					{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`{"id":1,"name":"Ada"}`), Timing: timing(time.Millisecond, 4*time.Millisecond+250*time.Microsecond)},
					{Input: json.RawMessage(`[99]`), Error: "user 99 not found", Timing: timing(5*time.Millisecond, 6*time.Millisecond)},
				},
				"now": {},
			},
			Metadata: map[string]string{"requestId": "req-1", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
			Metrics:  []otelrecord.Metric{{Type: "business", Name: "score", Value: 10}, {Type: "performance", Name: "items", Value: 2.75}},
			Timing:   timing(0, 7*time.Millisecond+333*time.Microsecond),
		},
		{
			UUID:       run.NewUUID(),
			TaskName:   "chargeCard",
			Input:      json.RawMessage(`{"amount":-1}`),
			Error:      "card declined",
			Type:       otelrecord.TypeError,
			Boundaries: map[string][]otelrecord.BoundaryRecord{"bank": {{Input: json.RawMessage(`[{"amount":-1}]`), Error: "declined", Timing: timing(0, time.Millisecond)}}},
			Timing:     timing(0, 2*time.Millisecond),
		},
		{
			UUID:       run.NewUUID(),
			TaskName:   "noop",
			Input:      json.RawMessage(`null`),
			Output:     json.RawMessage(`null`),
			Type:       otelrecord.TypeSuccess,
			Boundaries: map[string][]otelrecord.BoundaryRecord{},
			Metadata:   map[string]string{},
			Metrics:    []otelrecord.Metric{},
			Timing:     timing(0, 0),
		},
		{
			UUID:       run.NewUUID(),
			TaskName:   "createUser",
			Input:      json.RawMessage(`{"email":""}`),
			Error:      "Invalid input on: email: required",
			Type:       otelrecord.TypeError,
			Boundaries: map[string][]otelrecord.BoundaryRecord{"db": {}, "mailer": {}},
		},
		{
			UUID:     run.NewUUID(),
			TaskName: "translate",
			Input:    json.RawMessage(`{"text":"héllo wörld — 你好 🌍","quote":"\"\\n\u2028"}`),
			Output:   big,
			Type:     otelrecord.TypeSuccess,
			Metadata: map[string]string{"langue": "français", "emoji": "🚀"},
			Timing:   timing(0, 1500*time.Microsecond),
		},
	}
}
