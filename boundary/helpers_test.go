package boundary

import (
	"context"
	"testing"

	"github.com/hivetrace/hivetrace/internal/run"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// newTestProvider returns a TracerProvider whose spans land synchronously in
// the returned in-memory exporter. It is shut down when the test ends.
func newTestProvider(t testing.TB) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

// attrs returns a span's attributes by key.
func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(s.Attributes))
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// newRun returns a run of cfg whose boundary spans tp makes (nil: none).
func newRun(tp trace.TracerProvider, cfg run.Config[Mode]) *run.Run[Mode] {
	if tp != nil {
		cfg.Tracer = tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version))
	}
	return run.New(cfg)
}
