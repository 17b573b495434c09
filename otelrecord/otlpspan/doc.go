// Package otlpspan describes the spans of OTLP protobuf trace data as
// otelrecord.Span values, so records can be rebuilt from what an OTLP
// receiver (a collector, the Hive server's OTLP endpoint) decoded.
//
// It is a package of its own so that the instrumentation (otelrecord,
// boundary, task) never builds against the OTLP protobuf types: only a
// program that decodes OTLP imports them.
package otlpspan
