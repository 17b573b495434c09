package task

import (
	"context"
	"errors"
	"fmt"

	"github.com/hivetrace/hivetrace/boundary"
)

// ErrNotDeclared is wrapped by the error of MockBoundary for a boundary the
// task does not declare.
var ErrNotDeclared = errors.New("task: boundary not declared")

// MockBoundary makes runs of t that start from now on call fn instead of b's
// real function. The types tie fn to b, so a mock with the wrong signature
// does not compile. b must be declared on t (WithBoundaries); otherwise the
// error wraps ErrNotDeclared. A mocked call is recorded like any other, and
// the boundary's mode still applies (in Replay mode the tape answers; fn
// stands in for the real function everywhere else). A nil fn removes the
// mock.
func MockBoundary[TI, TO, BI, BO any](t *Task[TI, TO], b *boundary.Boundary[BI, BO], fn func(context.Context, BI) (BO, error)) error {
	if t == nil || b == nil {
		return fmt.Errorf("task: mock boundary: nil task or boundary")
	}
	name := b.Name()
	if !t.declared[name] {
		return fmt.Errorf("mock boundary %s on task %s: %w", name, t.name, ErrNotDeclared)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if fn == nil {
		delete(t.mocks, name)
		return nil
	}
	if t.mocks == nil {
		t.mocks = make(map[string]any)
	}
	t.mocks[name] = fn
	return nil
}

// ResetMock removes the mock of the named boundary, if any.
func (t *Task[In, Out]) ResetMock(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.mocks, name)
}

// ResetMocks removes every mock of the task, including those of SetMetadata
// and SetMetrics.
func (t *Task[In, Out]) ResetMocks() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mocks = nil
	t.mockMeta = nil
	t.mockMetrics = nil
}

// MockSetMetadata makes SetMetadata, in runs of t that start from now on,
// call fn instead of recording; its result is SetMetadata's. A nil fn
// removes the mock.
func (t *Task[In, Out]) MockSetMetadata(fn MetadataFunc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mockMeta = fn
}

// MockSetMetrics makes SetMetrics, in runs of t that start from now on, call
// fn instead of recording; its result is SetMetrics'. A nil fn removes the
// mock.
func (t *Task[In, Out]) MockSetMetrics(fn MetricsFunc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mockMetrics = fn
}
