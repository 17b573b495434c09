package otelrecord

import "log/slog"

// DefaultMaxPendingRuns is the default number of runs an Assembler holds
// while it waits for their spans.
const DefaultMaxPendingRuns = 10_000

// assemblerConfig holds the settings of an Assembler.
type assemblerConfig struct {
	maxPendingRuns int
	logger         *slog.Logger // nil: slog.Default() at use time
}

// AssemblerOption configures an Assembler.
type AssemblerOption interface {
	apply(*assemblerConfig)
}

type assemblerOptionFunc func(*assemblerConfig)

func (f assemblerOptionFunc) apply(c *assemblerConfig) { f(c) }

func newAssemblerConfig(opts []AssemblerOption) assemblerConfig {
	c := assemblerConfig{maxPendingRuns: DefaultMaxPendingRuns}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.maxPendingRuns < 1 {
		c.maxPendingRuns = 1
	}
	return c
}

func (c *assemblerConfig) log() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	return slog.Default()
}

// WithMaxPendingRuns bounds the number of runs an Assembler holds while it
// waits for their spans (default DefaultMaxPendingRuns; values below 1 mean
// 1). When a new run would exceed it, the run that arrived first is evicted:
// its record is emitted, marked incomplete, or its spans are dropped when its
// task-run span has not arrived.
func WithMaxPendingRuns(n int) AssemblerOption {
	return assemblerOptionFunc(func(c *assemblerConfig) { c.maxPendingRuns = n })
}

// WithLogger sets the logger an Assembler reports dropped spans to (default:
// slog.Default() at the time of logging). A nil logger is ignored.
func WithLogger(l *slog.Logger) AssemblerOption {
	return assemblerOptionFunc(func(c *assemblerConfig) {
		if l != nil {
			c.logger = l
		}
	})
}
