package runner

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/task"
)

// Task is what the runner needs of a task, whatever its input and output
// types: *task.Task[In, Out] implements it, so tasks of different type
// parameters register together.
type Task interface {
	// Name returns the task's name.
	Name() string
	// Description returns the task's description.
	Description() string
	// Boundaries returns the names of the declared boundaries.
	Boundaries() []string
	// Describe returns the JSON Schema of the task's input.
	Describe() json.RawMessage
	// RunJSON runs the task with a JSON input.
	RunJSON(ctx context.Context, input json.RawMessage) (json.RawMessage, *otelrecord.ExecutionRecord, error)
	// ReplayJSON replays a record of the task.
	ReplayJSON(ctx context.Context, rec *otelrecord.ExecutionRecord, cfg task.ReplayConfig) (json.RawMessage, *otelrecord.ExecutionRecord, error)
	// Handler returns the task's http.Handler.
	Handler() http.Handler
}

var _ Task = (*task.Task[int, int])(nil)
