package boundary

import (
	"errors"

	"github.com/hivetrace/hivetrace/internal/run"
)

// ErrNoRecording is wrapped by the error of a Replay-mode call for which the
// tape holds no unused recording. The error names the boundary and shows the
// call's input JSON.
var ErrNoRecording = errors.New("no recording")

// ErrPanic is wrapped by the error a recovered panic becomes; its message is
// "panic: <value>". When the panic value is an error, it is wrapped too.
// Package task's ErrPanic is the same error.
var ErrPanic = run.ErrPanic

// ErrMockType is wrapped by the error of a call whose mock has a function type
// other than the boundary's: task.MockBoundary ties a mock's type to the
// boundary it is given, so this happens only when two boundaries of different
// types share a name.
var ErrMockType = errors.New("boundary: mock has the wrong function type")

// ErrUnencodableRecording is wrapped by the error of a call answered from a
// recording whose output had no JSON encoding (NaN, ±Inf, a channel, a
// func, a cycle) and so was recorded as null: the tape cannot give the value
// back. The error names the boundary and the recorded encoding error.
var ErrUnencodableRecording = errors.New("recorded output has no JSON encoding")

// ErrUnencodableInput is wrapped by the error of a Replay-mode call whose
// input has no JSON encoding: such an input cannot be looked up on a tape.
var ErrUnencodableInput = errors.New("input has no JSON encoding")

// ErrArgCount is wrapped, beside ErrNoRecording, by the error of a
// Replay-mode call that found no recording because every recording of its
// boundary has an input of another length than the call's arguments: the
// tape was recorded by a boundary of another arity (a TypeScript boundary
// called with another number of arguments, or a Go boundary declared with
// New where New2 was meant). The error names both counts.
var ErrArgCount = errors.New("recorded inputs have another number of arguments")
