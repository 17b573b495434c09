package boundary

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// requireCallsRebuilt is the boundary side of the fidelity check the task
// tests make with exportertest: the calls rebuilt from the boundary spans of
// r (otelrecord.RebuildRun, under a task-run span made up for the run) must
// equal the run's call log, timing included. r must have a uuid.
func requireCallsRebuilt(t *testing.T, exp *tracetest.InMemoryExporter, r *run.Run[Mode]) {
	t.Helper()
	require.NotEmpty(t, r.UUID(), "the run needs a uuid")
	var spans []otelrecord.Span
	for _, s := range sdkspan.Spans(exp.GetSpans().Snapshots()) {
		if kind, id := otelrecord.Classify(s.Attributes); kind == otelrecord.KindBoundary && id == r.UUID() {
			spans = append(spans, s)
		}
	}
	calls := r.Calls()
	names := make([]string, 0, len(calls))
	for name := range calls {
		names = append(names, name)
	}
	slices.Sort(names)
	start, end := time.Now(), time.Time{}
	for _, s := range spans {
		start, end = minTime(start, s.StartTime), maxTime(end, s.EndTime)
	}
	task := otelrecord.Span{
		SpanID:    trace.SpanID{1},
		Name:      "task",
		StartTime: start,
		EndTime:   end,
		Attributes: []attribute.KeyValue{
			otelrecord.KindKey.String(otelrecord.KindTask),
			otelrecord.RunUUIDKey.String(r.UUID()),
			otelrecord.TaskNameKey.String("task"),
			otelrecord.TaskBoundariesKey.StringSlice(names),
			otelrecord.TaskInputKey.String("null"),
			otelrecord.TaskOutputKey.String("null"),
			otelrecord.RecordTypeKey.String(string(otelrecord.TypeSuccess)),
			otelrecord.TaskBoundaryCallsKey.Int(r.CallCount()),
			otelrecord.TaskMetadataKey.String("{}"),
			otelrecord.TaskMetricsKey.String("[]"),
		},
	}
	if len(spans) > 0 {
		task.TraceID = spans[0].TraceID
	}
	rec, err := otelrecord.RebuildRun(task, spans)
	require.NoError(t, err)
	want, err := json.Marshal(calls)
	require.NoError(t, err)
	got, err := json.Marshal(rec.Boundaries)
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got), "calls rebuilt from the boundary spans")
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
