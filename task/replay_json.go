package task

import (
	"context"
	"encoding/json"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// ReplayJSON replays rec like SafeReplay and returns the new run's output
// as JSON (the new record's output; nil when the run failed) instead of an
// Out, as RunJSON does for SafeRun. Like SafeReplay, a cfg it refuses is an
// error with a nil record. It lets code that handles tasks of different
// input and output types alike (a command-line runner, a test helper)
// replay any of them.
func (t *Task[In, Out]) ReplayJSON(ctx context.Context, rec *otelrecord.ExecutionRecord, cfg ReplayConfig) (json.RawMessage, *otelrecord.ExecutionRecord, error) {
	_, out, err := t.SafeReplay(ctx, rec, cfg)
	if out == nil {
		return nil, nil, err
	}
	return out.Output, out, err
}
