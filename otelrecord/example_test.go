package otelrecord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/otelrecord/otlpjson"
	"github.com/hivetrace/hivetrace/otelrecord/sdkspan"
)

// A task run and one boundary call, written as spans by hand per the
// convention, are rebuilt into the run's record.
func ExampleRebuild() {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tracer := tp.Tracer("example")
	start := time.Date(2026, 5, 17, 10, 30, 0, 0, time.UTC)
	const run = "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11"

	ctx, task := tracer.Start(context.Background(), "greet", trace.WithTimestamp(start), trace.WithAttributes(
		otelrecord.KindKey.String(otelrecord.KindTask),
		otelrecord.TaskNameKey.String("greet"),
		otelrecord.RunUUIDKey.String(run),
		otelrecord.TaskBoundariesKey.StringSlice([]string{"lookupName"}),
		otelrecord.TaskInputKey.String(`{"id":7}`),
	))
	_, call := tracer.Start(ctx, "lookupName", trace.WithTimestamp(start.Add(time.Millisecond)), trace.WithAttributes(
		otelrecord.KindKey.String(otelrecord.KindBoundary),
		otelrecord.BoundaryNameKey.String("lookupName"),
		otelrecord.RunUUIDKey.String(run),
		otelrecord.BoundarySeqKey.Int(0),
		otelrecord.BoundaryInputKey.String(`[7]`),
		otelrecord.BoundaryOutputKey.String(`"Ada"`),
	))
	call.End(trace.WithTimestamp(start.Add(2500 * time.Microsecond)))
	task.SetAttributes(
		otelrecord.TaskOutputKey.String(`"Hello, Ada"`),
		otelrecord.RecordTypeKey.String("success"),
		otelrecord.TaskBoundaryCallsKey.Int(1),
	)
	task.End(trace.WithTimestamp(start.Add(3 * time.Millisecond)))

	records, err := otelrecord.Rebuild(sdkspan.Spans(exp.GetSpans().Snapshots()))
	if err != nil {
		fmt.Println(err)
	}
	out, _ := json.MarshalIndent(records[0], "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "uuid": "0196d5a0-7c1e-7b3a-9e1f-2f7c9d1a0b11",
	//   "taskName": "greet",
	//   "input": {
	//     "id": 7
	//   },
	//   "output": "Hello, Ada",
	//   "type": "success",
	//   "boundaries": {
	//     "lookupName": [
	//       {
	//         "input": [
	//           7
	//         ],
	//         "output": "Ada",
	//         "timing": {
	//           "startTime": 1779013800001,
	//           "endTime": 1779013800002,
	//           "duration": 1.5
	//         }
	//       }
	//     ]
	//   },
	//   "timing": {
	//     "startTime": 1779013800000,
	//     "endTime": 1779013800003,
	//     "duration": 3
	//   }
	// }
}

// Records rebuilt from Jaeger's query API answer
// (GET /api/v3/traces/{traceID}).
func ExampleRebuild_jaeger() {
	body, err := os.ReadFile("testdata/jaeger_trace.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	spans, err := otlpjson.Spans(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	records, err := otelrecord.Rebuild(spans)
	fmt.Println(len(spans), "spans,", len(records), "record, error:", err)
	r := records[0]
	fmt.Println(r.TaskName, r.Type, len(r.Boundaries["fetchUser"]), "fetchUser calls,", len(r.Metrics), "metrics")
	// Output:
	// 5 spans, 1 record, error: <nil>
	// getUserReport success 2 fetchUser calls, 2 metrics
}

// An Assembler emits a run's record once every span of the run has arrived,
// whatever the order of the batches.
func ExampleAssembler() {
	body, _ := os.ReadFile("testdata/jaeger_trace.json")
	spans, _ := otlpjson.Spans(body)

	a := otelrecord.NewAssembler(otelrecord.WithMaxPendingRuns(1000))
	fmt.Println("first batch:", len(a.Add(spans[3:]...)), "records")
	fmt.Println("second batch:", len(a.Add(spans[:3]...)), "records")
	fmt.Println("still waiting:", a.Len())
	// Flush(time.Now().Add(-30*time.Second)) would emit runs waiting for
	// more than 30 s, marked incomplete.
	fmt.Println("flushed:", len(a.Flush(time.Now())))
	// Output:
	// first batch: 0 records
	// second batch: 1 records
	// still waiting: 0
	// flushed: 0
}
