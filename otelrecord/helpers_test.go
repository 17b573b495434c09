package otelrecord

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// t0 is the start of every test run; fractional milliseconds on purpose.
var t0 = time.Date(2026, 5, 17, 10, 30, 0, 123_456_789, time.UTC)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

var traceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}

func spanID(n byte) trace.SpanID { return trace.SpanID{0, 0, 0, 0, 0, 0, 1, n} }

// taskSpec describes a task-run span per the convention.
type taskSpec struct {
	id, parent    byte
	uuid, name    string
	start, end    float64
	declared      []string
	input, output *string // nil: attribute absent
	err           string
	recordType    string
	calls         int
	metadata      string // JSON; "" leaves the attribute out
	metrics       string // JSON; "" leaves the attribute out
	invalidInput  bool
	extra         []attribute.KeyValue
	events        []Event
}

func str(s string) *string { return &s }

func (ts taskSpec) span() Span {
	attrs := []attribute.KeyValue{
		KindKey.String(KindTask),
		TaskNameKey.String(ts.name),
		RunUUIDKey.String(ts.uuid),
		TaskBoundariesKey.StringSlice(ts.declared),
		RecordTypeKey.String(ts.recordType),
		TaskBoundaryCallsKey.Int(ts.calls),
	}
	if ts.input != nil {
		attrs = append(attrs, TaskInputKey.String(*ts.input))
	}
	if ts.output != nil {
		attrs = append(attrs, TaskOutputKey.String(*ts.output))
	}
	if ts.err != "" {
		attrs = append(attrs, TaskErrorKey.String(ts.err))
	}
	if ts.metadata != "" {
		attrs = append(attrs, TaskMetadataKey.String(ts.metadata))
	}
	if ts.metrics != "" {
		attrs = append(attrs, TaskMetricsKey.String(ts.metrics))
	}
	if ts.invalidInput {
		attrs = append(attrs, TaskInvalidInputKey.Bool(true))
	}
	attrs = append(attrs, ts.extra...)
	s := Span{
		TraceID:    traceID,
		SpanID:     spanID(ts.id),
		Name:       ts.name,
		StartTime:  at(ts.start),
		EndTime:    at(ts.end),
		Attributes: attrs,
		Events:     ts.events,
	}
	if ts.parent != 0 {
		s.ParentSpanID = spanID(ts.parent)
	}
	if ts.err != "" {
		s.StatusCode, s.StatusMessage = codes.Error, ts.err
	}
	return s
}

// callSpec describes a boundary span per the convention.
type callSpec struct {
	id, parent byte
	uuid, name string
	seq        int
	start, end float64
	input      string
	output     *string
	err        string
	extra      []attribute.KeyValue
}

func (cs callSpec) span() Span {
	attrs := []attribute.KeyValue{
		KindKey.String(KindBoundary),
		BoundaryNameKey.String(cs.name),
		RunUUIDKey.String(cs.uuid),
		BoundarySeqKey.Int(cs.seq),
		BoundaryInputKey.String(cs.input),
		BoundaryModeKey.String("proxy"),
		BoundaryFromTapeKey.Bool(false),
	}
	if cs.output != nil {
		attrs = append(attrs, BoundaryOutputKey.String(*cs.output))
	}
	if cs.err != "" {
		attrs = append(attrs, BoundaryErrorKey.String(cs.err))
	}
	attrs = append(attrs, cs.extra...)
	s := Span{
		TraceID:      traceID,
		SpanID:       spanID(cs.id),
		ParentSpanID: spanID(cs.parent),
		Name:         cs.name,
		StartTime:    at(cs.start),
		EndTime:      at(cs.end),
		Attributes:   attrs,
	}
	if cs.err != "" {
		s.StatusCode, s.StatusMessage = codes.Error, cs.err
	}
	return s
}

// userSpan is a span outside the convention.
func userSpan(id, parent byte, start, end float64) Span {
	return Span{
		TraceID: traceID, SpanID: spanID(id), ParentSpanID: spanID(parent), Name: "GET /users",
		StartTime: at(start), EndTime: at(end),
		Attributes: []attribute.KeyValue{attribute.String("http.request.method", "GET")},
	}
}

// The main scenario: getUserReport calls fetchUser twice (the second fails)
// and clock once; "audit" is declared but never called.
const runA = "0196d5a0-0000-7000-8000-00000000000a"

func scenarioTask() taskSpec {
	return taskSpec{
		id: 1, uuid: runA, name: "getUserReport", start: 0, end: 7.25,
		declared:   []string{"fetchUser", "clock", "audit"},
		input:      str(`{"userId":1}`),
		output:     str(`{"total":20}`),
		recordType: "success",
		calls:      3,
		metadata:   `{"requestId":"req-1"}`,
		metrics:    `[{"type":"business","name":"score","value":10.5}]`,
	}
}

func scenarioCalls() []callSpec {
	return []callSpec{
		{id: 2, parent: 1, uuid: runA, name: "fetchUser", seq: 0, start: 0.5, end: 2.125, input: `[1]`, output: str(`{"id":1,"name":"Ada"}`)},
		{id: 3, parent: 1, uuid: runA, name: "clock", seq: 1, start: 2.5, end: 2.5005, input: `[]`, output: str(`1795633372498`)},
		{id: 4, parent: 1, uuid: runA, name: "fetchUser", seq: 2, start: 3, end: 6.75, input: `[99]`, err: "user 99 not found"},
	}
}

func scenarioSpans() []Span {
	spans := []Span{scenarioTask().span()}
	for _, c := range scenarioCalls() {
		spans = append(spans, c.span())
	}
	return spans
}

func scenarioRecord() *ExecutionRecord {
	return &ExecutionRecord{
		UUID:     runA,
		TaskName: "getUserReport",
		Input:    json.RawMessage(`{"userId":1}`),
		Output:   json.RawMessage(`{"total":20}`),
		Type:     TypeSuccess,
		Boundaries: map[string][]BoundaryRecord{
			"fetchUser": {
				{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`{"id":1,"name":"Ada"}`), Timing: NewTiming(at(0.5), at(2.125))},
				{Input: json.RawMessage(`[99]`), Error: "user 99 not found", Timing: NewTiming(at(3), at(6.75))},
			},
			"clock": {
				{Input: json.RawMessage(`[]`), Output: json.RawMessage(`1795633372498`), Timing: NewTiming(at(2.5), at(2.5005))},
			},
			"audit": {},
		},
		Metadata: map[string]string{"requestId": "req-1"},
		Metrics:  []Metric{{Type: "business", Name: "score", Value: 10.5}},
		Timing:   NewTiming(at(0), at(7.25)),
	}
}

// requireSameJSON asserts that two records encode to the same JSON.
func requireSameJSON(t testing.TB, want, got *ExecutionRecord) {
	t.Helper()
	w, err := json.Marshal(want)
	require.NoError(t, err)
	g, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, string(w), string(g))
}

// requireSameRecords asserts that two record lists encode to the same JSON.
func requireSameRecords(t testing.TB, want, got []*ExecutionRecord) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		requireSameJSON(t, want[i], got[i])
	}
}

// requireSameRecordsByUUID asserts that got holds the records of want, in
// any order, each encoding to the same JSON.
func requireSameRecordsByUUID(t testing.TB, want, got []*ExecutionRecord) {
	t.Helper()
	require.Len(t, got, len(want))
	byUUID := make(map[string]*ExecutionRecord, len(got))
	for _, r := range got {
		byUUID[r.UUID] = r
	}
	for _, w := range want {
		requireSameJSON(t, w, byUUID[w.UUID])
	}
}

// permute returns spans in a fixed scrambled order.
func permute(spans []Span) []Span {
	out := make([]Span, 0, len(spans))
	for i := len(spans) - 1; i >= 0; i -= 2 {
		out = append(out, spans[i])
	}
	for i := len(spans) - 2; i >= 0; i -= 2 {
		out = append(out, spans[i])
	}
	return out
}

func metricsJSON(n int) string {
	ms := make([]Metric, n)
	for i := range ms {
		ms[i] = Metric{Type: "perf", Name: fmt.Sprintf("m%03d", i), Value: float64(i) / 4}
	}
	b, _ := json.Marshal(ms)
	return string(b)
}
