package hivesink

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/metric"

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
)

// config holds the settings of a Sink.
type config struct {
	concurrency    int
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

// WithConcurrency sets how many records Deliver sends at the same time.
// Values below 1 are ignored. Default DefaultConcurrency.
func WithConcurrency(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.concurrency = n
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
// (DeliveredCounter, RetriesCounter). Nil is ignored; the default is the
// global MeterProvider, through which a provider installed later is used.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.meterProvider = mp
		}
	})
}
