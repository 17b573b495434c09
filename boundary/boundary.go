package boundary

import (
	"context"
)

// Named is anything with a boundary name; every boundary type (Boundary,
// Boundary0, Boundary2, Boundary3) is one. Package task declares the
// boundaries a task uses through it.
type Named interface {
	Name() string
}

// Boundary is a typed door to the outside world: a function from In to Out
// whose every call makes a span and, inside a task run, is recorded, may be
// mocked, and may be answered from a tape. Its calls are recorded with the
// input [in]: the JSON array of its one argument. Boundary0, Boundary2 and
// Boundary3 take zero, two and three arguments. A Boundary is immutable and
// safe for concurrent use.
type Boundary[In, Out any] struct {
	engine[In, Out]
}

var _ Named = (*Boundary[int, int])(nil)

// New returns a boundary named name around fn. The name identifies the
// boundary in records, tapes, mocks and spans; it should be unique among the
// boundaries of a task. A nil fn makes every real call fail.
func New[In, Out any](name string, fn func(context.Context, In) (Out, error), opts ...Option) *Boundary[In, Out] {
	return &Boundary[In, Out]{newEngine(name, fn, oneArg[In, Out](), opts)}
}

// Name returns the boundary's name ("" for a nil boundary).
func (b *Boundary[In, Out]) Name() string {
	if b == nil {
		return ""
	}
	return b.name
}

// Call calls the boundary with in.
//
// The call is a child span of the span in ctx, named after the boundary, with
// the input and output (or error) as JSON attributes. When ctx belongs to a
// task run (ctx passed to a task's function, or derived from it), the call
// runs in the run's mode for this boundary, uses the run's mock if any, and
// is appended to the run's log with its input and output snapshotted as JSON
// at call time. Outside any run the real function is called and nothing is
// recorded. A call that outlives its run (it begins after the run has ended)
// behaves as inside it but is left out of the run's record; so does a call
// past the run's bound (task.WithMaxRunCalls), which the record counts. The
// span's payloads are redacted (task.WithRedactKeys); the log's are not. An
// input or output with no JSON encoding changes nothing of the call: it is
// recorded as null, with a note (see the package doc).
//
// A panic in the function is recovered and returned as an error wrapping
// ErrPanic; the stack is kept in an "exception" event of the span. Call is
// safe for concurrent use, also by many goroutines of one run.
func (b *Boundary[In, Out]) Call(ctx context.Context, in In) (Out, error) {
	return b.call(ctx, in)
}
