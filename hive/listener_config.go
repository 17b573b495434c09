package hive

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/hivetrace/hivetrace/internal/retry"
)

// Defaults of the queue behind LogClient.Listener.
const (
	// DefaultQueueSize is how many records may wait for delivery.
	DefaultQueueSize = 2048
	// DefaultInitialBackoff is the ceiling of the first retry's delay.
	DefaultInitialBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the ceiling of every retry's delay.
	DefaultMaxBackoff = 30 * time.Second
	// DefaultMaxElapsed is how long a record may wait, from the moment it was
	// queued, before it is given up.
	DefaultMaxElapsed = 5 * time.Minute
)

// Fixed settings of the queue behind LogClient.Listener.
const (
	// listenerBatchSize is how many records the worker takes at a time.
	listenerBatchSize = 64
	// listenerAttemptTimeout bounds each attempt to send one record.
	listenerAttemptTimeout = 30 * time.Second
	// listenerLogInterval is the minimum interval between two warnings of the
	// same kind (retrying, failed, dropped); the ones in between are counted
	// and reported with the next.
	listenerLogInterval = 10 * time.Second
)

// ListenerOption configures the queue behind LogClient.Listener.
type ListenerOption interface {
	apply(*listenerConfig)
}

type listenerOptionFunc func(*listenerConfig)

func (f listenerOptionFunc) apply(c *listenerConfig) { f(c) }

type listenerConfig struct {
	queueSize      int
	initialBackoff time.Duration
	maxBackoff     time.Duration
	maxElapsed     time.Duration
	meterProvider  metric.MeterProvider // nil: the global provider

	// Fixed outside tests.
	batchSize      int
	attemptTimeout time.Duration
	logInterval    time.Duration
	logger         *slog.Logger // nil: the client's logger
	now            func() time.Time
	wait           func(ctx context.Context, d time.Duration) error
}

func newListenerConfig(opts []ListenerOption) listenerConfig {
	c := listenerConfig{
		queueSize:      DefaultQueueSize,
		initialBackoff: DefaultInitialBackoff,
		maxBackoff:     DefaultMaxBackoff,
		maxElapsed:     DefaultMaxElapsed,
		batchSize:      listenerBatchSize,
		attemptTimeout: listenerAttemptTimeout,
		logInterval:    listenerLogInterval,
		now:            time.Now,
		wait:           retry.Sleep,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	c.maxBackoff = max(c.maxBackoff, c.initialBackoff)
	return c
}

// WithQueueSize sets how many records may wait for delivery (including those
// being sent); more are dropped and counted. Values below 1 are ignored.
// Default DefaultQueueSize.
func WithQueueSize(n int) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) {
		if n > 0 {
			c.queueSize = n
		}
	})
}

// WithBackoff sets the retry backoff: the n-th retry waits a random delay in
// [0, min(max, initial·2ⁿ)) ("full jitter"). Non-positive values are ignored.
// Defaults DefaultInitialBackoff and DefaultMaxBackoff.
func WithBackoff(initial, max time.Duration) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) {
		if initial > 0 {
			c.initialBackoff = initial
		}
		if max > 0 {
			c.maxBackoff = max
		}
	})
}

// WithMaxElapsed sets how long a record may wait, from the moment it was
// queued, before the listener stops retrying it and counts it Failed. Every
// record gets at least one attempt. Non-positive values are ignored. Default
// DefaultMaxElapsed.
func WithMaxElapsed(d time.Duration) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) {
		if d > 0 {
			c.maxElapsed = d
		}
	})
}

// WithMeterProvider sets the MeterProvider of the listener's metrics
// (ListenerRecordsCounter, ListenerRetriesCounter, ListenerQueueSize). Nil is
// ignored; the default is the global MeterProvider.
func WithMeterProvider(mp metric.MeterProvider) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) {
		if mp != nil {
			c.meterProvider = mp
		}
	})
}
