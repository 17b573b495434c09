package exporter

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// Defaults of the record processor. NewRecordProcessor's doc comment lists
// them too.
const (
	// DefaultMaxQueueBytes bounds the runs and records the processor holds:
	// a 60-second Hive outage at 500 runs/s of ~1 KB records fits.
	DefaultMaxQueueBytes int64 = 64 << 20
	// DefaultSenders is the number of goroutines delivering batches.
	DefaultSenders = 4
	// DefaultMaxExportBatchSize is the largest number of records handed to
	// the sink in one Deliver call.
	DefaultMaxExportBatchSize = 500
	// DefaultMaxExportBatchBytes is the most bytes of records handed to the
	// sink in one Deliver call (a single larger record goes alone).
	DefaultMaxExportBatchBytes int64 = 4 << 20
	// DefaultBatchTimeout is the longest a rebuilt record waits for its batch
	// to fill before it is delivered.
	DefaultBatchTimeout = time.Second
	// DefaultExportTimeout bounds one Deliver call, retries included.
	DefaultExportTimeout = 30 * time.Second
	// DefaultInitialBackoff is the ceiling of the first delay before
	// records handed back by the sink are delivered again.
	DefaultInitialBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the delays between deliveries that fail.
	DefaultMaxBackoff = 5 * time.Second
	// DefaultShutdownTimeout bounds Shutdown when its ctx has no deadline.
	DefaultShutdownTimeout = 10 * time.Second
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
	maxQueueBytes       int64
	senders             int
	maxExportBatchSize  int
	maxExportBatchBytes int64
	batchTimeout        time.Duration
	exportTimeout       time.Duration
	initialBackoff      time.Duration
	maxBackoff          time.Duration
	shutdownTimeout     time.Duration
	maxPendingRuns      int
	pendingRunTTL       time.Duration
	spool               Spool
	dropWarnInterval    time.Duration
	meterProvider       metric.MeterProvider
	logger              *slog.Logger
	now                 func() time.Time // tests replace the clock
}

// newConfig applies the options over the defaults: a non-positive size,
// count or duration means the default. Providers and the logger stay nil
// when unset; they are resolved from the globals at use time.
func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	orDefault(&c.maxQueueBytes, DefaultMaxQueueBytes)
	orDefault(&c.senders, DefaultSenders)
	orDefault(&c.maxExportBatchSize, DefaultMaxExportBatchSize)
	orDefault(&c.maxExportBatchBytes, DefaultMaxExportBatchBytes)
	orDefault(&c.batchTimeout, DefaultBatchTimeout)
	orDefault(&c.exportTimeout, DefaultExportTimeout)
	orDefault(&c.initialBackoff, DefaultInitialBackoff)
	orDefault(&c.maxBackoff, DefaultMaxBackoff)
	orDefault(&c.shutdownTimeout, DefaultShutdownTimeout)
	orDefault(&c.maxPendingRuns, DefaultMaxPendingRuns)
	orDefault(&c.pendingRunTTL, DefaultPendingRunTTL)
	orDefault(&c.dropWarnInterval, DefaultDropWarnInterval)
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// orDefault replaces a non-positive *v by def.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Option configures NewRecordProcessor.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithMaxQueueBytes bounds the bytes of the runs and records the processor
// holds, from the end of a task-run span until its record is delivered or
// dropped; a run that does not fit is dropped (DropReasonQueueFull).
// Default DefaultMaxQueueBytes.
func WithMaxQueueBytes(n int64) Option {
	return optionFunc(func(c *config) { c.maxQueueBytes = n })
}

// WithSenders sets the number of goroutines delivering batches to the sink
// concurrently. Default DefaultSenders.
func WithSenders(n int) Option {
	return optionFunc(func(c *config) { c.senders = n })
}

// WithMaxExportBatchSize sets the largest number of records passed to one
// Sink.Deliver call. Default DefaultMaxExportBatchSize.
func WithMaxExportBatchSize(size int) Option {
	return optionFunc(func(c *config) { c.maxExportBatchSize = size })
}

// WithMaxExportBatchBytes bounds the bytes of the records passed to one
// Sink.Deliver call; a single larger record goes alone. Default
// DefaultMaxExportBatchBytes.
func WithMaxExportBatchBytes(n int64) Option {
	return optionFunc(func(c *config) { c.maxExportBatchBytes = n })
}

// WithBatchTimeout sets the longest a rebuilt record waits for its batch to
// fill before it is delivered. Default DefaultBatchTimeout.
func WithBatchTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.batchTimeout = d })
}

// WithExportTimeout bounds each Sink.Deliver call: a sink retries only
// within it; the records it hands back are delivered again later, the
// others it has not delivered are counted as dropped. Default
// DefaultExportTimeout.
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.exportTimeout = d })
}

// WithBackoff sets the delays before records handed back by the sink are
// delivered again: full jitter, from initial doubling up to max, reset by
// the first successful delivery. Defaults DefaultInitialBackoff and
// DefaultMaxBackoff.
func WithBackoff(initial, max time.Duration) Option {
	return optionFunc(func(c *config) { c.initialBackoff, c.maxBackoff = initial, max })
}

// WithShutdownTimeout bounds Shutdown when its ctx has no deadline (with a
// deadline, the ctx alone bounds it). Default DefaultShutdownTimeout.
func WithShutdownTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.shutdownTimeout = d })
}

// WithSpool makes the processor keep every record in s until it is
// delivered, and deliver first what an earlier process left there (see
// Spool). The processor does not close it. A nil spool is ignored; the
// default is no spool.
func WithSpool(s Spool) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.spool = s
		}
	})
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
