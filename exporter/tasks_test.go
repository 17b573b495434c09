package exporter_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/exportertest"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

type reportIn struct {
	UserID int `json:"userId"`
}

type reportOut struct {
	Total int `json:"total"`
}

// newReportTask returns a task with one boundary, which fails for user 99,
// and sets a metric and metadata on every run.
func newReportTask(opts ...task.Option) *task.Task[reportIn, reportOut] {
	fetch := boundary.New("fetchUser", func(_ context.Context, id int) (int, error) {
		if id == 99 {
			return 0, fmt.Errorf("user %d not found", id)
		}
		return id * 10, nil
	})
	opts = append([]task.Option{task.WithBoundaries(fetch)}, opts...)
	return task.New("getUserReport", func(ctx context.Context, in reportIn) (reportOut, error) {
		if err := task.SetMetadata(ctx, "requestId", "req-1"); err != nil {
			return reportOut{}, err
		}
		if err := task.SetMetrics(ctx, otelrecord.Metric{Type: "business", Name: "Report Score", Value: float64(in.UserID)}); err != nil {
			return reportOut{}, err
		}
		v, err := fetch.Call(ctx, in.UserID)
		if err != nil {
			return reportOut{}, err
		}
		return reportOut{Total: v}, nil
	}, opts...)
}

// harnesses are the fidelity harnesses of both transports: records rebuilt
// in process, and rebuilt by the receiver of the runs' OTLP spans.
var harnesses = map[string]func(testing.TB, ...exporter.Option) *exportertest.Harness{
	"log-ingest": exportertest.NewHarness,
	"otlp":       exportertest.NewOTLPHarness,
}

// TestRealTasksAreRebuilt runs real tasks through the fidelity harness of
// each transport.
func TestRealTasksAreRebuilt(t *testing.T) {
	for name, newHarness := range harnesses {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			report := newReportTask(task.WithTracerProvider(h.TracerProvider()))
			ctx := context.Background()

			_, ok, err := report.SafeRun(ctx, reportIn{UserID: 1})
			require.NoError(t, err)
			_, failed, err := report.SafeRun(ctx, reportIn{UserID: 99})
			require.Error(t, err)
			require.Equal(t, otelrecord.TypeError, failed.Type)
			h.AssertRebuiltAll(t, ok, failed)
		})
	}
}

// TestRealTasksRatioZero runs real tasks under a ratio-0 sampler: every
// record is rebuilt, no span is exported.
func TestRealTasksRatioZero(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	sink := &collector{}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(exporter.RecordHiveSpans(sdktrace.TraceIDRatioBased(0))),
		sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink)),
		sdktrace.WithBatcher(exp),
	)
	report := newReportTask(task.WithTracerProvider(tp))
	var wants []*otelrecord.ExecutionRecord
	for i := range 20 {
		_, rec, _ := report.SafeRun(context.Background(), reportIn{UserID: 90 + i})
		wants = append(wants, rec)
	}
	require.NoError(t, tp.ForceFlush(context.Background()))
	assert.Empty(t, exp.GetSpans())
	require.NoError(t, tp.Shutdown(context.Background()))
	got := byUUID(sink.records())
	require.Len(t, got, len(wants))
	for _, w := range wants {
		assertSameRecord(t, w, got[w.UUID])
	}
}

// TestRealTasksInstruments drives the instruments through real runs and
// task.SetMetrics, read with a ManualReader.
func TestRealTasksInstruments(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	report := newReportTask(task.WithMeterProvider(mp))
	ctx := context.Background()
	for _, id := range []int{1, 2, 99} {
		_, _, _ = report.SafeRun(ctx, reportIn{UserID: id})
	}

	ms := collectMetrics(t, reader)
	runs := histogramPoints(t, ms[run.TaskRunDuration])
	assert.Equal(t, "s", ms[run.TaskRunDuration].Unit)
	assert.Equal(t, uint64(2), runs[key(otelrecord.TaskNameKey.String("getUserReport"), otelrecord.OutcomeKey.String("success"))].Count)
	assert.Equal(t, uint64(1), runs[key(otelrecord.TaskNameKey.String("getUserReport"), otelrecord.OutcomeKey.String("error"))].Count)

	calls := histogramPoints(t, ms[run.BoundaryCallDuration])
	assert.Equal(t, "s", ms[run.BoundaryCallDuration].Unit)
	callKey := func(outcome string) attribute.Distinct {
		return key(otelrecord.TaskNameKey.String("getUserReport"), otelrecord.BoundaryNameKey.String("fetchUser"),
			otelrecord.BoundaryModeKey.String("proxy"), otelrecord.OutcomeKey.String(outcome),
			otelrecord.BoundaryFromTapeKey.Bool(false))
	}
	assert.Equal(t, uint64(2), calls[callKey(otelrecord.OutcomeSuccess)].Count)
	assert.Equal(t, uint64(1), calls[callKey(otelrecord.OutcomeError)].Count)

	name := run.MetricName("business", "Report Score")
	require.Contains(t, ms, name, "task.SetMetrics writes an instrument")
	score := histogramPoints(t, ms[name])[key(otelrecord.TaskNameKey.String("getUserReport"))]
	assert.Equal(t, uint64(3), score.Count)
	assert.InDelta(t, 102.0, score.Sum, 1e-9)
}
