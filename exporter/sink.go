package exporter

import (
	"context"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Sink receives the records the RecordProcessor rebuilds.
//
// A Sink is a synchronous batch sender, like the SDK's span exporters: the
// processor owns the only queue, and Deliver sends the records it is given
// before it returns. Deliver blocks until then; it may retry failed sends,
// but only within ctx (the processor's export timeout, or the ctx of its
// ForceFlush or Shutdown), and it returns promptly once ctx is done. It must
// not hand the records to a queue or goroutine of its own that outlives the
// call.
//
// Deliver returns nil when every record was delivered (or deliberately
// discarded, like the Hive sink of a client without credentials). When some
// were not, it returns a *DeliveryError saying how many and why (several
// joined with errors.Join for several reasons); any other error means none
// was delivered. The processor counts the records not delivered as dropped,
// reports the error, and does not send them again.
//
// Deliver is called from the processor's sender goroutines (WithSenders of
// them, concurrently; ForceFlush and Shutdown go through them too), never
// from the goroutine that ended a span, so a Sink must be safe for
// concurrent use. The records passed belong to the sink from then on; nil
// records are skipped.
//
// A Sink may also implement Flusher and Shutdowner; the processor calls them
// from its own ForceFlush and Shutdown.
type Sink interface {
	// Deliver sends records and returns once they are delivered, failed, or
	// ctx is done. It blocks; see Sink for the concurrency rules.
	Deliver(ctx context.Context, records ...*otelrecord.ExecutionRecord) error
}

// Flusher is implemented by sinks that buffer records (a file sink's writer,
// for instance).
type Flusher interface {
	// ForceFlush writes out what is buffered, honouring ctx. It may block
	// until then; it is called from the processor's ForceFlush.
	ForceFlush(ctx context.Context) error
}

// Shutdowner is implemented by sinks that hold resources.
type Shutdowner interface {
	// Shutdown flushes and releases them, honouring ctx. It may block until
	// then. The processor calls it once, from its own Shutdown.
	Shutdown(ctx context.Context) error
}
