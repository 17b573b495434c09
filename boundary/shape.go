package boundary

import (
	"context"
	"fmt"
	"reflect"
)

// shape is what the arity of a boundary changes in its engine: how a call's
// arguments encode to the JSON array its record holds, and which function
// type a mock of the boundary has.
type shape[Args, Out any] struct {
	// n is the number of arguments.
	n int
	// encode returns the JSON array of the arguments; an argument with no
	// JSON encoding is written null, and the error says which.
	encode func(Args) ([]byte, error)
	// mock returns the function a run's mock (as package task stores it:
	// the function type of the boundary's constructor) stands for; ok is
	// false when m has another type.
	mock func(m any) (fn func(context.Context, Args) (Out, error), ok bool)
	// signature is the function type mocks must have, for errors.
	signature func() string
}

// oneArg is the shape of a Boundary: its Args is its one argument, recorded
// as [in].
func oneArg[In, Out any]() *shape[In, Out] {
	return &shape[In, Out]{
		n:      1,
		encode: marshalArgs[In],
		mock: func(m any) (func(context.Context, In) (Out, error), bool) {
			f, ok := m.(func(context.Context, In) (Out, error))
			return f, ok
		},
		signature: func() string { return signature[Out](reflect.TypeFor[In]()) },
	}
}

// noArgs is the shape of a Boundary0, recorded as [].
func noArgs[Out any]() *shape[args0, Out] {
	return &shape[args0, Out]{
		n:      0,
		encode: encodeArgs0,
		mock: func(m any) (func(context.Context, args0) (Out, error), bool) {
			f, ok := m.(func(context.Context) (Out, error))
			if !ok {
				return nil, false
			}
			return adapt0(f), true
		},
		signature: func() string { return signature[Out]() },
	}
}

// twoArgs is the shape of a Boundary2, recorded as [a, b].
func twoArgs[A, B, Out any]() *shape[args2[A, B], Out] {
	return &shape[args2[A, B], Out]{
		n:      2,
		encode: encodeArgs2[A, B],
		mock: func(m any) (func(context.Context, args2[A, B]) (Out, error), bool) {
			f, ok := m.(func(context.Context, A, B) (Out, error))
			if !ok {
				return nil, false
			}
			return adapt2(f), true
		},
		signature: func() string { return signature[Out](reflect.TypeFor[A](), reflect.TypeFor[B]()) },
	}
}

// threeArgs is the shape of a Boundary3, recorded as [a, b, c].
func threeArgs[A, B, C, Out any]() *shape[args3[A, B, C], Out] {
	return &shape[args3[A, B, C], Out]{
		n:      3,
		encode: encodeArgs3[A, B, C],
		mock: func(m any) (func(context.Context, args3[A, B, C]) (Out, error), bool) {
			f, ok := m.(func(context.Context, A, B, C) (Out, error))
			if !ok {
				return nil, false
			}
			return adapt3(f), true
		},
		signature: func() string {
			return signature[Out](reflect.TypeFor[A](), reflect.TypeFor[B](), reflect.TypeFor[C]())
		},
	}
}

// adapt0 returns f as a function of the engine of a Boundary0; nil stays nil.
func adapt0[Out any](f func(context.Context) (Out, error)) func(context.Context, args0) (Out, error) {
	if f == nil {
		return nil
	}
	return func(ctx context.Context, _ args0) (Out, error) { return f(ctx) }
}

// adapt2 returns f as a function of the engine of a Boundary2; nil stays nil.
func adapt2[A, B, Out any](f func(context.Context, A, B) (Out, error)) func(context.Context, args2[A, B]) (Out, error) {
	if f == nil {
		return nil
	}
	return func(ctx context.Context, x args2[A, B]) (Out, error) { return f(ctx, x.a, x.b) }
}

// adapt3 returns f as a function of the engine of a Boundary3; nil stays nil.
func adapt3[A, B, C, Out any](f func(context.Context, A, B, C) (Out, error)) func(context.Context, args3[A, B, C]) (Out, error) {
	if f == nil {
		return nil
	}
	return func(ctx context.Context, x args3[A, B, C]) (Out, error) { return f(ctx, x.a, x.b, x.c) }
}

// signature returns "func(context.Context, <args>) (<Out>, error)".
func signature[Out any](args ...reflect.Type) string {
	s := "func(context.Context"
	for _, a := range args {
		s += ", " + a.String()
	}
	return fmt.Sprintf("%s) (%v, error)", s, reflect.TypeFor[Out]())
}
