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
// environment.
//
// The record processor holds the one queue between a run and the network,
// and the one counter of what it drops (DroppedRecordsCounter): a Sink sends
// synchronously, retries only within Deliver's context, and reports the
// records it could not deliver with a DeliveryError.
//
// Package exportertest holds the conformance suite every Sink must pass and
// the fidelity harness that checks a rebuilt record equals the one a run
// returned.
package exporter
