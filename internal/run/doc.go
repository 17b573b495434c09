// Package run holds what a task run shares with the boundary calls made
// inside it, and the helpers packages task and boundary both need, written
// once:
//
//   - Run: the modes, tape position, mocks and log of calls of one run,
//     reached by boundary calls through the context (NewContext,
//     FromContext). The log is a list of chunks that never move and are
//     reused from run to run (call_log.go).
//   - Tape: recorded calls indexed by boundary name and canonical input JSON.
//   - Instruments: the run and call duration histograms and one histogram per
//     metric set during runs.
//   - Recover and PanicError: a panic becomes an error wrapping ErrPanic,
//     with one message format ("panic: <value>").
//   - GoexitError: a function that called runtime.Goexit becomes an error
//     wrapping ErrGoexit, so its run or call still ends.
//   - Handle: background errors through otel.Handle, rate-limited per reason.
//   - PayloadLimit: HIVE_MAX_PAYLOAD_BYTES, read once.
//   - RunLimits: HIVE_MAX_RUN_CALLS and HIVE_MAX_RUN_BYTES, read once; a
//     run past its limits omits calls from its log and only counts them
//     (Begin, Omit, Omitted).
//   - CapturePolicy and DefaultRedactor: HIVE_REDACT_KEYS and
//     HIVE_CAPTURE_PAYLOADS, read once.
//   - NewUUID: record uuids (UUID v7).
//
// Nothing here is public API: users see boundary.New, boundary.Call and the
// options of package task.
package run
