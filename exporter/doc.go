// Package exporter turns the spans of task runs into ExecutionRecords and
// wires hivetrace into an OpenTelemetry pipeline.
//
// NewRecordProcessor is an sdktrace.SpanProcessor: it keeps the boundary
// spans of open task runs and, when a task-run span ends, rebuilds the run's
// record (otelrecord.RebuildRun) and delivers it to a Sink on its own
// goroutine, the same spans going on to any exporter as standard telemetry.
// SinkFunc and JSONLinesSink are two sinks; package hivesink holds the one
// that sends to Hive.
//
// otelsetup.Setup builds and installs the OTel globals from the standard OTEL_*
// environment: resource, OTLP (gRPC by default) span exporter and metric
// reader through contrib autoexport, W3C propagators, a sampler wrapped with
// RecordHiveSpans so records never depend on the sampling ratio, and the
// record processor, which delivers to the sink given with WithSink or, when
// HIVE_API_KEY is set, to a hivesink.Sink configured by the HIVE_*
// environment (or, with HIVE_TRANSPORT=otlp, the run-span processor and an
// otlpsink.Sink).
//
// The record processor holds the one queue between a run and the network,
// and the one counter of what it drops (DroppedRecordsCounter): a Sink sends
// synchronously, retries only within Deliver's context, and reports the
// records it could not deliver with a DeliveryError.
//
// NewRunSpanProcessor is its twin for a receiver that rebuilds the records
// itself (Hive's OTLP endpoint): with the same queue, spool, senders, backoff
// and counter, it delivers each finished run's convention spans, sampled or
// not, encoded as OTLP (RunSpans), to a SpanSink; package otlpsink holds the
// one that posts them over OTLP/HTTP. Payloads are redacted and cut before
// they are written to spans, so the records rebuilt either way are the
// same.
//
// Package exportertest holds the conformance suite every Sink must pass,
// the fidelity harness that checks a rebuilt record equals the one a run
// returned, and a fake OTLP receiver.
package exporter
