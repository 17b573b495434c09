package runner

import (
	"errors"
	"fmt"
)

// errHelp ends a command that printed its usage on request.
var errHelp = errors.New("help requested")

// errReported ends a command that failed and said why already.
var errReported = errors.New("failure reported")

// usageError is a command line that cannot be run as given.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
