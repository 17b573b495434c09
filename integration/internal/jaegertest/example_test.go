package jaegertest_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/integration/internal/jaegertest"
)

// A test starts Jaeger, points an OTLP exporter at it, and reads its spans
// back from the query API.
func ExampleStart() {
	testSpansReachJaeger := func(t *testing.T) {
		j := jaegertest.Start(t) // skipped (failed when CI=true) without the binary

		exp, err := otlptracegrpc.New(t.Context(),
			otlptracegrpc.WithEndpoint(j.OTLPGRPCEndpoint()), otlptracegrpc.WithInsecure())
		if err != nil {
			t.Fatal(err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		_, span := tp.Tracer("example").Start(t.Context(), "work")
		span.End()
		if err := tp.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}

		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		spans, err := j.WaitTrace(ctx, span.SpanContext().TraceID().String(), 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Jaeger holds %d span(s): %q", len(spans), spans[0].Name)
	}
	_ = testSpansReachJaeger
}
