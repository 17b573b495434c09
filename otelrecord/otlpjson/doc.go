// Package otlpjson describes the spans of OTLP JSON trace data as
// otelrecord.Span values: what the OTLP file exporter and OTLP/HTTP JSON
// write, and what Jaeger's query API v3 answers. It decodes straight into
// the neutral spans, with no protobuf types in between, so a tool that reads
// Jaeger (hive rebuild) builds against the standard library and the
// OpenTelemetry API only.
package otlpjson
