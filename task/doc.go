// Package task runs units of work as Forge Hive tasks on OpenTelemetry.
//
// A Task wraps a function from a validated input to an output. Each run is
// an OpenTelemetry span (span kind Internal, named after the task) and
// produces an otelrecord.ExecutionRecord: the input, the output or error,
// every call of the task's boundaries (package boundary), the metadata and
// metrics set during the run (SetMetadata, SetMetrics), and the timing. The
// span carries everything the record holds, following the convention of
// package otelrecord, so a process that only sees the spans rebuilds the same
// record.
//
// Runs are independent: one task may run any number of times at once, and
// boundaries may be called from many goroutines inside one run. A panic in the
// task function or in a boundary function becomes an error; the process
// survives. A task or boundary function that ends its goroutine with
// runtime.Goexit (as t.FailNow does in a test) ends it, as Go says, but the
// run or call ends first, as a failure: its span ends with status Error and
// the run's record reaches the listeners.
//
// Records reach code through the return value of SafeRun, per-task listeners
// (AddListener, called synchronously once the record is complete) and global
// listeners (ListenExecutionRecords, called off the caller's path).
//
// SafeReplay runs a task again from a record, answering chosen boundaries
// (ReplayConfig.Boundaries, by name) or all of them (ReplayConfig.All) from
// the record's calls; a name the task does not declare is an error
// (ErrUnknownBoundary), returned before anything runs. The new record is the
// new run's: its metadata starts from the record's but for what describes
// that record (its trace and span id, otelrecord.MetadataIncomplete and the
// like). A record made by the TypeScript task package replays too: its calls'
// inputs are the arrays of their arguments, as Go boundaries of every arity
// record them (boundary.New0, New, New2, New3). MockBoundary (MockBoundary0,
// MockBoundary2, MockBoundary3 for the other arities) replaces a boundary's
// function for a task; AsBoundary lets one task call another as a boundary;
// Handler serves a task over HTTP.
//
// # Validation
//
// An input is checked before the task function runs, and a run whose input
// is invalid ends at once with a record of type error: the error is a
// *ValidationError (errors.Is ErrInvalidInput) listing every problem at
// once, as Forge Hive's zod issues do (ValidationError.Issues), each with the
// path of its value ("tags[1]", "address.zip"), a message and a code
// (CodeInvalidType, CodeTooSmall, …); the record's error joins them all. A
// struct input is checked against its `validate:"…"` struct tags
// (go-playground/validator). RunJSON also reports malformed JSON, every
// value of the wrong JSON type and every object member the input type has
// no field for: Describe's schema says additionalProperties: false, and
// RunJSON holds to it (names match without case, as encoding/json decodes
// them; maps take any key). Validate and ValidateJSON report the same
// problems as SafeRun and RunJSON without running anything: no span, no
// record, no boundary call.
//
// # Errors and settings
//
// Errors go back to the caller wherever there is one. Those that have none (a
// panicking listener, a record dropped for the busy global listeners, a
// boundary declared twice or a tape recording that cannot be indexed, which
// New and SafeReplay ignore) go to the OpenTelemetry error handler
// (otel.Handle, see otel.SetErrorHandler), rate-limited: one report per
// reason a minute, the next one saying how many were suppressed. The package
// never logs by itself.
//
// The environment is read once per process, at first use:
// HIVE_MAX_PAYLOAD_BYTES (EnvMaxPayloadBytes) sets the default payload limit
// of every task made afterwards and of boundary calls made outside any run;
// HIVE_MAX_RUN_CALLS and HIVE_MAX_RUN_BYTES (EnvMaxRunCalls,
// EnvMaxRunBytes) the default bounds of runs; HIVE_REDACT_KEYS and
// HIVE_CAPTURE_PAYLOADS (EnvRedactKeys, EnvCapturePayloads) the payload
// capture policy, also of boundary calls made outside any run.
//
// # Bounded runs
//
// A run keeps at most DefaultMaxRunCalls boundary calls holding at most
// DefaultMaxRunBytes payload bytes in its record (WithMaxRunCalls,
// WithMaxRunBytes), so no run exhausts memory. The calls past the bound run
// and return exactly as the others; the record leaves them out and counts
// them in its metadata (otelrecord.MetadataCallsOmitted, and the count and
// total duration per boundary under otelrecord.MetadataCallsOmittedPrefix).
// The record SafeRun returns and the one rebuilt from the spans are the same.
//
// # Payload capture
//
// Payloads leave the process redacted: in the spans (and so in the records
// rebuilt from them) and in the records listeners receive, the value of
// every object member whose key is sensitive (otelrecord.DefaultRedactKeys,
// HIVE_REDACT_KEYS, WithRedactKeys; any depth, ASCII case and '-'/'_'
// ignored) becomes otelrecord.RedactedValue, "[REDACTED]", and a custom rule
// may do more (WithRedactFunc). With payloads not captured
// (HIVE_CAPTURE_PAYLOADS=false, WithCapturePayloads(false)) every input and
// output is "[REDACTED]" while timing, errors and the calls themselves are
// kept. The record SafeRun returns to its caller is never redacted.
//
// A redacted record replays with its redacted values: a call answered from
// it returns "[REDACTED]" where the value was (decoding fails when the
// field is not a string), and a tape lookup by input finds no recording for
// a live input that held a redacted value (the recorded input holds the
// marker instead), so boundary.Replay answers ErrNoRecording and
// boundary.ProxyPass calls the real function.
package task
