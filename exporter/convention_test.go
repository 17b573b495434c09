package exporter_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// This file emits task runs as spans by hand, following the convention of
// otelrecord/attributes.go exactly, and returns the record each run must
// rebuild to.

type fakeCall struct {
	name          string
	input, output string // JSON
	err           string
}

type fakeRun struct {
	uuid          string // a new UUID v7 when empty
	task          string
	input, output string // JSON
	err           string
	declared      []string
	calls         []fakeCall
	metadata      map[string]string
	metrics       []otelrecord.Metric
	// missingCalls makes hive.task.boundary_calls claim more calls than
	// were made, so the record comes out incomplete.
	missingCalls int
}

// openRun is a run whose task-run span has started and not ended.
type openRun struct {
	r      fakeRun
	tracer trace.Tracer
	ctx    context.Context
	span   trace.Span
	start  time.Time
	next   time.Time
	mu     sync.Mutex
	want   map[string][]otelrecord.BoundaryRecord
	seq    int
}

var testEpoch = time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)

func newRunUUID(t testing.TB) string {
	id, err := uuid.NewV7()
	require.NoError(t, err)
	return id.String()
}

// startRun starts the task-run span of r on tracer, as a child of ctx's span.
func startRun(ctx context.Context, t testing.TB, tracer trace.Tracer, r fakeRun) *openRun {
	t.Helper()
	if r.uuid == "" {
		r.uuid = newRunUUID(t)
	}
	if r.task == "" {
		r.task = "task"
	}
	if r.input == "" {
		r.input = `{}`
	}
	if r.declared == nil {
		r.declared = []string{}
	}
	o := &openRun{r: r, tracer: tracer, start: testEpoch, want: make(map[string][]otelrecord.BoundaryRecord)}
	for _, name := range r.declared {
		o.want[name] = []otelrecord.BoundaryRecord{}
	}
	o.ctx, o.span = tracer.Start(ctx, r.task,
		trace.WithTimestamp(o.start),
		trace.WithAttributes(
			otelrecord.KindKey.String(otelrecord.KindTask),
			otelrecord.TaskNameKey.String(r.task),
			otelrecord.RunUUIDKey.String(r.uuid),
			otelrecord.TaskBoundariesKey.StringSlice(r.declared),
			otelrecord.TaskInputKey.String(r.input),
		))
	o.next = o.start.Add(100 * time.Microsecond)
	return o
}

// call emits one boundary span of the run, ending it at once.
func (o *openRun) call(c fakeCall) {
	o.mu.Lock()
	seq := o.seq
	o.seq++
	start := o.next
	end := start.Add(1250 * time.Microsecond)
	o.next = end.Add(10 * time.Microsecond)
	o.mu.Unlock()

	attrs := []attribute.KeyValue{
		otelrecord.KindKey.String(otelrecord.KindBoundary),
		otelrecord.BoundaryNameKey.String(c.name),
		otelrecord.RunUUIDKey.String(o.r.uuid),
		otelrecord.BoundarySeqKey.Int(seq),
		otelrecord.BoundaryInputKey.String(c.input),
		otelrecord.BoundaryModeKey.String("proxy"),
		otelrecord.BoundaryFromTapeKey.Bool(false),
	}
	_, span := o.tracer.Start(o.ctx, c.name, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	want := otelrecord.BoundaryRecord{Input: json.RawMessage(c.input), Timing: otelrecord.NewTiming(start, end)}
	if c.err != "" {
		span.SetAttributes(otelrecord.BoundaryErrorKey.String(c.err))
		span.SetStatus(codes.Error, c.err)
		want.Error = c.err
	} else {
		span.SetAttributes(otelrecord.BoundaryOutputKey.String(c.output))
		want.Output = json.RawMessage(c.output)
	}
	span.End(trace.WithTimestamp(end))

	o.mu.Lock()
	o.want[c.name] = append(o.want[c.name], want)
	o.mu.Unlock()
}

// callAll emits every call of the run.
func (o *openRun) callAll() *openRun {
	for _, c := range o.r.calls {
		o.call(c)
	}
	return o
}

// end ends the task-run span and returns the record it must rebuild to.
func (o *openRun) end() *otelrecord.ExecutionRecord {
	o.mu.Lock()
	calls := o.seq
	end := o.next.Add(500 * time.Microsecond)
	want := &otelrecord.ExecutionRecord{
		UUID:       o.r.uuid,
		TaskName:   o.r.task,
		Input:      json.RawMessage(o.r.input),
		Boundaries: make(map[string][]otelrecord.BoundaryRecord, len(o.want)),
		Metadata:   o.r.metadata,
		Metrics:    o.r.metrics,
		Timing:     otelrecord.NewTiming(o.start, end),
	}
	for name, calls := range o.want {
		want.Boundaries[name] = append([]otelrecord.BoundaryRecord{}, calls...)
	}
	o.mu.Unlock()

	attrs := []attribute.KeyValue{otelrecord.TaskBoundaryCallsKey.Int(calls + o.r.missingCalls)}
	if o.r.err != "" {
		attrs = append(attrs, otelrecord.TaskErrorKey.String(o.r.err), otelrecord.RecordTypeKey.String(string(otelrecord.TypeError)))
		o.span.SetStatus(codes.Error, o.r.err)
		want.Type, want.Error = otelrecord.TypeError, o.r.err
	} else {
		output := o.r.output
		if output == "" {
			output = "null"
		}
		attrs = append(attrs, otelrecord.TaskOutputKey.String(output), otelrecord.RecordTypeKey.String(string(otelrecord.TypeSuccess)))
		want.Type, want.Output = otelrecord.TypeSuccess, json.RawMessage(output)
	}
	if o.r.metadata != nil {
		b, _ := json.Marshal(o.r.metadata)
		attrs = append(attrs, otelrecord.TaskMetadataKey.String(string(b)))
		for k, v := range o.r.metadata {
			attrs = append(attrs, attribute.String(otelrecord.MetadataKeyPrefix+k, v))
		}
	}
	if o.r.metrics != nil {
		b, _ := json.Marshal(o.r.metrics)
		attrs = append(attrs, otelrecord.TaskMetricsKey.String(string(b)))
		for _, m := range o.r.metrics {
			o.span.AddEvent(otelrecord.MetricEventName, trace.WithAttributes(
				otelrecord.MetricTypeKey.String(m.Type),
				otelrecord.MetricNameKey.String(m.Name),
				otelrecord.MetricValueKey.Float64(m.Value)))
		}
	}
	o.span.SetAttributes(attrs...)
	o.span.End(trace.WithTimestamp(end))
	return want
}

// emitRun runs r whole: task-run span, every call, end.
func emitRun(ctx context.Context, t testing.TB, tracer trace.Tracer, r fakeRun) *otelrecord.ExecutionRecord {
	t.Helper()
	return startRun(ctx, t, tracer, r).callAll().end()
}

// sampleRun is a successful run with two boundaries, one called twice.
func sampleRun(task string) fakeRun {
	return fakeRun{
		task:     task,
		input:    `{"userId":1}`,
		output:   `{"total":20}`,
		declared: []string{"fetchUser", "now", "unused"},
		calls: []fakeCall{
			{name: "fetchUser", input: `[1]`, output: `{"id":1}`},
			{name: "now", input: `[]`, output: `1795633372498`},
			{name: "fetchUser", input: `[99]`, err: "user 99 not found"},
		},
		metadata: map[string]string{"requestId": "req-1"},
		metrics:  []otelrecord.Metric{{Type: "business", Name: "score", Value: 10}},
	}
}
