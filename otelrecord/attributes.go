package otelrecord

import "go.opentelemetry.io/otel/attribute"

// The span attribute convention.
//
// A task run is one span (the "task-run span") and each boundary call made
// during it is one span (a "boundary span"), normally a child of the task-run
// span. Everything a record needs travels in these spans, so a process that
// only sees them (an SDK span processor, a collector, a server receiving OTLP,
// a reader of Jaeger's API) can rebuild the record. Spans of one run may
// arrive in several batches and in any order.
//
// Span names: the task-run span is named after the task; a boundary span is
// named after the boundary. Names are for people; rebuilders read attributes.
//
// Timing: a record's TimingInfo is NewTiming(span start, span end) of the
// task-run span, and a boundary call's TimingInfo is the same of its boundary
// span. No timing attribute exists; the span timestamps are the truth.
//
// Payloads (inputs, outputs) are JSON text in string attributes. They are
// first redacted by the payload capture policy (see Redactor: the values of
// sensitive keys become RedactedValue, or every payload does when payloads
// are not captured), then a payload larger than the configured limit is
// replaced by a truncation marker (see Truncate), never cut silently. A
// rebuilt record therefore holds the redacted payloads.
//
// Bounded runs: a run keeps at most a configured number of boundary calls,
// holding at most a configured number of payload bytes, in its record. The
// calls past the bound still run and still have a span, but that span has
// hive.boundary.omitted instead of hive.run.uuid, hive.boundary.seq and
// payloads, so it belongs to no record; hive.task.boundary_calls counts the
// calls kept, and the metadata (hive.task.metadata) says what was left out
// under MetadataCallsOmitted and MetadataCallsOmittedPrefix+<boundary>.
//
// Task-run span attributes:
//
//	hive.kind                  "task"
//	hive.task.name             task name
//	hive.run.uuid              the record uuid (UUID v7)
//	hive.task.boundaries       []string, every declared boundary name
//	hive.task.input            JSON of the input (set at start)
//	hive.task.output           JSON of the output; absent when the run failed
//	hive.task.error            error message; absent on success
//	hive.record.type           "success" | "error"
//	hive.task.invalid_input    true when input validation failed: the record
//	                           has no timing and no boundary calls
//	hive.task.boundary_calls   int, number of boundary calls the record holds:
//	                           those the run made, less those past its bound
//	                           (set when the span ends; a rebuilder holding
//	                           fewer boundary spans knows the record is partial)
//	hive.task.metadata         JSON object of all metadata (set at end)
//	hive.task.metrics          JSON array of all metrics (set at end)
//	hive.task.replay_from      uuid of the record a replay ran from, if any
//	hive.metadata.<key>        each metadata entry, for search in backends
//
// Each metric set during the run is also a span event named "hive.metric"
// with attributes hive.metric.type, hive.metric.name and hive.metric.value.
// Rebuilders read hive.task.metrics, which is not bound by the per-span event
// limit; events are for people browsing traces.
//
// Boundary span attributes:
//
//	hive.kind                  "boundary"
//	hive.boundary.name         boundary name
//	hive.run.uuid              uuid of the run that made the call; absent for
//	                           calls made outside any run (such spans are not
//	                           part of any record)
//	hive.boundary.seq          int, 0-based position of the call in the run's
//	                           log, ordered by call start
//	hive.boundary.input        JSON array of the call's arguments
//	hive.boundary.output       JSON of the result; absent when the call failed
//	hive.boundary.error        error message; absent on success
//	hive.boundary.mode         "proxy-pass" | "proxy-catch" | "replay"; absent
//	                           means "proxy", the default
//	hive.boundary.from_tape    true when the answer came from the tape; absent
//	                           means false
//	hive.boundary.omitted      true on the span of a call past its run's bound:
//	                           such a span has no hive.run.uuid, seq, input or
//	                           output, and rebuilders leave it out
//	hive.boundary.unencodable  why the input or output has no JSON encoding
//	                           (NaN, ±Inf, a channel, a func, a cycle): the
//	                           payload is then null, and the call succeeded
//	                           all the same; absent otherwise
//
// Defaults are left out so that the common call (proxy mode, answered by the
// real function) carries as few attributes as possible: each attribute is
// copied several times by an SDK span. For the same reason a boundary span
// gets hive.kind when it starts (samplers see it) and every other attribute
// in one call when it ends.
//
// A failed run or call also has span status Error with the error message. A
// recovered panic adds an "exception" event with exception.message and
// exception.stacktrace (OTel semantic conventions).
//
// The record metadata of a run made by this library carries the trace and span
// id of its task-run span under MetadataTraceID and MetadataSpanID.
const (
	// KindKey marks a span as part of the convention: KindTask or KindBoundary.
	KindKey = attribute.Key("hive.kind")
	// RunUUIDKey is the record uuid, on the task-run span and its boundary spans.
	RunUUIDKey = attribute.Key("hive.run.uuid")

	// TaskNameKey is the task name.
	TaskNameKey = attribute.Key("hive.task.name")
	// TaskBoundariesKey lists the declared boundary names ([]string).
	TaskBoundariesKey = attribute.Key("hive.task.boundaries")
	// TaskInputKey is the JSON of the task input.
	TaskInputKey = attribute.Key("hive.task.input")
	// TaskOutputKey is the JSON of the task output; absent when the run failed.
	TaskOutputKey = attribute.Key("hive.task.output")
	// TaskErrorKey is the error message of a failed run.
	TaskErrorKey = attribute.Key("hive.task.error")
	// RecordTypeKey is the record type: "success" or "error".
	RecordTypeKey = attribute.Key("hive.record.type")
	// TaskInvalidInputKey is true when input validation failed.
	TaskInvalidInputKey = attribute.Key("hive.task.invalid_input")
	// TaskBoundaryCallsKey is the number of boundary calls the run made.
	TaskBoundaryCallsKey = attribute.Key("hive.task.boundary_calls")
	// TaskMetadataKey is the JSON object of all metadata of the run.
	TaskMetadataKey = attribute.Key("hive.task.metadata")
	// TaskMetricsKey is the JSON array of all metrics of the run.
	TaskMetricsKey = attribute.Key("hive.task.metrics")
	// TaskReplayFromKey is the uuid of the record a replay ran from.
	TaskReplayFromKey = attribute.Key("hive.task.replay_from")
	// MetadataKeyPrefix prefixes the per-entry metadata attributes.
	MetadataKeyPrefix = "hive.metadata."

	// BoundaryNameKey is the boundary name.
	BoundaryNameKey = attribute.Key("hive.boundary.name")
	// BoundarySeqKey is the call's 0-based position in the run's log.
	BoundarySeqKey = attribute.Key("hive.boundary.seq")
	// BoundaryInputKey is the JSON array of the call's arguments.
	BoundaryInputKey = attribute.Key("hive.boundary.input")
	// BoundaryOutputKey is the JSON of the call's result.
	BoundaryOutputKey = attribute.Key("hive.boundary.output")
	// BoundaryErrorKey is the call's error message.
	BoundaryErrorKey = attribute.Key("hive.boundary.error")
	// BoundaryModeKey is the mode the call ran in; absent for proxy.
	BoundaryModeKey = attribute.Key("hive.boundary.mode")
	// BoundaryFromTapeKey is true when the answer came from the tape; absent
	// otherwise.
	BoundaryFromTapeKey = attribute.Key("hive.boundary.from_tape")
	// BoundaryUnencodableKey says which payload of the call ("input" or
	// "output") has no JSON encoding, and why; that payload is recorded as
	// null. Absent when both were encoded.
	BoundaryUnencodableKey = attribute.Key("hive.boundary.unencodable")
	// BoundaryOmittedKey is true on the span of a call its run left out of
	// its record, being past the run's bound; absent otherwise.
	BoundaryOmittedKey = attribute.Key("hive.boundary.omitted")

	// MetricEventName names the span event written for each metric.
	MetricEventName = "hive.metric"
	// MetricTypeKey is the metric type on a metric event.
	MetricTypeKey = attribute.Key("hive.metric.type")
	// MetricNameKey is the metric name on a metric event.
	MetricNameKey = attribute.Key("hive.metric.name")
	// MetricValueKey is the metric value (float64) on a metric event.
	MetricValueKey = attribute.Key("hive.metric.value")

	// MetadataTraceID is the record metadata key holding the hex trace id of
	// the task-run span.
	MetadataTraceID = "trace_id"
	// MetadataSpanID is the record metadata key holding the hex span id of the
	// task-run span.
	MetadataSpanID = "span_id"
	// MetadataTrimmed is the record metadata key a sender sets when the
	// server refused the record as too large and it sent the record again
	// with its largest payloads (input, output, boundary call inputs and
	// outputs) replaced by truncation markers (see Truncate); the value is
	// the record's original JSON size in bytes, in decimal.
	MetadataTrimmed = "hive.trimmed"
	// MetadataUnencodablePrefix prefixes the record metadata keys that note
	// a value with no JSON encoding (NaN, ±Inf, a channel, a func, a cycle),
	// recorded as null: "task.input" and "task.output" for the task's, and
	// "<boundary>.<i>.input" and "<boundary>.<i>.output" for the i-th
	// (0-based) call of a boundary in the record. The value is the encoding
	// error. Such a record travels in the metadata, so a record rebuilt from
	// spans holds the same notes; a replay cannot answer a call whose output
	// was not recorded (see UnencodableOutputs).
	MetadataUnencodablePrefix = "hive.unencodable."
)

// Values of KindKey.
const (
	// KindTask marks a task-run span.
	KindTask = "task"
	// KindBoundary marks a boundary span.
	KindBoundary = "boundary"
)

// Attribute keys of hivetrace's own metric instruments. They are not span
// attributes: rebuilders never read them. The instruments also carry
// TaskNameKey, BoundaryNameKey, BoundaryModeKey and BoundaryFromTapeKey.
const (
	// OutcomeKey says how what was measured ended. On the task-run and
	// boundary-call duration histograms it is OutcomeSuccess or OutcomeError;
	// on the record counter of the Hive log client's listener it is
	// "delivered", "failed", "dropped" or "silent".
	OutcomeKey = attribute.Key("hive.outcome")
	// DropReasonKey says why the record processor dropped records, on its
	// dropped-records counter (hive.processor.records.dropped); the values are
	// the exporter package's DropReason… constants.
	DropReasonKey = attribute.Key("hive.drop.reason")
)

// Values of OutcomeKey on the duration histograms.
const (
	// OutcomeSuccess: the run or call succeeded.
	OutcomeSuccess = "success"
	// OutcomeError: the run or call failed.
	OutcomeError = "error"
)
