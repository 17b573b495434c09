package task

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"

	"go.opentelemetry.io/otel/trace"

	"github.com/hivetrace/hivetrace/internal/run"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// ErrNoRun is wrapped by the error of SetMetadata and SetMetrics called
// outside a task run, or after the run has ended.
var ErrNoRun = errors.New("task: not inside a task run")

// ErrEmptyMetadataKey is wrapped by the error of SetMetadata called with an
// empty key.
var ErrEmptyMetadataKey = errors.New("task: empty metadata key")

// runState is what SetMetadata and SetMetrics reach through the context of a
// run: the run's metadata, metrics and span.
type runState struct {
	taskName    string
	span        trace.Span
	inst        *run.Instruments
	mockMeta    MetadataFunc
	mockMetrics MetricsFunc

	mu       sync.Mutex
	ended    bool
	metadata map[string]string
	metrics  []otelrecord.Metric
}

type stateKey struct{}

func stateFromContext(ctx context.Context) *runState {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(stateKey{}).(*runState)
	return s
}

// end closes the state and returns copies of the metadata and metrics.
func (s *runState) end() (map[string]string, []otelrecord.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	return maps.Clone(s.metadata), append([]otelrecord.Metric{}, s.metrics...)
}

// MetadataFunc is the signature of SetMetadata, used to mock it.
type MetadataFunc func(ctx context.Context, key, value string) error

// MetricsFunc is the signature of SetMetrics, used to mock it.
type MetricsFunc func(ctx context.Context, m otelrecord.Metric) error

// SetMetadata sets a metadata entry of the current run; ctx must come from
// inside a run (the task function, or a boundary function called from it).
// Setting a key again replaces its value. The entry is kept in the record even
// when the run fails later, and becomes the span attribute hive.metadata.<key>
// of the task-run span.
//
// When the task mocks SetMetadata (MockSetMetadata), the mock is called
// instead and nothing is recorded. SetMetadata is safe for concurrent use.
func SetMetadata(ctx context.Context, key, value string) error {
	s := stateFromContext(ctx)
	if s == nil {
		return fmt.Errorf("set metadata %q: %w", key, ErrNoRun)
	}
	if s.mockMeta != nil {
		return s.mockMeta(ctx, key, value)
	}
	if key == "" {
		return fmt.Errorf("set metadata: %w", ErrEmptyMetadataKey)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return fmt.Errorf("set metadata %q: run has ended: %w", key, ErrNoRun)
	}
	s.metadata[key] = value
	return nil
}

// SetMetrics adds a metric to the current run; ctx must come from inside a
// run. An invalid metric (see otelrecord.Metric.Validate) returns an error
// wrapping otelrecord.ErrInvalidMetric, is not recorded, and the run goes on.
// An accepted metric is kept in the record even when the run fails later,
// becomes a "hive.metric" event of the task-run span, and is recorded by the
// task's metric instruments.
//
// When the task mocks SetMetrics (MockSetMetrics), the mock is called instead
// and nothing is recorded. SetMetrics is safe for concurrent use.
func SetMetrics(ctx context.Context, m otelrecord.Metric) error {
	s := stateFromContext(ctx)
	if s == nil {
		return fmt.Errorf("set metric %s/%s: %w", m.Type, m.Name, ErrNoRun)
	}
	if s.mockMetrics != nil {
		return s.mockMetrics(ctx, m)
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("set metric %q/%q: %w", m.Type, m.Name, err)
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return fmt.Errorf("set metric %s/%s: run has ended: %w", m.Type, m.Name, ErrNoRun)
	}
	s.metrics = append(s.metrics, m)
	s.mu.Unlock()
	if s.span.IsRecording() {
		s.span.AddEvent(otelrecord.MetricEventName, trace.WithAttributes(
			otelrecord.MetricTypeKey.String(m.Type),
			otelrecord.MetricNameKey.String(m.Name),
			otelrecord.MetricValueKey.Float64(m.Value)))
	}
	s.inst.Metric(ctx, s.taskName, m)
	return nil
}
