// Package otelsetup installs OpenTelemetry and the delivery of task runs to
// Hive in one call: Setup builds the TracerProvider, the MeterProvider and
// the propagators from the standard OTEL_* environment (through the SDK and
// contrib autoexport) and the HIVE_* one, installs them as the OTel globals
// and returns the function that flushes and shuts everything down.
//
// Sampled spans go to the configured span exporter (OTLP gRPC by default)
// as usual. Every task run, sampled or not (exporter.RecordHiveSpans), also
// reaches Hive by one of two transports, chosen by HIVE_TRANSPORT
// (EnvTransport) or WithTransport:
//
//   - log-ingest (TransportLogIngest, the default): the record processor
//     rebuilds each run's record in process and delivers it to Hive's
//     POST /api/log-ingest/batch (package hivesink);
//   - otlp (TransportOTLP): the run-span processor sends each finished run's
//     convention spans to Hive's OTLP endpoint, POST HIVE_HOST/v1/traces
//     (OTLP/HTTP protobuf, gzip; package otlpsink), with the credentials and
//     project of the Hive client, and Hive rebuilds the records with the
//     same code, so they come out the same.
//
// Either way the runs go through the one bounded queue of the processor,
// with the same batching, retries, durable spool (HIVE_SPOOL_DIR) and drop
// counter, configured by the same HIVE_* delivery variables (EnvQueueBytes
// and the others). An unknown HIVE_TRANSPORT is reported through otel.Handle
// and means log-ingest.
package otelsetup
