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
	if b == nil {
		return errNilMock(t)
	}
	return t.setMock(b.Name(), fn, fn == nil)
}

// MockBoundary0 is MockBoundary for a boundary of no argument (boundary.New0).
func MockBoundary0[TI, TO, BO any](t *Task[TI, TO], b *boundary.Boundary0[BO], fn func(context.Context) (BO, error)) error {
	if b == nil {
		return errNilMock(t)
	}
	return t.setMock(b.Name(), fn, fn == nil)
}

// MockBoundary2 is MockBoundary for a boundary of two arguments
// (boundary.New2).
func MockBoundary2[TI, TO, A, B, BO any](t *Task[TI, TO], b *boundary.Boundary2[A, B, BO], fn func(context.Context, A, B) (BO, error)) error {
	if b == nil {
		return errNilMock(t)
	}
	return t.setMock(b.Name(), fn, fn == nil)
}

// MockBoundary3 is MockBoundary for a boundary of three arguments
// (boundary.New3).
func MockBoundary3[TI, TO, A, B, C, BO any](t *Task[TI, TO], b *boundary.Boundary3[A, B, C, BO], fn func(context.Context, A, B, C) (BO, error)) error {
	if b == nil {
		return errNilMock(t)
	}
	return t.setMock(b.Name(), fn, fn == nil)
}

// errNilMock is the error of a MockBoundary function given a nil task or
// boundary.
func errNilMock[In, Out any](*Task[In, Out]) error {
	return errors.New("task: mock boundary: nil task or boundary")
}

// setMock makes fn, a function with the boundary's own signature, the mock
// of the boundary name in runs that start from now on; remove (fn is nil)
// removes it.
func (t *Task[In, Out]) setMock(name string, fn any, remove bool) error {
	if t == nil {
		return errNilMock(t)
	}
	if !t.declared[name] {
		return fmt.Errorf("mock boundary %s on task %s: %w", name, t.name, ErrNotDeclared)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if remove {
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
