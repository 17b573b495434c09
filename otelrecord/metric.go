package otelrecord

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidMetric is wrapped by every error that rejects a metric.
var ErrInvalidMetric = errors.New("invalid metric")

// Metric is a named numeric value set during a task run, such as a business
// score or a count of processed items.
type Metric struct {
	// Type groups metrics, for example "business" or "performance".
	Type string `json:"type"`
	// Name names the metric within its type.
	Name string `json:"name"`
	// Value is the metric's value; it must be finite.
	Value float64 `json:"value"`
}

// NewMetric returns a validated metric.
func NewMetric(typ, name string, value float64) (Metric, error) {
	m := Metric{Type: typ, Name: name, Value: value}
	if err := m.Validate(); err != nil {
		return Metric{}, err
	}
	return m, nil
}

// Validate reports whether the metric has a non-empty type and name and a
// finite value. The error names the offending field and wraps
// ErrInvalidMetric.
func (m Metric) Validate() error {
	var errs []error
	if m.Type == "" {
		errs = append(errs, fmt.Errorf("%w: type must not be empty", ErrInvalidMetric))
	}
	if m.Name == "" {
		errs = append(errs, fmt.Errorf("%w: name must not be empty", ErrInvalidMetric))
	}
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		errs = append(errs, fmt.Errorf("%w: value must be a finite number, got %v", ErrInvalidMetric, m.Value))
	}
	return errors.Join(errs...)
}
