// Package boundary provides typed boundaries: the doors through which a task
// reaches the outside world (HTTP, databases, the clock, randomness).
//
// A Boundary wraps a function. Every call makes an OpenTelemetry child span
// (span kind Client, named after the boundary) carrying the call's input and
// output as JSON, following the convention of package otelrecord. Inside a
// task run (package task: the context a task's function receives, or one
// derived from it) each call is also appended to the run's call log, may be
// answered by a mock (task.MockBoundary), and runs in one of four modes
// (task.WithMode, task.WithBoundaryMode, task.ReplayConfig):
//
//	Proxy       call the real function and record the call (the default)
//	ProxyPass   answer from the tape when it holds this input, else call
//	ProxyCatch  call; if the call fails and the tape holds this input, answer
//	            from the tape
//	Replay      answer from the tape; no recording is an error (ErrNoRecording)
//
// The tape holds recorded calls (task.WithTape, or the record a replay runs
// from), indexed by a hash of the canonical JSON of their input, so key
// order, whitespace and number formatting (1, 1.0, 1e0) do not matter and
// lookups never scan. When one input was recorded several times, the k-th
// call with that input gets the k-th recording.
//
// A Boundary (New) takes one argument; Boundary0, Boundary2 and Boundary3
// (New0, New2, New3) take none, two and three, and are otherwise the same in
// every respect. A call's recorded input is the JSON array of its arguments,
// as the TypeScript task package records it: [] for none, [3,7] for two, [x]
// for one. So a record made in either language answers the other's
// boundaries from a tape. A Replay-mode call that finds no recording because
// the tape's inputs of its boundary have another number of arguments fails
// with an error wrapping ErrArgCount beside ErrNoRecording.
//
// Outside any run a call still works and still makes a span, but nothing is
// recorded. A run's span payloads are redacted and capped as the task says
// (task.WithRedactKeys, task.WithCapturePayloads, task.WithMaxPayloadBytes);
// outside a run, by the process's settings (HIVE_REDACT_KEYS,
// HIVE_CAPTURE_PAYLOADS, HIVE_MAX_PAYLOAD_BYTES). The run's log, and so the
// record the task returns, keeps payloads unredacted.
//
// Recording never changes what a call does. An input or output with no JSON
// encoding (NaN, ±Inf, a channel, a func, a cyclic value) is passed to the
// function, or returned to the caller, unchanged, inside a run as outside
// one, in every mode and from a mock; only its record is null (an argument
// in its place in the input array: [null], [3,null]), with the encoding
// error noted: on the span in otelrecord.BoundaryUnencodableKey, and in the
// run's record metadata under otelrecord.UnencodableKey, which a record
// rebuilt from spans holds too.
// A tape cannot give such a value back: answering from a recording whose
// output was not encoded fails the call with ErrUnencodableRecording, and a
// Replay-mode call whose input has no encoding fails with
// ErrUnencodableInput (it cannot be looked up); neither ever answers with a
// zero value.
//
// A run keeps a bounded number of calls (task.WithMaxRunCalls,
// task.WithMaxRunBytes). A call past the bound runs exactly as any other and
// returns the same result; it is only counted in the run's record, and its
// span carries otelrecord.BoundaryOmittedKey instead of the run uuid,
// position and payloads.
package boundary
