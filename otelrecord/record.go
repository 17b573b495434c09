package otelrecord

import (
	"encoding/json"
	"fmt"
)

// RecordType is the outcome of a task run as Hive reports it.
type RecordType string

// The record types Hive knows.
const (
	// TypeSuccess marks a run whose function returned without error.
	TypeSuccess RecordType = "success"
	// TypeError marks a run that failed: invalid input, an error returned by
	// the function, or a recovered panic.
	TypeError RecordType = "error"
	// TypePending marks a run that has started but not finished.
	TypePending RecordType = "pending"
)

// ExecutionRecord is everything one task run did: its input, its output or
// error, every boundary call, the metadata and metrics set during the run, and
// its timing.
//
// Input and Output hold raw JSON. A nil Output means "absent" (the run failed),
// while json.RawMessage("null") is an explicit null output; the two encode
// differently. Metadata and Metrics keep the difference between nil (the key
// is absent from the JSON) and empty (encoded as {} or []), so records made by
// other implementations re-encode to the same JSON.
type ExecutionRecord struct {
	// UUID identifies the run; a UUID v7 for runs made by this library.
	UUID string
	// TaskName is the name of the task that ran.
	TaskName string
	// Input is the task input as JSON.
	Input json.RawMessage
	// Output is the task output as JSON; nil when the run failed.
	Output json.RawMessage
	// Error is the error message of a failed run; empty on success.
	Error string
	// Type is the outcome of the run.
	Type RecordType
	// Boundaries maps every declared boundary name to its calls, in call start
	// order. A declared boundary that was not called maps to an empty slice.
	Boundaries map[string][]BoundaryRecord
	// Metadata is the string metadata set during the run.
	Metadata map[string]string
	// Metrics are the metrics set during the run, in the order they were set.
	Metrics []Metric
	// Timing is the run's timing; nil when the run never started (for
	// example, invalid input).
	Timing *TimingInfo
}

// BoundaryRecord is one call of a boundary.
type BoundaryRecord struct {
	// Input is the JSON array of the call's arguments.
	Input json.RawMessage `json:"input"`
	// Output is the call's result as JSON; nil when the call failed.
	Output json.RawMessage `json:"output,omitempty"`
	// Error is the call's error message; empty on success.
	Error string `json:"error,omitempty"`
	// Timing is the call's timing.
	Timing *TimingInfo `json:"timing,omitempty"`
}

// recordJSON is the wire shape of ExecutionRecord. Pointers to maps and slices
// let nil (absent) and empty ({} or []) encode differently.
type recordJSON struct {
	UUID       string                       `json:"uuid,omitempty"`
	TaskName   string                       `json:"taskName,omitempty"`
	Input      json.RawMessage              `json:"input,omitempty"`
	Output     json.RawMessage              `json:"output,omitempty"`
	Error      string                       `json:"error,omitempty"`
	Type       RecordType                   `json:"type,omitempty"`
	Boundaries *map[string][]BoundaryRecord `json:"boundaries,omitempty"`
	Metadata   *map[string]string           `json:"metadata,omitempty"`
	Metrics    *[]Metric                    `json:"metrics,omitempty"`
	Timing     *TimingInfo                  `json:"timing,omitempty"`
}

// MarshalJSON encodes the record in the Forge Hive shape. Declared boundaries
// without calls encode as [].
//
// The bytes are those encoding/json writes for the shape (HTML characters
// escaped, payloads compacted, map keys sorted), appended without
// reflection; a record encoding/json refuses (a non-finite number, an empty
// or invalid payload) fails with encoding/json's error.
func (r ExecutionRecord) MarshalJSON() ([]byte, error) {
	if b, ok := appendRecordJSON(make([]byte, 0, r.sizeHint()), &r); ok {
		return b, nil
	}
	return r.marshalReflect()
}

// marshalReflect encodes the record with encoding/json, for the error of a
// record appendRecordJSON refuses.
func (r ExecutionRecord) marshalReflect() ([]byte, error) {
	w := recordJSON{
		UUID:     r.UUID,
		TaskName: r.TaskName,
		Input:    r.Input,
		Output:   r.Output,
		Error:    r.Error,
		Type:     r.Type,
		Timing:   r.Timing,
	}
	if r.Boundaries != nil {
		b := r.Boundaries
		if hasNilCalls(b) {
			b = withEmptyCalls(b) // never mutate the caller's map
		}
		w.Boundaries = &b
	}
	if r.Metadata != nil {
		w.Metadata = &r.Metadata
	}
	if r.Metrics != nil {
		w.Metrics = &r.Metrics
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes a record in the Forge Hive shape.
func (r *ExecutionRecord) UnmarshalJSON(data []byte) error {
	var w recordJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("otelrecord: decode execution record: %w", err)
	}
	*r = ExecutionRecord{
		UUID:     w.UUID,
		TaskName: w.TaskName,
		Input:    w.Input,
		Output:   w.Output,
		Error:    w.Error,
		Type:     w.Type,
		Timing:   w.Timing,
	}
	if w.Boundaries != nil {
		r.Boundaries = *w.Boundaries
		for k, v := range r.Boundaries {
			if v == nil {
				r.Boundaries[k] = []BoundaryRecord{}
			}
		}
	}
	if w.Metadata != nil {
		r.Metadata = *w.Metadata
	}
	if w.Metrics != nil {
		r.Metrics = *w.Metrics
	}
	return nil
}

// Clone returns a deep copy of the record. Raw JSON payloads are shared, as
// they are never mutated in place by this library.
func (r *ExecutionRecord) Clone() *ExecutionRecord {
	if r == nil {
		return nil
	}
	c := *r
	if r.Boundaries != nil {
		c.Boundaries = make(map[string][]BoundaryRecord, len(r.Boundaries))
		for k, v := range r.Boundaries {
			c.Boundaries[k] = append([]BoundaryRecord{}, v...)
		}
	}
	if r.Metadata != nil {
		c.Metadata = make(map[string]string, len(r.Metadata))
		for k, v := range r.Metadata {
			c.Metadata[k] = v
		}
	}
	if r.Metrics != nil {
		c.Metrics = append([]Metric{}, r.Metrics...)
	}
	if r.Timing != nil {
		t := *r.Timing
		c.Timing = &t
	}
	return &c
}

func hasNilCalls(b map[string][]BoundaryRecord) bool {
	for _, calls := range b {
		if calls == nil {
			return true
		}
	}
	return false
}

// withEmptyCalls returns a copy of b where nil call lists are empty slices,
// so they encode as [].
func withEmptyCalls(b map[string][]BoundaryRecord) map[string][]BoundaryRecord {
	nb := make(map[string][]BoundaryRecord, len(b))
	for k, v := range b {
		if v == nil {
			v = []BoundaryRecord{}
		}
		nb[k] = v
	}
	return nb
}
