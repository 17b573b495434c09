package run

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ScopeName is the instrumentation scope of every hivetrace instrument.
const ScopeName = "github.com/hivetrace/hivetrace"

// Instrument names. Their attribute keys are those of the span convention
// (otelrecord.TaskNameKey, BoundaryNameKey, BoundaryModeKey,
// BoundaryFromTapeKey) and otelrecord.OutcomeKey.
const (
	// TaskRunDuration is the task-run duration histogram, in seconds.
	TaskRunDuration = "hive.task.run.duration"
	// BoundaryCallDuration is the boundary-call duration histogram, in seconds.
	BoundaryCallDuration = "hive.boundary.call.duration"
	// MetricPrefix prefixes the histogram of each metric set during runs:
	// hive.metric.<type>.<name>, sanitised to a valid instrument name.
	MetricPrefix = "hive.metric."
)

// Instruments records hivetrace's metrics through one MeterProvider. It is
// safe for concurrent use and never blocks. Measurements for instruments that
// are not enabled (a no-op provider, a view that drops them) cost one call.
type Instruments struct {
	meter    metric.Meter
	runs     metric.Float64Histogram
	calls    metric.Float64Histogram
	opts     sync.Map // attribute combination → []metric.RecordOption
	metrics  sync.Map // metricKey → metric.Float64Histogram
	metricMu sync.Mutex
}

// NewInstruments returns the instruments of mp; a nil mp means the global MeterProvider
// (resolved through its delegate, so a provider installed later is used).
// Instrument creation errors are reported through otel.Handle and leave a
// no-op instrument in place.
func NewInstruments(mp metric.MeterProvider) *Instruments {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName)
	runs, err := m.Float64Histogram(TaskRunDuration,
		metric.WithUnit("s"), metric.WithDescription("Duration of task runs."))
	if err != nil {
		otel.Handle(err)
	}
	calls, err := m.Float64Histogram(BoundaryCallDuration,
		metric.WithUnit("s"), metric.WithDescription("Duration of boundary calls."))
	if err != nil {
		otel.Handle(err)
	}
	return &Instruments{meter: m, runs: runs, calls: calls}
}

type runKey struct{ task, outcome string }

type callKey struct {
	task, boundary, mode, outcome string
	fromTape                      bool
}

type metricKey struct{ typ, name, task string }

// TaskRun records one task run; outcome is otelrecord.OutcomeSuccess or
// OutcomeError.
func (i *Instruments) TaskRun(ctx context.Context, task, outcome string, d time.Duration) {
	if i == nil || i.runs == nil || !i.runs.Enabled(ctx) {
		return
	}
	k := runKey{task, outcome}
	o, ok := i.opts.Load(k)
	if !ok {
		o, _ = i.opts.LoadOrStore(k, []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(
			otelrecord.TaskNameKey.String(task), otelrecord.OutcomeKey.String(outcome)))})
	}
	i.runs.Record(ctx, d.Seconds(), o.([]metric.RecordOption)...)
}

// BoundaryCall records one boundary call; outcome is
// otelrecord.OutcomeSuccess or OutcomeError.
func (i *Instruments) BoundaryCall(ctx context.Context, task, boundary, mode, outcome string, fromTape bool, d time.Duration) {
	if i == nil || i.calls == nil || !i.calls.Enabled(ctx) {
		return
	}
	k := callKey{task, boundary, mode, outcome, fromTape}
	o, ok := i.opts.Load(k)
	if !ok {
		o, _ = i.opts.LoadOrStore(k, []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(
			otelrecord.TaskNameKey.String(task),
			otelrecord.BoundaryNameKey.String(boundary),
			otelrecord.BoundaryModeKey.String(mode),
			otelrecord.OutcomeKey.String(outcome),
			otelrecord.BoundaryFromTapeKey.Bool(fromTape)))})
	}
	i.calls.Record(ctx, d.Seconds(), o.([]metric.RecordOption)...)
}

type metricInstrument struct {
	h    metric.Float64Histogram
	opts []metric.RecordOption
}

// Metric records a metric set during a run of task. The metric must be valid
// (see otelrecord.Metric.Validate); invalid metrics are ignored.
func (i *Instruments) Metric(ctx context.Context, task string, m otelrecord.Metric) {
	if i == nil || m.Validate() != nil {
		return
	}
	k := metricKey{m.Type, m.Name, task}
	v, ok := i.metrics.Load(k)
	if !ok {
		i.metricMu.Lock()
		if v, ok = i.metrics.Load(k); !ok {
			h, err := i.meter.Float64Histogram(MetricName(m.Type, m.Name),
				metric.WithDescription("Metric "+m.Type+"/"+m.Name+" set during task runs."))
			if err != nil {
				otel.Handle(err)
			}
			v = metricInstrument{h: h, opts: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(
				otelrecord.TaskNameKey.String(task)))}}
			i.metrics.Store(k, v)
		}
		i.metricMu.Unlock()
	}
	mi := v.(metricInstrument)
	if mi.h != nil && mi.h.Enabled(ctx) {
		mi.h.Record(ctx, m.Value, mi.opts...)
	}
}

// MetricName returns the instrument name for a metric type and name:
// hive.metric.<type>.<name>, lower-cased, with every character outside
// [a-z0-9._-] replaced by '_' and the whole cut to the 255 characters an
// instrument name may have.
func MetricName(typ, name string) string {
	var b strings.Builder
	b.Grow(len(MetricPrefix) + len(typ) + 1 + len(name))
	b.WriteString(MetricPrefix)
	sanitise(&b, typ)
	b.WriteByte('.')
	sanitise(&b, name)
	s := b.String()
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}

func sanitise(b *strings.Builder, s string) {
	if s == "" {
		b.WriteByte('_')
		return
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
}
