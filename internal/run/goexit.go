package run

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/trace"
)

// ErrGoexit is wrapped by the error of a task run or boundary call whose
// function neither returned nor panicked: it ended its goroutine with
// runtime.Goexit, as testing.T's FailNow (and so testify's require) does.
// Go lets the goroutine end; the run or call still ends, as a failure with
// this error, so its span is ended and its record is complete.
var ErrGoexit = errors.New("function exited without returning (runtime.Goexit, as t.FailNow calls)")

// GoexitError returns the error of what (as "task <name>" or
// "boundary <name>") when its function called runtime.Goexit: it wraps
// ErrGoexit, and is recorded on span, with the stack of the Goexit call, as
// an "exception" event. A nil span records nothing.
//
// It is meant for the deferred function that tells a Goexit apart from a
// return and a panic: a flag set after the call returns (panics are
// recovered inside it, see Recover) is still unset only when the function
// called runtime.Goexit, and at that point the stack still holds the frames
// that led to it.
func GoexitError(span trace.Span, what string) error {
	err := fmt.Errorf("%s: %w", what, ErrGoexit)
	if span != nil {
		span.RecordError(err, trace.WithStackTrace(true))
	}
	return err
}
