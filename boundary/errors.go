package boundary

import "errors"

// ErrNoRecording is wrapped by the error of a Replay-mode call for which the
// tape holds no unused recording. The error names the boundary and shows the
// call's input JSON.
var ErrNoRecording = errors.New("no recording")

// ErrPanic is wrapped by the error a recovered panic becomes; its message is
// "panic: <value>". When the panic value is an error, it is wrapped too.
var ErrPanic = errors.New("panic")

// ErrMockType is wrapped by the error of a call whose mock has a function type
// other than the boundary's. Package task's typed MockBoundary prevents it.
var ErrMockType = errors.New("boundary: mock has the wrong function type")
