package hive

import (
	"context"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// Listener returns a function with the signature of task.Listener that sends
// each record to the server without ever blocking the run that produced it,
// for programs that have no record processor (with one, give it a
// hivesink.Sink instead: the processor then holds the only queue).
//
// The records are queued in memory (WithQueueSize; more are dropped and
// counted) and sent from one goroutine owned by the client, retrying network
// errors, 5xx, 408 and 429 answers with exponential backoff and full jitter
// (WithBackoff; a Retry-After header sets a longer delay) until a record has
// waited WithMaxElapsed; other 4xx answers are not retried. A record without
// a uuid is sent with a UUID v7 fixed before its first attempt, so a retry
// never stores it twice. Warnings go to the client's logger, at most one of a
// kind every 10 seconds; counts are in ListenerStats and the metrics named
// Listener… (WithMeterProvider).
//
// The queue is created on the first call, with opts; later calls return a
// function feeding the same queue and ignore opts. Call Shutdown to flush it
// before the program exits. A silent client returns a function that does
// nothing. The returned function is safe for concurrent use.
func (c *LogClient) Listener(opts ...ListenerOption) func(ctx context.Context, rec *otelrecord.ExecutionRecord) {
	if c.IsSilent() {
		return func(context.Context, *otelrecord.ExecutionRecord) {}
	}
	c.listenerMu.Lock()
	if c.listener == nil {
		c.listener = newListenerQueue(c, newListenerConfig(opts))
	}
	q := c.listener
	c.listenerMu.Unlock()
	return func(_ context.Context, rec *otelrecord.ExecutionRecord) {
		_ = q.Deliver(rec) // never blocks; drops are counted and logged by the queue
	}
}

// ListenerStats returns the counters of the queue behind Listener; zero
// before Listener was called. It never blocks on delivery.
func (c *LogClient) ListenerStats() ListenerStats {
	if q := c.listenerQueue(); q != nil {
		return q.Stats()
	}
	return ListenerStats{}
}

// ForceFlush waits until every record handed to the Listener so far has been
// delivered or given up, or until ctx is done (then it returns ctx's error
// and the records stay queued). It blocks. It returns nil when Listener was
// never called.
func (c *LogClient) ForceFlush(ctx context.Context) error {
	if q := c.listenerQueue(); q != nil {
		return q.ForceFlush(ctx)
	}
	return nil
}

// Shutdown flushes the queue behind Listener and stops its goroutine,
// blocking until then or until ctx is done; then the attempt in flight is
// cancelled, the records left are dropped and counted, and the error wraps
// ctx's error. Records handed to the Listener afterwards are dropped. The
// client's other methods keep working. Calls after the first return nil.
func (c *LogClient) Shutdown(ctx context.Context) error {
	if q := c.listenerQueue(); q != nil {
		return q.Shutdown(ctx)
	}
	return nil
}

func (c *LogClient) listenerQueue() *listenerQueue {
	c.listenerMu.Lock()
	defer c.listenerMu.Unlock()
	return c.listener
}
