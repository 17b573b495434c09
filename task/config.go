package task

import (
	"maps"
	"slices"

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

// Environment variables of the bounds of a run and of the payload capture
// policy, read once per process like EnvMaxPayloadBytes (an invalid value is
// reported through otel.Handle and ignored).
const (
	// EnvMaxRunCalls, HIVE_MAX_RUN_CALLS, overrides DefaultMaxRunCalls (see
	// WithMaxRunCalls).
	EnvMaxRunCalls = run.EnvMaxRunCalls
	// EnvMaxRunBytes, HIVE_MAX_RUN_BYTES, overrides DefaultMaxRunBytes (see
	// WithMaxRunBytes): a number of bytes, as 67108864 or with a unit, 64MiB
	// or 500KB (KB, MB, GB: powers of 1000; KiB, MiB, GiB: of 1024).
	EnvMaxRunBytes = run.EnvMaxRunBytes
	// EnvRedactKeys, HIVE_REDACT_KEYS, adds comma-separated keys to the
	// list of keys whose values are redacted (see WithRedactKeys).
	EnvRedactKeys = run.EnvRedactKeys
	// EnvCapturePayloads, HIVE_CAPTURE_PAYLOADS, set to false, keeps payload
	// values out of spans and of the records that leave the process (see
	// WithCapturePayloads). It also applies to boundary calls made outside
	// any run.
	EnvCapturePayloads = run.EnvCapturePayloads
)

// Default bounds of a run (see WithMaxRunCalls and WithMaxRunBytes).
const (
	// DefaultMaxRunCalls is the default number of boundary calls a run keeps
	// in its record.
	DefaultMaxRunCalls = run.DefaultMaxRunCalls
	// DefaultMaxRunBytes is the default number of payload bytes a run keeps
	// in its record: 64 MiB.
	DefaultMaxRunBytes = run.DefaultMaxRunBytes
)

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
	limits          run.Limits
	capture         otelrecord.RedactPolicy
	redactOptions   bool // an option changed capture
}

// newConfig applies the defaults and the environment (run.PayloadLimit,
// run.RunLimits and run.CapturePolicy, read once per process), then opts.
func newConfig(opts []Option) config {
	c := config{
		maxPayload:      run.PayloadLimit(),
		maxRequestBytes: DefaultMaxRequestBytes,
		limits:          run.RunLimits(),
		capture:         run.CapturePolicy(),
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// redactor returns the redactor of the task's capture policy: the process's
// own when no option changed it.
func (c *config) redactor() *otelrecord.Redactor {
	if !c.redactOptions {
		return run.DefaultRedactor()
	}
	return otelrecord.NewRedactor(c.capture)
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
// ones MockBoundary accepts. Nil entries (also a nil *boundary.Boundary) and
// unnamed boundaries are ignored; it may be given several
// times.
func WithBoundaries(bs ...boundary.Named) Option {
	return optionFunc(func(c *config) {
		for _, b := range bs {
			if b != nil && b.Name() != "" { // a nil *Boundary names nothing
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

// WithMaxRunCalls bounds the boundary calls a run keeps in its record: a run
// keeps its first n calls, and every call that begins once it holds n is
// left out of the record and only counted (n <= 0: no bound, the rule of
// payload limits). A call left out still runs exactly as any other, and
// still has a span, marked otelrecord.BoundaryOmittedKey and carrying no
// payload; the record (the one SafeRun returns and the one rebuilt from the
// spans alike) says what was left out in its metadata:
// otelrecord.MetadataCallsOmitted holds the number of calls left out and
// otelrecord.MetadataCallsOmittedPrefix+<boundary> the count and total
// duration of each boundary's (otelrecord.FormatOmittedCalls). The default
// is DefaultMaxRunCalls, or the value of HIVE_MAX_RUN_CALLS when set.
func WithMaxRunCalls(n int) Option {
	return optionFunc(func(c *config) { c.limits.Calls = n })
}

// WithMaxRunBytes bounds the payload bytes a run keeps in its record: the
// inputs, outputs and error messages of the calls it keeps. Once the calls
// kept hold n bytes, every call that begins is left out as WithMaxRunCalls
// describes (n <= 0: no bound). The bound is checked as calls begin, so the
// record may go past n by the payloads of the calls running at that moment
// (a call's output counts once it has finished, at the latest 64 calls
// later).
// The default is DefaultMaxRunBytes (64 MiB), or the value of
// HIVE_MAX_RUN_BYTES when set.
func WithMaxRunBytes(n int64) Option {
	return optionFunc(func(c *config) { c.limits.Bytes = n })
}

// WithRedactKeys adds keys to the list of object keys whose values are
// redacted from every payload that leaves the process: the task's input
// and output and its boundary calls' inputs and outputs, in the spans (and
// so in records rebuilt from them) and in the records listeners receive.
// The list starts with otelrecord.DefaultRedactKeys and the keys of
// HIVE_REDACT_KEYS; keys match at any depth, ignoring ASCII case and the
// separators '-' and '_' (see otelrecord.Redactor). The record SafeRun
// returns is never redacted. It may be given several times.
func WithRedactKeys(keys ...string) Option {
	return optionFunc(func(c *config) {
		c.capture.Keys = append(slices.Clip(c.capture.Keys), keys...)
		c.redactOptions = true
	})
}

// WithRedactFunc adds a custom redaction rule, called for the object
// members the list of WithRedactKeys leaves alone (see
// otelrecord.RedactFunc). A nil f is ignored; a second one replaces the
// first.
func WithRedactFunc(f otelrecord.RedactFunc) Option {
	return optionFunc(func(c *config) {
		if f != nil {
			c.capture.Func = f
			c.redactOptions = true
		}
	})
}

// WithCapturePayloads(false) keeps payload values out of the process: in the
// spans and in the records listeners receive, the task's input and output
// and its boundary calls' inputs and outputs are each otelrecord.RedactedValue
// (absent outputs stay absent), while timing, errors, types, metadata,
// metrics and the calls themselves are kept. The record SafeRun returns keeps
// its payloads. The default is true, or false when HIVE_CAPTURE_PAYLOADS is.
func WithCapturePayloads(capture bool) Option {
	return optionFunc(func(c *config) {
		c.capture.OmitPayloads = !capture
		c.redactOptions = true
	})
}
