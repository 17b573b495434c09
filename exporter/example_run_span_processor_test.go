package exporter_test

import (
	"context"
	"fmt"
	"log"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpspan"
)

// rebuildingSink stands for a receiver of OTLP spans: it rebuilds the
// records from the spans it gets, as Hive's OTLP endpoint does.
type rebuildingSink struct{}

func (rebuildingSink) DeliverSpans(_ context.Context, runs ...*exporter.RunSpans) error {
	for _, run := range runs {
		td, err := run.Decode()
		if err != nil {
			return err
		}
		recs, _ := otelrecord.Rebuild(otlpspan.Spans(td.GetResourceSpans()))
		for _, r := range recs {
			fmt.Printf("run %s, %d spans: %s %s, %d lookup call(s)\n", run.UUID, run.Spans, r.TaskName, r.Type, len(r.Boundaries["lookup"]))
		}
	}
	return nil
}

func ExampleNewRunSpanProcessor() {
	// In a program, otlpsink.NewHive(hive.Config{}) sends the spans to Hive.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(rebuildingSink{})))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	emitExampleRun(tp.Tracer("example"))
	if err := tp.ForceFlush(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output: run 0193a3b4-0000-7000-8000-000000000001, 2 spans: greet success, 1 lookup call(s)
}
