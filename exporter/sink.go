package exporter

import (
	"context"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Sink receives the records the RecordProcessor rebuilds.
//
// Deliver is called from the processor's single worker goroutine, never from
// the goroutine that ended a span, so it may block; it should return once ctx
// is done. One processor never calls Deliver concurrently, but a Sink shared
// by several processors must be safe for concurrent use. The records passed
// belong to the sink from then on. A returned error is reported through
// otel.Handle; the processor does not retry (a sink that wants retries, like
// the Hive sink, queues and retries itself).
//
// A Sink may also implement Flusher and Shutdowner; the processor calls them
// from its own ForceFlush and Shutdown.
type Sink interface {
	Deliver(ctx context.Context, records ...*otelrecord.ExecutionRecord) error
}

// Flusher is implemented by sinks that buffer records. ForceFlush delivers
// what is buffered, honouring ctx. It may block until then.
type Flusher interface {
	ForceFlush(ctx context.Context) error
}

// Shutdowner is implemented by sinks that hold resources. Shutdown flushes and
// releases them, honouring ctx. It is called once.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}
