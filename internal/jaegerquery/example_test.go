package jaegerquery_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/internal/jaegerquery"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// The records of the task runs in a trace are rebuilt from what Jaeger
// holds of it.
func ExampleFetch() {
	id, err := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &http.Client{Timeout: 30 * time.Second}
	spans, err := jaegerquery.Fetch(context.Background(), client, "http://127.0.0.1:16686", id)
	switch {
	case errors.Is(err, jaegerquery.ErrNotFound):
		fmt.Println("Jaeger holds no span of the trace yet")
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	records, err := otelrecord.Rebuild(spans)
	if err != nil {
		fmt.Println("incomplete:", err) // the records still come out
	}
	for _, r := range records {
		fmt.Println(r.TaskName, r.UUID)
	}
}

// The records of every task run a service traced in the last hour are
// rebuilt, whatever the number of its traces.
func ExampleSearch() {
	client := &http.Client{Timeout: 30 * time.Second}
	q := jaegerquery.Query{Service: "billing", Start: time.Now().Add(-time.Hour), End: time.Now()}
	for tr, err := range jaegerquery.Search(context.Background(), client, "http://127.0.0.1:16686", q) {
		if err != nil {
			fmt.Println(err) // a window or a trace that could not be read; the walk goes on
			continue
		}
		records, _ := otelrecord.Rebuild(tr.Spans) // incomplete records still come out
		for _, r := range records {
			fmt.Println(tr.ID, r.TaskName, r.UUID)
		}
	}
}
