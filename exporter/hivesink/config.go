package hivesink

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/internal/retry"
)

// Defaults of New.
const (
	// DefaultConcurrency is the number of records sent at the same time.
	DefaultConcurrency = 4
	// DefaultInitialBackoff is the ceiling of the first retry's delay.
	DefaultInitialBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the ceiling of every retry's delay (a
	// Retry-After header may ask for longer).
	DefaultMaxBackoff = 5 * time.Second
	// DefaultBatchRecords is the most records one batch ingest request
	// carries.
	DefaultBatchRecords = 500
	// DefaultBatchBytes is the most bytes (estimated before sending) one
	// batch ingest request carries, unless a single record is larger.
	DefaultBatchBytes = 4 << 20
	// TrimFloorBytes is the smallest size the sink trims a record to when the
	// server refused it as too large without stating its limit: each attempt
	// halves the record's size, down to this floor.
	TrimFloorBytes = 4 << 10
)

// config holds the settings of a Sink.
type config struct {
	concurrency    int
	batchRecords   int
	batchBytes     int64
	initialBackoff time.Duration
	maxBackoff     time.Duration
	meterProvider  metric.MeterProvider // nil: the global provider

	wait func(ctx context.Context, d time.Duration) error // tests replace the backoff sleep
}

// newConfig applies the options over the defaults; a max backoff below the
// initial one is raised to it.
func newConfig(opts []Option) config {
	c := config{
		concurrency:    DefaultConcurrency,
		batchRecords:   DefaultBatchRecords,
		batchBytes:     DefaultBatchBytes,
		initialBackoff: DefaultInitialBackoff,
		maxBackoff:     DefaultMaxBackoff,
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

// Option configures New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithConcurrency sets how many requests Deliver has in flight at the same
// time: batches, or single records against a server without the batch
// route. Values below 1 are ignored. Default DefaultConcurrency.
func WithConcurrency(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.concurrency = n
		}
	})
}

// WithBatchRecords sets the most records one batch ingest request carries.
// Values below 1 are ignored, values above hive.MaxBatchRecords lowered to
// it. Default DefaultBatchRecords.
func WithBatchRecords(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.batchRecords = min(n, hive.MaxBatchRecords)
		}
	})
}

// WithBatchBytes sets the most bytes one batch ingest request carries, as
// estimated from the records' JSON before sending; a record larger than
// that goes alone in its request. Values below 1 are ignored. Default
// DefaultBatchBytes. A server that refuses a batch as too large and states
// its body limit lowers it to half that limit for the sink's lifetime.
func WithBatchBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.batchBytes = n
		}
	})
}

// WithBackoff sets the retry backoff: the n-th retry of a record waits a
// random delay in [0, min(max, initial·2ⁿ)) ("full jitter"), or longer when
// the server's Retry-After asks for it. Non-positive values are ignored.
// Defaults DefaultInitialBackoff and DefaultMaxBackoff.
func WithBackoff(initial, max time.Duration) Option {
	return optionFunc(func(c *config) {
		if initial > 0 {
			c.initialBackoff = initial
		}
		if max > 0 {
			c.maxBackoff = max
		}
	})
}

// WithMeterProvider sets the MeterProvider of the sink's counters
// (DeliveredCounter, RetriesCounter, TrimmedCounter). Nil is ignored; the default is the
// global MeterProvider, through which a provider installed later is used.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.meterProvider = mp
		}
	})
}
