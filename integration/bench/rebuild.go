package main

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
	"github.com/hivetrace/hivetrace/task"
)

// Sizes of figure 4's span set.
const (
	rebuildRuns     = 1000
	rebuildPerRun   = 10
	rebuildBoundary = rebuildRuns * rebuildPerRun
)

// recordedSpans runs a task runs times with perRun calls of a boundary around
// c.fn and returns the spans the SDK made, in the order they ended.
func recordedSpans[In, Out any](runs, perRun int, c callCase[In, Out]) ([]sdktrace.ReadOnlySpan, error) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	bd := boundary.New("call", c.fn)
	t := loopTask("rebuildMe", tp, func(ctx context.Context) error {
		_, err := bd.Call(ctx, c.in)
		return err
	}, task.WithBoundaries(bd), task.WithMeterProvider(metricnoop.NewMeterProvider()))
	for range runs {
		if _, err := t.Run(context.Background(), perRun); err != nil {
			return nil, err
		}
	}
	stubs := exp.GetSpans()
	spans := make([]sdktrace.ReadOnlySpan, len(stubs))
	for i := range stubs {
		spans[i] = stubs[i].Snapshot()
	}
	if want := runs * (perRun + 1); len(spans) != want {
		return nil, fmt.Errorf("%d spans, want %d", len(spans), want)
	}
	return spans, nil
}

// Rebuild is figure 4: one op converts the SDK spans of 1 000 runs of 10
// boundary calls with a struct payload (otelrecord.SpansFromSDK) and rebuilds
// their records (otelrecord.Rebuild), on one core (GOMAXPROCS 1 while it
// runs). It reports boundary_spans/s.
func Rebuild(b *testing.B) { rebuild(b, rowCall) }

// RebuildInt is Rebuild with the int → int call of figures 1 and 2.
func RebuildInt(b *testing.B) { rebuild(b, smallCall) }

func rebuild[In, Out any](b *testing.B, c callCase[In, Out]) {
	spans, err := recordedSpans(rebuildRuns, rebuildPerRun, c)
	if err != nil {
		b.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		recs, err := otelrecord.Rebuild(sdkspan.Spans(spans))
		if err != nil || len(recs) != rebuildRuns {
			b.Fatalf("rebuilt %d records: %v", len(recs), err)
		}
	}
	b.ReportMetric(float64(rebuildBoundary*b.N)/b.Elapsed().Seconds(), "boundary_spans/s")
}
