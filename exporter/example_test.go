package exporter_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/otelsetup"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// emitExampleRun ends the spans of one run with a single boundary call,
// written by hand following the convention (the task and boundary packages
// do this for real programs).
func emitExampleRun(tracer trace.Tracer) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ctx, run := tracer.Start(context.Background(), "greet", trace.WithTimestamp(start), trace.WithAttributes(
		otelrecord.KindKey.String(otelrecord.KindTask),
		otelrecord.TaskNameKey.String("greet"),
		otelrecord.RunUUIDKey.String("0193a3b4-0000-7000-8000-000000000001"),
		otelrecord.TaskBoundariesKey.StringSlice([]string{"lookup"}),
		otelrecord.TaskInputKey.String(`{"name":"Ada"}`),
	))
	_, call := tracer.Start(ctx, "lookup", trace.WithTimestamp(start.Add(time.Millisecond)), trace.WithAttributes(
		otelrecord.KindKey.String(otelrecord.KindBoundary),
		otelrecord.BoundaryNameKey.String("lookup"),
		otelrecord.RunUUIDKey.String("0193a3b4-0000-7000-8000-000000000001"),
		otelrecord.BoundarySeqKey.Int(0),
		otelrecord.BoundaryInputKey.String(`["Ada"]`),
		otelrecord.BoundaryOutputKey.String(`{"title":"Countess"}`),
	))
	call.End(trace.WithTimestamp(start.Add(3250 * time.Microsecond)))
	run.SetAttributes(
		otelrecord.TaskOutputKey.String(`"Hello, Countess Ada"`),
		otelrecord.RecordTypeKey.String("success"),
		otelrecord.TaskBoundaryCallsKey.Int(1),
	)
	run.End(trace.WithTimestamp(start.Add(5 * time.Millisecond)))
}

func ExampleNewRecordProcessor() {
	sink := exporter.SinkFunc(func(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
		for _, r := range recs {
			fmt.Printf("%s %s: %s, %d lookup call(s)\n", r.TaskName, r.Type, r.Output, len(r.Boundaries["lookup"]))
		}
		return nil
	})
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exporter.NewRecordProcessor(sink)))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	emitExampleRun(tp.Tracer("example"))
	if err := tp.ForceFlush(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output: greet success: "Hello, Countess Ada", 1 lookup call(s)
}

func ExampleNewJSONLinesSink() {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(
		exporter.NewRecordProcessor(exporter.NewJSONLinesSink(os.Stdout))))
	emitExampleRun(tp.Tracer("example"))
	if err := tp.Shutdown(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output: {"uuid":"0193a3b4-0000-7000-8000-000000000001","taskName":"greet","input":{"name":"Ada"},"output":"Hello, Countess Ada","type":"success","boundaries":{"lookup":[{"input":["Ada"],"output":{"title":"Countess"},"timing":{"startTime":1767268800001,"endTime":1767268800003,"duration":2.25}}]},"timing":{"startTime":1767268800000,"endTime":1767268800005,"duration":5}}
}

func ExampleSetup() {
	// Without options, Setup reads OTEL_* from the environment and exports
	// over OTLP gRPC. Here the exporters are in memory.
	spans := tracetest.NewInMemoryExporter()
	shutdown, err := otelsetup.Setup(context.Background(),
		otelsetup.WithServiceName("greeter"),
		otelsetup.WithSpanExporter(spans),
		otelsetup.WithMetricReader(sdkmetric.NewManualReader()),
		otelsetup.WithSink(exporter.SinkFunc(func(_ context.Context, recs ...*otelrecord.ExecutionRecord) error {
			for _, r := range recs {
				fmt.Println("record:", r.TaskName, r.Type)
			}
			return nil
		})),
	)
	if err != nil {
		log.Fatal(err)
	}
	emitExampleRun(otel.Tracer("example")) // the global provider is Setup's
	if err := shutdown(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output: record: greet success
}

func ExampleRecordHiveSpans() {
	// Export 1% of traces, but rebuild every record.
	sampler := exporter.RecordHiveSpans(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.01)))
	fmt.Println(sampler.Description())
	// Output: RecordHiveSpans{ParentBased{root:TraceIDRatioBased{0.01},remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}}
}
