// Package otlpsink delivers the spans of task runs to an OTLP/HTTP traces
// endpoint: Sink is the exporter.SpanSink to give exporter.NewRunSpanProcessor,
// for a receiver that rebuilds the records from the spans itself, as Hive's
// OTLP endpoint does (NewHive; otelsetup.Setup builds one when
// HIVE_TRANSPORT=otlp).
//
// Each DeliverSpans call is one POST of an OTLP ExportTraceServiceRequest,
// protobuf, gzip-compressed (OTLP/HTTP, "http/protobuf"). The runs' spans
// keep the resource and instrumentation scopes they were made under; runs
// of the same resource go in one ResourceSpans, and the resource of every
// request carries the attributes given with WithResourceAttributes (for
// Hive, the project: otlpspan.ProjectUUIDKey and otlpspan.ProjectNameKey).
//
// The answers are handled as the OTLP/HTTP specification says. A 2xx answer
// delivers the batch; its partial_success, when it rejected spans or carries
// a message, is returned as an *exporter.PartialSuccessError, so the record
// processor counts the rejected spans (exporter.DropReasonPartialSuccess)
// and never sends them again. 429, 502, 503 and 504 answers and network
// failures hand the runs back (an *exporter.DeliveryError with Runs, and
// RetryAfter from the answer's Retry-After header), so the processor
// delivers them again after its backoff, no sooner than the receiver asked.
// A 413 answer splits a batch of several runs in two halves sent at once;
// every other answer (400 among them) refuses the runs for good
// (exporter.ErrRejected), with the message of the answer's google.rpc.Status.
// So a single run too large for the receiver is refused: the sink never
// cuts spans (their payloads were capped when written, HIVE_MAX_PAYLOAD_BYTES),
// where the log-ingest sink (package hivesink) stores such a record with its
// largest payloads trimmed and marked otelrecord.MetadataTrimmed.
//
// Like every exporter.Sink, the Sink sends synchronously and keeps no queue
// and no retry loop of its own: the record processor holds the queue, the
// spool, the backoff and the count of what is dropped.
package otlpsink
