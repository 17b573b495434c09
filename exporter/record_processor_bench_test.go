package exporter_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// benchRuns returns n runs (their boundary spans, then their task-run span)
// with distinct run uuids, and a span outside the convention.
func benchRuns(b *testing.B, n int) (runs [][]sdktrace.ReadOnlySpan, plain sdktrace.ReadOnlySpan) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tracer := tp.Tracer("bench")
	emitRun(context.Background(), b, tracer, sampleRun("bench"))
	_, s := tracer.Start(context.Background(), "plain", trace.WithAttributes(
		attribute.String("http.method", "GET"), attribute.Int("http.status_code", 200)))
	s.End()
	stubs := exp.GetSpans()
	if err := tp.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
	plain = stubs[len(stubs)-1].Snapshot()
	stubs = stubs[:len(stubs)-1] // boundary spans, then the task-run span
	for range n {
		id := newRunUUID(b)
		run := make([]sdktrace.ReadOnlySpan, len(stubs))
		for i, st := range stubs {
			st.Attributes = append([]attribute.KeyValue(nil), st.Attributes...)
			for j, kv := range st.Attributes {
				if kv.Key == otelrecord.RunUUIDKey {
					st.Attributes[j] = otelrecord.RunUUIDKey.String(id)
				}
			}
			run[i] = st.Snapshot()
		}
		runs = append(runs, run)
	}
	return runs, plain
}

// BenchmarkRecordProcessorOnEnd measures what OnEnd costs the goroutine that
// ends a span: per span outside the convention, and per span of a task run
// with three boundary calls (the worker rebuilds in the background; runs it
// cannot keep up with are dropped, as in production).
func BenchmarkRecordProcessorOnEnd(b *testing.B) {
	const pool = 1024
	runs, plain := benchRuns(b, pool)
	newProc := func() sdktrace.SpanProcessor {
		return exporter.NewRecordProcessor(exporter.SinkFunc(nil),
			exporter.WithMeterProvider(noop.NewMeterProvider()),
			exporter.WithMaxPendingRuns(pool/2)) // uuids leave the finished set before reuse
	}

	b.Run("other span", func(b *testing.B) {
		p := newProc()
		defer func() { _ = p.Shutdown(context.Background()) }()
		b.ReportAllocs()
		for b.Loop() {
			p.OnEnd(plain)
		}
	})
	b.Run("task run span", func(b *testing.B) {
		p := newProc()
		defer func() { _ = p.Shutdown(context.Background()) }()
		spans := len(runs[0])
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			run := runs[(i/spans)%pool]
			p.OnEnd(run[i%spans])
			i++
		}
	})
}
