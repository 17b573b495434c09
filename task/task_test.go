package task_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// newReportTask returns a task that fetches a user (and, for id 7, also
// fails) with fetchUser declared and an unused "audit" boundary.
func newReportTask(tp trace.TracerProvider, opts ...task.Option) (*task.Task[reportIn, report], *boundary.Boundary[int, user]) {
	fetch := newFetchUser()
	audit := boundary.New("audit", func(context.Context, string) (bool, error) { return true, nil })
	all := append([]task.Option{task.WithBoundaries(fetch, audit), task.WithTracerProvider(tp)}, opts...)
	return task.New("getUserReport", func(ctx context.Context, in reportIn) (report, error) {
		u, err := fetch.Call(ctx, in.UserID)
		if err != nil {
			return report{}, err
		}
		if err := task.SetMetadata(ctx, "requestId", "req-1"); err != nil {
			return report{}, err
		}
		if err := task.SetMetrics(ctx, otelrecord.Metric{Type: "business", Name: "score", Value: float64(u.Score)}); err != nil {
			return report{}, err
		}
		if in.UserID == 7 {
			return report{}, errors.New("report failed after metadata")
		}
		return report{Name: u.Name, Total: u.Score * 2}, nil
	}, all...), fetch
}

func TestSafeRunRecordAndSpans(t *testing.T) {
	h := newTestProvider(t)
	tk, _ := newReportTask(h.TracerProvider())
	checkAll(t, h, tk)

	out, rec, err := tk.SafeRun(context.Background(), reportIn{UserID: 2})
	require.NoError(t, err)
	assert.Equal(t, report{Name: "user-2", Total: 40}, out)

	// The record.
	id, err := uuid.Parse(rec.UUID)
	require.NoError(t, err)
	assert.Equal(t, uuid.Version(7), id.Version())
	assert.Equal(t, "getUserReport", rec.TaskName)
	assert.Equal(t, otelrecord.TypeSuccess, rec.Type)
	assert.JSONEq(t, `{"userId":2}`, string(rec.Input))
	assert.JSONEq(t, `{"name":"user-2","total":40}`, string(rec.Output))
	assert.Empty(t, rec.Error)
	require.Len(t, rec.Boundaries["fetchUser"], 1)
	assert.JSONEq(t, `[2]`, string(rec.Boundaries["fetchUser"][0].Input))
	assert.NotNil(t, rec.Boundaries["audit"])
	assert.Empty(t, rec.Boundaries["audit"], "declared, unused: []")
	assert.Equal(t, "req-1", rec.Metadata["requestId"])
	assert.Equal(t, []otelrecord.Metric{{Type: "business", Name: "score", Value: 20}}, rec.Metrics)
	require.NotNil(t, rec.Timing)
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"audit":[]`)

	// The span tree matches the record.
	spans := h.Exporter().GetSpans()
	require.Len(t, spans, 2)
	ts, bs := spanNamed(t, spans, "getUserReport"), spanNamed(t, spans, "fetchUser")
	assert.Equal(t, trace.SpanKindInternal, ts.SpanKind)
	assert.Equal(t, trace.SpanKindClient, bs.SpanKind)
	assert.Equal(t, ts.SpanContext.SpanID(), bs.Parent.SpanID())
	assert.Equal(t, ts.SpanContext.TraceID().String(), rec.Metadata[otelrecord.MetadataTraceID])
	assert.Equal(t, ts.SpanContext.SpanID().String(), rec.Metadata[otelrecord.MetadataSpanID])
	assert.Equal(t, rec.Timing, otelrecord.NewTiming(ts.StartTime, ts.EndTime))
	assert.Equal(t, rec.Boundaries["fetchUser"][0].Timing, otelrecord.NewTiming(bs.StartTime, bs.EndTime))
	assert.Equal(t, codes.Unset, ts.Status.Code)

	ta := attrs(ts)
	assert.Equal(t, otelrecord.KindTask, ta[otelrecord.KindKey].AsString())
	assert.Equal(t, rec.UUID, ta[otelrecord.RunUUIDKey].AsString())
	assert.Equal(t, []string{"fetchUser", "audit"}, ta[otelrecord.TaskBoundariesKey].AsStringSlice())
	assert.Equal(t, string(rec.Input), ta[otelrecord.TaskInputKey].AsString())
	assert.Equal(t, string(rec.Output), ta[otelrecord.TaskOutputKey].AsString())
	assert.Equal(t, "success", ta[otelrecord.RecordTypeKey].AsString())
	assert.Equal(t, int64(1), ta[otelrecord.TaskBoundaryCallsKey].AsInt64())
	assert.Equal(t, "req-1", ta[otelrecord.MetadataKeyPrefix+"requestId"].AsString())
	assert.JSONEq(t, mustJSON(t, rec.Metadata), ta[otelrecord.TaskMetadataKey].AsString())
	assert.JSONEq(t, mustJSON(t, rec.Metrics), ta[otelrecord.TaskMetricsKey].AsString())
	require.Len(t, ts.Events, 1)
	assert.Equal(t, otelrecord.MetricEventName, ts.Events[0].Name)

	ba := attrs(bs)
	assert.Equal(t, rec.UUID, ba[otelrecord.RunUUIDKey].AsString())
	assert.Equal(t, int64(0), ba[otelrecord.BoundarySeqKey].AsInt64())
	assert.Equal(t, string(rec.Boundaries["fetchUser"][0].Output), ba[otelrecord.BoundaryOutputKey].AsString())

	h.AssertRebuilt(t, rec)
}

func TestRunFailsAfterMetadataAndMetrics(t *testing.T) {
	h := newTestProvider(t)
	tk, _ := newReportTask(h.TracerProvider())
	checkAll(t, h, tk) // the Run record too

	out, err := tk.Run(context.Background(), reportIn{UserID: 7})
	require.EqualError(t, err, "report failed after metadata")
	assert.Zero(t, out)

	_, rec, err := tk.SafeRun(context.Background(), reportIn{UserID: 7})
	require.Error(t, err)
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	assert.Equal(t, "report failed after metadata", rec.Error)
	assert.Nil(t, rec.Output)
	assert.Equal(t, "req-1", rec.Metadata["requestId"], "metadata kept when the task fails")
	assert.Len(t, rec.Metrics, 1, "metrics kept when the task fails")
	require.NotNil(t, rec.Timing)

	ts := h.Exporter().GetSpans()
	last := ts[len(ts)-1]
	assert.Equal(t, codes.Error, last.Status.Code)
	assert.Equal(t, "report failed after metadata", attrs(last)[otelrecord.TaskErrorKey].AsString())
	_, hasOut := attrs(last)[otelrecord.TaskOutputKey]
	assert.False(t, hasOut)
	h.AssertRebuilt(t, rec)
}

func TestBoundaryErrorFailsRun(t *testing.T) {
	h := newTestProvider(t)
	tk, _ := newReportTask(h.TracerProvider())
	_, rec, err := tk.SafeRun(context.Background(), reportIn{UserID: 99})
	require.ErrorIs(t, err, errNotFound)
	require.Len(t, rec.Boundaries["fetchUser"], 1)
	assert.Equal(t, "user 99: not found", rec.Boundaries["fetchUser"][0].Error)
	assert.Empty(t, rec.Metrics)
	assert.NotNil(t, rec.Metrics)
	h.AssertRebuilt(t, rec)
}

func TestInvalidMetricRejectedRunContinues(t *testing.T) {
	h := newTestProvider(t)
	var metricErr error
	tk := task.New("scores", func(ctx context.Context, n int) (int, error) {
		metricErr = task.SetMetrics(ctx, otelrecord.Metric{Type: "business", Name: "", Value: 1})
		if err := task.SetMetrics(ctx, otelrecord.Metric{Type: "business", Name: "ok", Value: 2}); err != nil {
			return 0, err
		}
		return n + 1, nil
	}, task.WithTracerProvider(h.TracerProvider()))

	out, rec, err := tk.SafeRun(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, 2, out)
	require.ErrorIs(t, metricErr, otelrecord.ErrInvalidMetric)
	assert.Contains(t, metricErr.Error(), "name")
	assert.Equal(t, []otelrecord.Metric{{Type: "business", Name: "ok", Value: 2}}, rec.Metrics)
	h.AssertRebuilt(t, rec)
}

func TestSetMetadataAndMetricsOutsideRun(t *testing.T) {
	require.ErrorIs(t, task.SetMetadata(context.Background(), "k", "v"), task.ErrNoRun)
	require.ErrorIs(t, task.SetMetrics(context.Background(), otelrecord.Metric{Type: "a", Name: "b"}), task.ErrNoRun)

	h := newTestProvider(t)
	var leaked context.Context
	tk := checkAll(t, h, task.New("leak", func(ctx context.Context, _ int) (int, error) {
		leaked = ctx
		return 0, task.SetMetadata(ctx, "", "x")
	}, task.WithTracerProvider(h.TracerProvider())))
	_, err := tk.Run(context.Background(), 0)
	require.ErrorIs(t, err, task.ErrEmptyMetadataKey)
	require.ErrorIs(t, task.SetMetadata(leaked, "late", "x"), task.ErrNoRun, "after the run ended")
}

func TestMetadataFromBoundaryFunction(t *testing.T) {
	h := newTestProvider(t)
	tag := boundary.New("tag", func(ctx context.Context, s string) (string, error) {
		return s, task.SetMetadata(ctx, "tagged", s)
	})
	tk := task.New("tagger", func(ctx context.Context, s string) (string, error) {
		return tag.Call(ctx, s)
	}, task.WithBoundaries(tag), task.WithTracerProvider(h.TracerProvider()))
	_, rec, err := tk.SafeRun(context.Background(), "x")
	require.NoError(t, err)
	assert.Equal(t, "x", rec.Metadata["tagged"])
	assert.NotContains(t, rec.Boundaries, "setMetadata", "metadata calls are not boundaries")
	assert.Len(t, rec.Boundaries, 1)
	h.AssertRebuilt(t, rec)
}

func TestTwoRunsAtOnce(t *testing.T) {
	h := newTestProvider(t)
	gate := make(chan struct{})
	var started sync.WaitGroup
	started.Add(2)
	echo := boundary.New("echo", func(_ context.Context, s string) (string, error) { return s, nil })
	tk := task.New("twice", func(ctx context.Context, s string) (string, error) {
		if _, err := echo.Call(ctx, s+"-1"); err != nil {
			return "", err
		}
		started.Done()
		<-gate // both runs are in flight here
		if err := task.SetMetadata(ctx, "who", s); err != nil {
			return "", err
		}
		return echo.Call(ctx, s+"-2")
	}, task.WithBoundaries(echo), task.WithTracerProvider(h.TracerProvider()))

	recs := make([]*otelrecord.ExecutionRecord, 2)
	var wg sync.WaitGroup
	for i, s := range []string{"a", "b"} {
		wg.Go(func() {
			_, rec, err := tk.SafeRun(context.Background(), s)
			assert.NoError(t, err)
			recs[i] = rec
		})
	}
	started.Wait()
	close(gate)
	wg.Wait()

	for i, s := range []string{"a", "b"} {
		calls := recs[i].Boundaries["echo"]
		require.Len(t, calls, 2)
		assert.JSONEq(t, fmt.Sprintf(`[%q]`, s+"-1"), string(calls[0].Input))
		assert.JSONEq(t, fmt.Sprintf(`[%q]`, s+"-2"), string(calls[1].Input))
		assert.Equal(t, s, recs[i].Metadata["who"])
		assert.JSONEq(t, fmt.Sprintf(`%q`, s+"-2"), string(recs[i].Output))
	}
	assert.NotEqual(t, recs[0].UUID, recs[1].UUID)
	h.AssertRebuiltAll(t, recs...)
}

func TestFiftyGoroutinesInOneRun(t *testing.T) {
	h := newTestProvider(t)
	sq := boundary.New("square", func(_ context.Context, i int) (int, error) { return i * i, nil })
	tk := task.New("fanout", func(ctx context.Context, n int) (int, error) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		sum := 0
		for i := range n {
			wg.Go(func() {
				v, err := sq.Call(ctx, i)
				if err != nil {
					return
				}
				_ = task.SetMetrics(ctx, otelrecord.Metric{Type: "perf", Name: fmt.Sprint("m", i), Value: float64(v)})
				mu.Lock()
				sum += v
				mu.Unlock()
			})
		}
		wg.Wait()
		return sum, nil
	}, task.WithBoundaries(sq), task.WithTracerProvider(h.TracerProvider()))

	out, rec, err := tk.SafeRun(context.Background(), 50)
	require.NoError(t, err)
	assert.Equal(t, 40425, out)
	calls := rec.Boundaries["square"]
	require.Len(t, calls, 50)
	seen := map[string]bool{}
	for i, c := range calls {
		seen[string(c.Input)] = true
		if i > 0 {
			assert.LessOrEqual(t, calls[i-1].Timing.StartTime, c.Timing.StartTime)
		}
	}
	assert.Len(t, seen, 50)
	assert.Len(t, rec.Metrics, 50)
	h.AssertRebuilt(t, rec)
}

func TestNestedTasks(t *testing.T) {
	h := newTestProvider(t)
	fetch := newFetchUser()
	child := task.New("scoreUser", func(ctx context.Context, id int) (int, error) {
		u, err := fetch.Call(ctx, id)
		return u.Score, err
	}, task.WithBoundaries(fetch), task.WithTracerProvider(h.TracerProvider()))

	var childRecs []*otelrecord.ExecutionRecord
	child.AddListener(func(_ context.Context, rec *otelrecord.ExecutionRecord) { childRecs = append(childRecs, rec) })

	score := child.AsBoundary()
	parent := task.New("teamScore", func(ctx context.Context, ids []int) (int, error) {
		total := 0
		for _, id := range ids {
			s, err := score.Call(ctx, id)
			if err != nil {
				return 0, err
			}
			total += s
		}
		return total, nil
	}, task.WithBoundaries(score), task.WithTracerProvider(h.TracerProvider()))

	out, rec, err := parent.SafeRun(context.Background(), []int{1, 2})
	require.NoError(t, err)
	assert.Equal(t, 30, out)
	require.Len(t, rec.Boundaries["scoreUser"], 2)
	assert.JSONEq(t, `10`, string(rec.Boundaries["scoreUser"][0].Output))
	assert.NotContains(t, rec.Boundaries, "fetchUser", "the child's calls belong to the child's record")
	require.Len(t, childRecs, 2)
	assert.Len(t, childRecs[0].Boundaries["fetchUser"], 1)

	// parent task span → boundary span → child task span → fetchUser span
	spans := h.Exporter().GetSpans()
	require.Len(t, spans, 7)
	byID := map[trace.SpanID]string{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s.Name
	}
	parentOf := map[string][]string{}
	for _, s := range spans {
		parentOf[s.Name] = append(parentOf[s.Name], byID[s.Parent.SpanID()])
	}
	assert.Equal(t, []string{""}, parentOf["teamScore"])
	// The boundary span and the child task span share the name scoreUser.
	assert.ElementsMatch(t, []string{"teamScore", "teamScore", "scoreUser", "scoreUser"}, parentOf["scoreUser"])
	assert.Equal(t, []string{"scoreUser", "scoreUser"}, parentOf["fetchUser"])
	for _, s := range spans {
		if s.Name == "scoreUser" && s.SpanKind == trace.SpanKindInternal {
			assert.Equal(t, trace.SpanKindClient, spanKindOf(spans, s.Parent.SpanID()))
		}
	}
	h.AssertRebuiltAll(t, rec, childRecs[0], childRecs[1])
}

func spanKindOf(spans tracetest.SpanStubs, id trace.SpanID) trace.SpanKind {
	for _, s := range spans {
		if s.SpanContext.SpanID() == id {
			return s.SpanKind
		}
	}
	return trace.SpanKindUnspecified
}

func TestPanics(t *testing.T) {
	h := newTestProvider(t)
	boom := boundary.New("boom", func(context.Context, int) (int, error) { panic("boundary exploded") })
	tk := task.New("panicky", func(ctx context.Context, n int) (int, error) {
		if n == 1 {
			_, err := boom.Call(ctx, n)
			return 0, err
		}
		var m map[string]int
		//lint:ignore SA5000 the nil map write is the panic under test
		m["x"] = n
		return 0, nil
	}, task.WithBoundaries(boom), task.WithTracerProvider(h.TracerProvider()))

	_, rec, err := tk.SafeRun(context.Background(), 1)
	require.ErrorIs(t, err, boundary.ErrPanic)
	assert.Equal(t, "panic: boundary exploded", err.Error())
	assert.Equal(t, "panic: boundary exploded", rec.Boundaries["boom"][0].Error)
	h.AssertRebuilt(t, rec)

	_, rec, err = tk.SafeRun(context.Background(), 2)
	require.ErrorIs(t, err, task.ErrPanic)
	assert.Equal(t, "panic: assignment to entry in nil map", err.Error())
	assert.Equal(t, otelrecord.TypeError, rec.Type)
	ts := h.Exporter().GetSpans()
	last := ts[len(ts)-1]
	require.NotEmpty(t, last.Events)
	ev := last.Events[len(last.Events)-1]
	assert.Equal(t, "exception", ev.Name)
	var stack string
	for _, kv := range ev.Attributes {
		if kv.Key == "exception.stacktrace" {
			stack = kv.Value.AsString()
		}
	}
	assert.Contains(t, stack, "task_test.go")
	h.AssertRebuilt(t, rec)
}

func TestModeAndTapeOptions(t *testing.T) {
	h := newTestProvider(t)
	fetch := newFetchUser()
	tape := map[string][]otelrecord.BoundaryRecord{"fetchUser": {
		{Input: json.RawMessage(`[3]`), Output: json.RawMessage(`{"id":3,"name":"taped","score":1}`)},
	}}
	tk := task.New("modes", func(ctx context.Context, id int) (string, error) {
		u, err := fetch.Call(ctx, id)
		return u.Name, err
	}, task.WithBoundaries(fetch), task.WithMode(boundary.Replay), task.WithTape(tape), task.WithTracerProvider(h.TracerProvider()))

	checkAll(t, h, tk) // covers the replay miss below too

	for range 2 { // every run starts at the beginning of the tape
		out, rec, err := tk.SafeRun(context.Background(), 3)
		require.NoError(t, err)
		assert.Equal(t, "taped", out)
		h.AssertRebuilt(t, rec)
	}
	_, _, err := tk.SafeRun(context.Background(), 4)
	require.ErrorIs(t, err, boundary.ErrNoRecording)

	tk2 := task.New("modes2", func(ctx context.Context, id int) (string, error) {
		u, err := fetch.Call(ctx, id)
		return u.Name, err
	}, task.WithBoundaries(fetch), task.WithMode(boundary.Replay), task.WithBoundaryMode("fetchUser", boundary.ProxyPass),
		task.WithTape(tape), task.WithTracerProvider(h.TracerProvider()))
	checkAll(t, h, tk2)
	out, err := tk2.Run(context.Background(), 4)
	require.NoError(t, err)
	assert.Equal(t, "user-4", out)
}

// TestPayloadLimit is the one scenario without the fidelity check: by design
// the spans carry the cut payload (with its truncation marker) while the
// record SafeRun returns keeps the full one, so the two records differ in
// input and output. (HIVE_MAX_PAYLOAD_BYTES is read once per process: its
// parsing is tested in internal/run.)
func TestPayloadLimit(t *testing.T) {
	h := newTestProvider(t)
	echo := boundary.New("echo", func(_ context.Context, s string) (string, error) { return s + s, nil })
	tk := task.New("big", func(ctx context.Context, s string) (string, error) { return echo.Call(ctx, s) },
		task.WithTracerProvider(h.TracerProvider()), task.WithBoundaries(echo), task.WithMaxPayloadBytes(40))
	long := fmt.Sprintf("%0100d", 0)
	out, rec, err := tk.SafeRun(context.Background(), long)
	require.NoError(t, err)
	assert.Len(t, out, 200)
	assert.Len(t, rec.Output, 202, "the record keeps the full payload")
	assert.Len(t, rec.Boundaries["echo"][0].Output, 202, "the record keeps the call's full payload")
	spans := h.Exporter().GetSpans()
	tr, ok := otelrecord.IsTruncated([]byte(attrs(spanNamed(t, spans, "big"))[otelrecord.TaskOutputKey].AsString()))
	require.True(t, ok)
	assert.Equal(t, 202, tr.OriginalSize)
	tr, ok = otelrecord.IsTruncated([]byte(attrs(spanNamed(t, spans, "echo"))[otelrecord.BoundaryOutputKey].AsString()))
	require.True(t, ok, "the task's limit applies to the boundary spans of its runs")
	assert.Equal(t, 202, tr.OriginalSize)

	// n <= 0 means no limit (the rule of otelrecord.Truncate).
	for _, n := range []int{0, -1} {
		name := fmt.Sprintf("unlimited%d", n)
		tk := task.New(name, func(_ context.Context, s string) (string, error) { return s, nil },
			task.WithTracerProvider(h.TracerProvider()), task.WithMaxPayloadBytes(n))
		_, _, err = tk.SafeRun(context.Background(), long)
		require.NoError(t, err)
		_, ok = otelrecord.IsTruncated([]byte(attrs(spanNamed(t, h.Exporter().GetSpans(), name))[otelrecord.TaskOutputKey].AsString()))
		assert.False(t, ok, "WithMaxPayloadBytes(%d) lifts the limit", n)
	}
}

func TestInstruments(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	h := newTestProvider(t)
	tk, _ := newReportTask(h.TracerProvider(), task.WithMeterProvider(mp))
	checkAll(t, h, tk)
	_, _ = tk.Run(context.Background(), reportIn{UserID: 1})
	_, _ = tk.Run(context.Background(), reportIn{UserID: 99})

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	counts := map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				counts[m.Name] += dp.Count
			}
		}
	}
	assert.Equal(t, uint64(2), counts[run.TaskRunDuration])
	assert.Equal(t, uint64(2), counts[run.BoundaryCallDuration])
	assert.Equal(t, uint64(1), counts[run.MetricName("business", "score")])
}

func TestDescribe(t *testing.T) {
	tk, _ := newReportTask(noop.NewTracerProvider())
	var schema map[string]any
	require.NoError(t, json.Unmarshal(tk.Describe(), &schema))
	props, ok := schema["properties"].(map[string]any)
	require.True(t, ok, "%v", schema)
	assert.Contains(t, props, "userId")
	assert.Equal(t, "getUserReport", tk.Name())
	assert.Equal(t, []string{"fetchUser", "audit"}, tk.Boundaries())
}

func TestWithBoundariesIgnoresTypedNil(t *testing.T) {
	var nilOne *boundary.Boundary[int, int]
	var nilTwo *boundary.Boundary2[int, int, int]
	real := boundary.New("real", func(_ context.Context, n int) (int, error) { return n, nil })
	tk := task.New("typed-nil", func(ctx context.Context, n int) (int, error) { return real.Call(ctx, n) },
		task.WithBoundaries(nilOne, nilTwo, real))
	out, rec, err := tk.SafeRun(context.Background(), 2)
	require.NoError(t, err)
	assert.Equal(t, 2, out)
	assert.Equal(t, []string{"real"}, slices.Sorted(maps.Keys(rec.Boundaries)))
}
