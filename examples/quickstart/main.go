package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"go.opentelemetry.io/otel"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
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
