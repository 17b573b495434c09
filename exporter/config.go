package exporter

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// Defaults of the record processor. NewRecordProcessor's doc comment lists
// them too.
const (
	// DefaultMaxQueueSize is the number of finished task runs that may wait
	// for the worker before new ones are dropped.
	DefaultMaxQueueSize = 2048
	// DefaultMaxExportBatchSize is the largest number of records handed to
	// the sink in one Deliver call.
	DefaultMaxExportBatchSize = 512
	// DefaultBatchTimeout is the longest a rebuilt record waits for its batch
	// to fill before it is delivered.
	DefaultBatchTimeout = time.Second
	// DefaultExportTimeout bounds one Deliver call, retries included.
	DefaultExportTimeout = 30 * time.Second
	// DefaultMaxPendingRuns is the number of runs whose boundary spans are
	// held while their task-run span is still open.
	DefaultMaxPendingRuns = 4096
	// DefaultPendingRunTTL is how long the boundary spans of a run are held
	// waiting for its task-run span to end.
	DefaultPendingRunTTL = 15 * time.Minute
	// DefaultDropWarnInterval is the shortest interval between two warnings
	// about dropped records.
	DefaultDropWarnInterval = 10 * time.Second
)

// config holds the settings of the record processor. Its zero value means
// "defaults": newConfig fills them in.
type config struct {
	maxQueueSize       int
	maxExportBatchSize int
	batchTimeout       time.Duration
	exportTimeout      time.Duration
	maxPendingRuns     int
	pendingRunTTL      time.Duration
	dropWarnInterval   time.Duration
	meterProvider      metric.MeterProvider
	logger             *slog.Logger
	now                func() time.Time // tests replace the clock
}

// newConfig applies the options over the defaults and validates the result:
// a non-positive size or duration means the default, and the batch size never
// exceeds the queue size. Providers and the logger stay nil when unset; they
// are resolved from the globals at use time.
func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.maxQueueSize <= 0 {
		c.maxQueueSize = DefaultMaxQueueSize
	}
	if c.maxExportBatchSize <= 0 {
		c.maxExportBatchSize = DefaultMaxExportBatchSize
	}
	if c.maxExportBatchSize > c.maxQueueSize {
		c.maxExportBatchSize = c.maxQueueSize
	}
	if c.batchTimeout <= 0 {
		c.batchTimeout = DefaultBatchTimeout
	}
	if c.exportTimeout <= 0 {
		c.exportTimeout = DefaultExportTimeout
	}
	if c.maxPendingRuns <= 0 {
		c.maxPendingRuns = DefaultMaxPendingRuns
	}
	if c.pendingRunTTL <= 0 {
		c.pendingRunTTL = DefaultPendingRunTTL
	}
	if c.dropWarnInterval <= 0 {
		c.dropWarnInterval = DefaultDropWarnInterval
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Option configures NewRecordProcessor.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithMaxQueueSize sets how many finished task runs may wait for the
// processor's worker; when the queue is full, the newest run is dropped.
// Default DefaultMaxQueueSize.
func WithMaxQueueSize(size int) Option {
	return optionFunc(func(c *config) { c.maxQueueSize = size })
}

// WithMaxExportBatchSize sets the largest number of records passed to one
// Sink.Deliver call. Default DefaultMaxExportBatchSize, and never more than
// the queue size.
func WithMaxExportBatchSize(size int) Option {
	return optionFunc(func(c *config) { c.maxExportBatchSize = size })
}

// WithBatchTimeout sets the longest a rebuilt record waits for its batch to
// fill before it is delivered. Default DefaultBatchTimeout.
func WithBatchTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.batchTimeout = d })
}

// WithExportTimeout bounds each Sink.Deliver call: a sink retries only
// within it, and the records it has not delivered when it passes are counted
// as dropped (DropReasonExportTimeout). Default DefaultExportTimeout.
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.exportTimeout = d })
}

// WithMaxPendingRuns bounds the number of runs whose boundary spans are held
// while their task-run span is open. When a new run would exceed it, the
// oldest pending run is evicted and counted as dropped. Default
// DefaultMaxPendingRuns.
func WithMaxPendingRuns(n int) Option {
	return optionFunc(func(c *config) { c.maxPendingRuns = n })
}

// WithPendingRunTTL bounds how long the boundary spans of a run are held
// waiting for its task-run span to end; older runs are evicted and counted as
// dropped. Default DefaultPendingRunTTL.
func WithPendingRunTTL(d time.Duration) Option {
	return optionFunc(func(c *config) { c.pendingRunTTL = d })
}

// WithMeterProvider sets the MeterProvider of the processor's own
// instruments (the dropped-records counter). A nil provider is ignored; the
// default is the global MeterProvider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.meterProvider = mp
		}
	})
}

// WithLogger sets the logger of the processor's warnings. A nil logger is
// ignored; the default is slog.Default() at the time of logging.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// log returns the configured logger, or slog.Default() at the time of the
// call.
func (c config) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}
