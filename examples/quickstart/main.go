package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"go.opentelemetry.io/otel"
)

func main() {
	var opts options
	flag.BoolVar(&opts.serve, "serve", false, "after the demo, keep the Hive server and its records UI running until interrupted, and print the UI's address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, opts); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// options are the demo's command-line choices.
type options struct {
	// serve keeps the Hive server and its records UI running after the demo,
	// until ctx is done.
	serve bool
}

// flushGlobal flushes the global TracerProvider that otelsetup.Setup
// installed: the record processor delivers the records it holds and the Hive
// sink sends them.
func flushGlobal(ctx context.Context) error {
	if f, ok := otel.GetTracerProvider().(interface{ ForceFlush(context.Context) error }); ok {
		return f.ForceFlush(ctx)
	}
	return nil
}
