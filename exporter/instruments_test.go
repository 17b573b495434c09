package exporter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// collectMetrics reads every metric of the hivetrace scope by name.
func collectMetrics(t *testing.T, r *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != run.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// histogramPoints returns the data points of a float64 histogram by their
// attribute set.
func key(kvs ...attribute.KeyValue) attribute.Distinct {
	set := attribute.NewSet(kvs...)
	return set.Equivalent()
}

func histogramPoints(t *testing.T, m metricdata.Metrics) map[attribute.Distinct]metricdata.HistogramDataPoint[float64] {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a %T, not a float64 histogram", m.Name, m.Data)
	out := map[attribute.Distinct]metricdata.HistogramDataPoint[float64]{}
	for _, dp := range h.DataPoints {
		out[dp.Attributes.Equivalent()] = dp
	}
	return out
}

func TestInstrumentsWithManualReader(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { require.NoError(t, mp.Shutdown(context.Background())) })
	ins := run.NewInstruments(mp)
	ctx := context.Background()

	ins.TaskRun(ctx, "report", otelrecord.OutcomeSuccess, 1500*time.Millisecond)
	ins.TaskRun(ctx, "report", otelrecord.OutcomeSuccess, 500*time.Millisecond)
	ins.TaskRun(ctx, "report", otelrecord.OutcomeError, 250*time.Millisecond)
	ins.BoundaryCall(ctx, "report", "fetchUser", "replay", otelrecord.OutcomeSuccess, true, 2*time.Millisecond)
	ins.BoundaryCall(ctx, "report", "fetchUser", "proxy", otelrecord.OutcomeError, false, 4*time.Millisecond)
	ins.Metric(ctx, "report", otelrecord.Metric{Type: "business", Name: "Order Total", Value: 42})
	ins.Metric(ctx, "report", otelrecord.Metric{Type: "business", Name: "Order Total", Value: 8})
	ins.Metric(ctx, "report", otelrecord.Metric{Type: "", Name: "invalid", Value: 1}) // ignored

	ms := collectMetrics(t, reader)

	runs := ms[run.TaskRunDuration]
	assert.Equal(t, "s", runs.Unit)
	points := histogramPoints(t, runs)
	require.Len(t, points, 2)
	ok := points[key(otelrecord.TaskNameKey.String("report"), otelrecord.OutcomeKey.String("success"))]
	assert.Equal(t, uint64(2), ok.Count)
	assert.InDelta(t, 2.0, ok.Sum, 1e-9, "durations in seconds")
	failed := points[key(otelrecord.TaskNameKey.String("report"), otelrecord.OutcomeKey.String("error"))]
	assert.Equal(t, uint64(1), failed.Count)

	calls := ms[run.BoundaryCallDuration]
	assert.Equal(t, "s", calls.Unit)
	points = histogramPoints(t, calls)
	require.Len(t, points, 2)
	replayed := points[key(
		otelrecord.TaskNameKey.String("report"),
		otelrecord.BoundaryNameKey.String("fetchUser"),
		otelrecord.BoundaryModeKey.String("replay"),
		otelrecord.OutcomeKey.String("success"),
		otelrecord.BoundaryFromTapeKey.Bool(true),
	)]
	assert.Equal(t, uint64(1), replayed.Count)
	assert.InDelta(t, 0.002, replayed.Sum, 1e-12)

	name := run.MetricName("business", "Order Total")
	assert.Equal(t, "hive.metric.business.order_total", name, "names are sanitised")
	points = histogramPoints(t, ms[name])
	require.Len(t, points, 1)
	metric := points[key(otelrecord.TaskNameKey.String("report"))]
	assert.Equal(t, uint64(2), metric.Count)
	assert.InDelta(t, 50.0, metric.Sum, 1e-9)

	assert.Len(t, ms, 3, "the invalid metric made no instrument")
}
