package boundary

import "context"

// Boundary0 is a boundary whose function takes no argument besides its
// context: a clock, a random source, a configuration read. Its calls are
// recorded with the input [], as the TypeScript task package records a call
// without arguments, and are otherwise exactly those of a Boundary: spans,
// modes, tapes, mocks (task.MockBoundary0), redaction and bounds. A
// Boundary0 is immutable and safe for concurrent use.
type Boundary0[Out any] struct {
	engine[args0, Out]
}

// Boundary2 is a boundary whose function takes two arguments. Its calls are
// recorded with the input [a, b], as the TypeScript task package records a
// call with two arguments, and are otherwise exactly those of a Boundary
// (mocks: task.MockBoundary2). A Boundary2 is immutable and safe for
// concurrent use.
type Boundary2[A, B, Out any] struct {
	engine[args2[A, B], Out]
}

// Boundary3 is a boundary whose function takes three arguments. Its calls
// are recorded with the input [a, b, c], and are otherwise exactly those of a
// Boundary (mocks: task.MockBoundary3). A Boundary3 is immutable and safe
// for concurrent use.
type Boundary3[A, B, C, Out any] struct {
	engine[args3[A, B, C], Out]
}

var (
	_ Named = (*Boundary0[int])(nil)
	_ Named = (*Boundary2[int, int, int])(nil)
	_ Named = (*Boundary3[int, int, int, int])(nil)
)

// New0 returns a boundary named name around fn, a function of no argument,
// as New does for one.
func New0[Out any](name string, fn func(context.Context) (Out, error), opts ...Option) *Boundary0[Out] {
	return &Boundary0[Out]{newEngine(name, adapt0(fn), noArgs[Out](), opts)}
}

// New2 returns a boundary named name around fn, a function of two
// arguments, as New does for one.
func New2[A, B, Out any](name string, fn func(context.Context, A, B) (Out, error), opts ...Option) *Boundary2[A, B, Out] {
	return &Boundary2[A, B, Out]{newEngine(name, adapt2(fn), twoArgs[A, B, Out](), opts)}
}

// New3 returns a boundary named name around fn, a function of three
// arguments, as New does for one.
func New3[A, B, C, Out any](name string, fn func(context.Context, A, B, C) (Out, error), opts ...Option) *Boundary3[A, B, C, Out] {
	return &Boundary3[A, B, C, Out]{newEngine(name, adapt3(fn), threeArgs[A, B, C, Out](), opts)}
}

// Name returns the boundary's name ("" for a nil boundary).
func (b *Boundary0[Out]) Name() string {
	if b == nil {
		return ""
	}
	return b.name
}

// Name returns the boundary's name ("" for a nil boundary).
func (bd *Boundary2[A, B, Out]) Name() string {
	if bd == nil {
		return ""
	}
	return bd.name
}

// Name returns the boundary's name ("" for a nil boundary).
func (bd *Boundary3[A, B, C, Out]) Name() string {
	if bd == nil {
		return ""
	}
	return bd.name
}

// Call calls the boundary, exactly as Boundary.Call calls a one-argument
// boundary; the call's recorded input is [].
func (b *Boundary0[Out]) Call(ctx context.Context) (Out, error) {
	return b.call(ctx, args0{})
}

// Call calls the boundary with a and b, exactly as Boundary.Call calls a
// one-argument boundary; the call's recorded input is [a, b]. A tape answers
// it from a recording whose input is an equal array of two.
func (bd *Boundary2[A, B, Out]) Call(ctx context.Context, a A, b B) (Out, error) {
	return bd.call(ctx, args2[A, B]{a, b})
}

// Call calls the boundary with a, b and c, exactly as Boundary.Call calls a
// one-argument boundary; the call's recorded input is [a, b, c].
func (bd *Boundary3[A, B, C, Out]) Call(ctx context.Context, a A, b B, c C) (Out, error) {
	return bd.call(ctx, args3[A, B, C]{a, b, c})
}
