// Command quickstart is hivetrace in one minute, with nothing to install:
// `make run` (or `go run ./examples/quickstart`).
//
// It starts a Hive-compatible server in the process (package hive/server on a
// temporary SQLite file, a free loopback port, fresh credentials), installs
// the OpenTelemetry pipeline with otelsetup.Setup and the record processor
// delivering to that server through a Hive sink, and runs a few tasks: a
// success, a failing boundary, a task calling another task as a boundary, and
// SetMetadata/SetMetrics. It prints each record with its per-boundary timing
// table, fetches one back from the server (LogClient.GetLog) and replays it
// with its boundaries in replay mode (Task.SafeReplay).
//
// No collector is needed: unless OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_TRACES_EXPORTER) is set, spans are not exported anywhere but the
// record processor. Set it to send the same spans to Jaeger or a collector.
//
// With -serve (`make run RUNFLAGS=-serve`), the server keeps running after
// the demo with its records UI, and the demo prints the UI's address and the
// API key and secret to log in with, so the records it just made can be
// browsed; Ctrl-C stops it.
package main
