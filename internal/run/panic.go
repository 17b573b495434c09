package run

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/trace"
)

// ErrPanic is wrapped by the error a recovered panic becomes (PanicError).
// Packages boundary and task export it as their ErrPanic.
var ErrPanic = errors.New("panic")

// PanicError turns a recovered panic value into an error wrapping ErrPanic,
// and the value too when it is an error. Its message is "panic: <value>".
func PanicError(r any) error {
	if e, ok := r.(error); ok {
		return fmt.Errorf("%w: %w", ErrPanic, e)
	}
	return fmt.Errorf("%w: %v", ErrPanic, r)
}

// Recover, deferred directly by a function with a named error result
// (defer run.Recover(span, &err)), turns a panic of that function into
// PanicError's error in *err and records it on span, with the stack, as an
// "exception" event. A nil span records nothing. Without a panic it does
// nothing.
func Recover(span trace.Span, err *error) {
	r := recover()
	if r == nil {
		return
	}
	*err = PanicError(r)
	if span != nil {
		span.RecordError(*err, trace.WithStackTrace(true))
	}
}
