package exporter_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter"
)

// BenchmarkRunDelivery measures the whole delivery of runs with three
// boundary calls, by transport, to a sink that discards them: OnEnd of
// their spans, then the rebuild of their records or the OTLP encoding of
// their spans, batching and the sink call. An op is a flush of 256 runs;
// ns/run is the cost of one.
func BenchmarkRunDelivery(b *testing.B) {
	const pool = 1024
	runs, _ := benchRuns(b, pool)
	opts := []exporter.Option{
		exporter.WithMeterProvider(noop.NewMeterProvider()),
		exporter.WithMaxPendingRuns(pool / 2), // uuids leave the finished set before reuse
		exporter.WithMaxQueueBytes(1 << 30),   // nothing dropped
	}
	for name, newProc := range map[string]func() sdktrace.SpanProcessor{
		"records": func() sdktrace.SpanProcessor {
			return exporter.NewRecordProcessor(exporter.SinkFunc(nil), opts...)
		},
		"otlp spans": func() sdktrace.SpanProcessor {
			return exporter.NewRunSpanProcessor(spanSinkFunc(func(context.Context, ...*exporter.RunSpans) error { return nil }), opts...)
		},
	} {
		b.Run(name, func(b *testing.B) {
			p := newProc()
			defer func() { _ = p.Shutdown(context.Background()) }()
			const perOp = 256
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				for range perOp {
					for _, s := range runs[i%pool] {
						p.OnEnd(s)
					}
					i++
				}
				if err := p.ForceFlush(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/run")
		})
	}
}
