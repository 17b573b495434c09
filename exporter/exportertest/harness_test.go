package exportertest

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// emit ends the spans of a run with one call of boundary "db" and returns
// the record it must rebuild to.
func emit(t *testing.T, tracer trace.Tracer, task string) *otelrecord.ExecutionRecord {
	t.Helper()
	id := run.NewUUID()
	start := time.Date(2026, 5, 1, 12, 0, 0, 987654321, time.UTC)
	ctx, run := tracer.Start(context.Background(), task, trace.WithTimestamp(start), trace.WithAttributes(
		otelrecord.KindKey.String(otelrecord.KindTask),
		otelrecord.TaskNameKey.String(task),
		otelrecord.RunUUIDKey.String(id),
		otelrecord.TaskBoundariesKey.StringSlice([]string{"db", "clock"}),
		otelrecord.TaskInputKey.String(`{ "n" : 1 }`), // spacing differs from the want below
	))
	callStart, callEnd := start.Add(time.Millisecond), start.Add(2345*time.Microsecond)
	_, call := tracer.Start(ctx, "db", trace.WithTimestamp(callStart), trace.WithAttributes(
		otelrecord.KindKey.String(otelrecord.KindBoundary),
		otelrecord.BoundaryNameKey.String("db"),
		otelrecord.RunUUIDKey.String(id),
		otelrecord.BoundarySeqKey.Int(0),
		otelrecord.BoundaryInputKey.String(`["select"]`),
		otelrecord.BoundaryOutputKey.String(`[1,2]`),
	))
	call.End(trace.WithTimestamp(callEnd))
	end := start.Add(3 * time.Millisecond)
	run.SetAttributes(
		otelrecord.TaskOutputKey.String(`3`),
		otelrecord.RecordTypeKey.String("success"),
		otelrecord.TaskBoundaryCallsKey.Int(1),
	)
	run.End(trace.WithTimestamp(end))
	return &otelrecord.ExecutionRecord{
		UUID: id, TaskName: task, Input: json.RawMessage(`{"n":1}`), Output: json.RawMessage(`3`),
		Type: otelrecord.TypeSuccess,
		Boundaries: map[string][]otelrecord.BoundaryRecord{
			"db":    {{Input: json.RawMessage(`["select"]`), Output: json.RawMessage(`[1,2]`), Timing: otelrecord.NewTiming(callStart, callEnd)}},
			"clock": {},
		},
		Timing: otelrecord.NewTiming(start, end),
	}
}

func TestHarnessRebuilds(t *testing.T) {
	h := NewHarness(t)
	tracer := h.TracerProvider().Tracer("test")
	a, b := emit(t, tracer, "a"), emit(t, tracer, "b")
	h.AssertRebuilt(t, a)
	h.AssertRebuiltAll(t, a, b)
	assert.Len(t, h.Records(t), 2)
	assert.Len(t, h.Exporter().GetSpans(), 4, "every span reaches the in-memory exporter")
}

// fakeT records failures; FailNow ends the goroutine like testing.T's.
type fakeT struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) FailNow() { runtime.Goexit() }

// failures runs fn with a fakeT and returns what it reported.
func failures(t *testing.T, fn func(tb testing.TB)) []string {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.errors
}

func TestHarnessReportsDifferences(t *testing.T) {
	h := NewHarness(t)
	want := emit(t, h.TracerProvider().Tracer("test"), "a")
	require.Empty(t, failures(t, func(tb testing.TB) { h.AssertRebuilt(tb, want) }))

	tests := map[string]func(r *otelrecord.ExecutionRecord){
		"timing off by a nanosecond": func(r *otelrecord.ExecutionRecord) { r.Timing.Duration += 1e-6 },
		"call timing":                func(r *otelrecord.ExecutionRecord) { r.Boundaries["db"][0].Timing.EndTime++ },
		"output":                     func(r *otelrecord.ExecutionRecord) { r.Output = json.RawMessage(`4`) },
		"missing boundary":           func(r *otelrecord.ExecutionRecord) { delete(r.Boundaries, "clock") },
		"metadata":                   func(r *otelrecord.ExecutionRecord) { r.Metadata = map[string]string{} },
		"unknown uuid":               func(r *otelrecord.ExecutionRecord) { r.UUID = "nope" },
		"no uuid":                    func(r *otelrecord.ExecutionRecord) { r.UUID = "" },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			w := want.Clone()
			w.Boundaries["db"] = []otelrecord.BoundaryRecord{want.Boundaries["db"][0]}
			timing := *want.Boundaries["db"][0].Timing
			w.Boundaries["db"][0].Timing = &timing
			change(w)
			assert.NotEmpty(t, failures(t, func(tb testing.TB) { h.AssertRebuilt(tb, w) }))
		})
	}
}

func TestOTLPHarnessRebuilds(t *testing.T) {
	h := NewOTLPHarness(t)
	tracer := h.TracerProvider().Tracer("test")
	a, b := emit(t, tracer, "a"), emit(t, tracer, "b")
	h.AssertRebuiltAll(t, a, b)
	assert.Len(t, h.Records(t), 2)
	assert.Len(t, h.Exporter().GetSpans(), 4, "every span reaches the in-memory exporter")
	require.NotNil(t, h.Receiver())
	assert.NotEmpty(t, h.Receiver().Requests())
	assert.Nil(t, NewHarness(t).Receiver())

	w := a.Clone()
	w.Output = json.RawMessage(`4`)
	assert.NotEmpty(t, failures(t, func(tb testing.TB) { h.AssertRebuilt(tb, w) }), "a difference is reported")
}
