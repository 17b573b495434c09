// Package otlpspan describes the spans of OTLP protobuf trace data as
// otelrecord.Span values, so records can be rebuilt from what an OTLP
// receiver (a collector, the Hive server's OTLP endpoint) decoded, and back:
// ProtoSpan and ProtoKeyValues encode spans and attributes as OTLP protobuf
// for a sender, losslessly for everything a rebuilder reads.
//
// It is a package of its own so that the instrumentation (otelrecord,
// boundary, task) never builds against the OTLP protobuf types: only a
// program that decodes or encodes OTLP imports them.
package otlpspan
