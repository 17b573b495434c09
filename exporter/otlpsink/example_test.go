package otlpsink_test

import (
	"context"
	"log"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/otlpsink"
	"github.com/hivetrace/hivetrace/hive"
)

// The spans of every task run go to Hive's OTLP endpoint, configured like
// the Hive client (HIVE_HOST, HIVE_API_KEY, HIVE_API_SECRET,
// HIVE_PROJECT_UUID…); Hive rebuilds the records. otelsetup.Setup does the
// same with HIVE_TRANSPORT=otlp.
func ExampleNewHive() {
	sink, err := otlpsink.NewHive(hive.Config{})
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(exporter.RecordHiveSpans(nil)),
		sdktrace.WithSpanProcessor(exporter.NewRunSpanProcessor(sink)),
	)
	defer func() { _ = tp.Shutdown(context.Background()) }()
	otel.SetTracerProvider(tp)
	// Run tasks: task.New(…).Run(ctx, in).
}
