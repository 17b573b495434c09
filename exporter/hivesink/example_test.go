package hivesink_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hivetrace/hivetrace/exporter"
	"github.com/hivetrace/hivetrace/exporter/hivesink"
	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/log-ingest" {
			// A server without the batch route, like the hosted Hive: the
			// sink notices the 404 once and sends one record a request.
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusCreated) // a Hive server storing every record
	}))
	defer srv.Close()

	client, err := hive.NewLogClient(hive.Config{
		ProjectUUID: "0193a000-0000-7000-8000-000000000001",
		APIKey:      "my-key", // or HIVE_API_KEY
		APISecret:   "my-secret",
		Host:        srv.URL, // or HIVE_HOST
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sink := hivesink.New(client, hivesink.WithConcurrency(8), hivesink.WithBatchRecords(100))

	// The record processor is the one queue; the sink sends within its
	// export timeout.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(
		exporter.NewRecordProcessor(sink, exporter.WithExportTimeout(10*time.Second))))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	// Deliver can also be called directly.
	err = sink.Deliver(context.Background(), &otelrecord.ExecutionRecord{TaskName: "getUserReport", Type: otelrecord.TypeSuccess})
	fmt.Println("delivered:", err == nil)
	// Output: delivered: true
}
