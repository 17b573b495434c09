package task

import (
	"context"

	"github.com/hivetrace/hivetrace/boundary"
)

// AsBoundary returns a boundary, named after the task, whose function runs
// the task. Another task declares and calls it like any boundary: the call is
// recorded in the calling run, its span is a child of the caller's span, and
// the task run it makes is a child of that boundary span and produces its own
// record (delivered to the listeners as usual). The options configure the
// boundary for calls made outside any run.
func (t *Task[In, Out]) AsBoundary(opts ...boundary.Option) *boundary.Boundary[In, Out] {
	return boundary.New(t.name, func(ctx context.Context, in In) (Out, error) {
		return t.Run(ctx, in)
	}, opts...)
}
