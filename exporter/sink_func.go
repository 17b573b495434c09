package exporter

import (
	"context"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// SinkFunc is a Sink made of a function, for listeners and tests. It blocks
// and is safe for concurrent use exactly as much as the function is. A nil
// SinkFunc discards the records.
type SinkFunc func(ctx context.Context, records ...*otelrecord.ExecutionRecord) error

var _ Sink = SinkFunc(nil)

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, records ...*otelrecord.ExecutionRecord) error {
	if f == nil {
		return nil
	}
	return f(ctx, records...)
}
