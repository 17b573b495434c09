package task

import (
	"maps"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/boundary"
	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// EnvMaxPayloadBytes, HIVE_MAX_PAYLOAD_BYTES, names the environment variable
// that overrides the default payload limit (see WithMaxPayloadBytes). It is
// read once per process, when the first task is made (or the first boundary
// called outside a task), and applies to every task made afterwards; an
// invalid value is reported through otel.Handle and ignored.
const EnvMaxPayloadBytes = run.EnvMaxPayloadBytes

// DefaultMaxRequestBytes is the default cap on the request bodies Handler
// reads.
const DefaultMaxRequestBytes = 1 << 20

// Option configures a Task.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config holds a task's options. Providers left nil resolve to the OTel
// globals at use time.
type config struct {
	description     string
	boundaries      []boundary.Named
	defaultMode     boundary.Mode
	modes           map[string]boundary.Mode
	tapeData        map[string][]otelrecord.BoundaryRecord
	tp              trace.TracerProvider
	mp              metric.MeterProvider
	maxPayload      int
	maxRequestBytes int64
}

// newConfig applies the defaults and the environment (run.PayloadLimit,
// read once per process), then opts.
func newConfig(opts []Option) config {
	c := config{maxPayload: run.PayloadLimit(), maxRequestBytes: DefaultMaxRequestBytes}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

func (c *config) tracerProvider() trace.TracerProvider {
	if c.tp != nil {
		return c.tp
	}
	return otel.GetTracerProvider()
}

// WithDescription sets the task's description.
func WithDescription(d string) Option {
	return optionFunc(func(c *config) { c.description = d })
}

// WithBoundaries declares the boundaries the task uses. Declared boundaries
// always appear in the task's records ([] when not called) and are the only
// ones MockBoundary accepts. Nil entries are ignored; it may be given several
// times.
func WithBoundaries(bs ...boundary.Named) Option {
	return optionFunc(func(c *config) {
		for _, b := range bs {
			if b != nil {
				c.boundaries = append(c.boundaries, b)
			}
		}
	})
}

// WithMode sets the mode of every boundary call made during the task's runs,
// except boundaries given their own with WithBoundaryMode. The default is
// boundary.Proxy.
func WithMode(m boundary.Mode) Option {
	return optionFunc(func(c *config) { c.defaultMode = m })
}

// WithBoundaryMode sets the mode of the calls of one boundary, by name.
func WithBoundaryMode(name string, m boundary.Mode) Option {
	return optionFunc(func(c *config) {
		if c.modes == nil {
			c.modes = make(map[string]boundary.Mode)
		}
		c.modes[name] = m
	})
}

// WithTape sets the recorded calls (keyed by boundary name, the shape of
// ExecutionRecord.Boundaries) that answer boundary calls in the ProxyPass,
// ProxyCatch and Replay modes. Every run starts at the beginning of the tape.
// Recordings whose input is not valid JSON are left out and reported through
// otel.Handle.
func WithTape(data map[string][]otelrecord.BoundaryRecord) Option {
	return optionFunc(func(c *config) { c.tapeData = maps.Clone(data) })
}

// WithTracerProvider sets the provider of the task-run spans and of the
// boundary spans made during runs. The default is the global provider,
// resolved at each run. A nil provider is ignored.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	})
}

// WithMeterProvider sets the provider of the run, boundary-call and metric
// instruments. The default is the global provider (followed through its
// delegate, so one installed later is used). A nil provider is ignored.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	})
}

// WithMaxPayloadBytes caps the size of the input and output JSON written to
// span attributes, for the task-run span and the boundary spans of its runs:
// a payload of more than n bytes is replaced by a truncation marker, and
// n <= 0 means no limit (the one rule of payload limits, see
// otelrecord.Truncate). Records returned in process keep full payloads. The
// default is otelrecord.DefaultMaxPayloadBytes, or the value of
// HIVE_MAX_PAYLOAD_BYTES when set.
func WithMaxPayloadBytes(n int) Option {
	return optionFunc(func(c *config) { c.maxPayload = n })
}

// WithMaxRequestBytes caps the request bodies Handler reads; larger bodies
// get 413. The default is DefaultMaxRequestBytes (1 MiB). n <= 0 is ignored.
func WithMaxRequestBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxRequestBytes = n
		}
	})
}
