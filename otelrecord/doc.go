// Package otelrecord defines the Forge Hive ExecutionRecord, its JSON shape,
// and the span attribute convention that lets any process holding the spans of
// a task run rebuild that run's record.
//
// The record types encode to exactly the JSON the TypeScript Forge Hive
// implementation produces, so records move freely between the two. The
// convention (attributes.go) is written once here and is the only contract
// between the code that emits spans (packages boundary and task) and the code
// that rebuilds records from them (this package's rebuilders and package
// exporter).
//
// Rebuilding: Span describes a finished span neutrally. The subpackages
// sdkspan (the OpenTelemetry SDK's spans), otlpspan (OTLP protobuf) and
// otlpjson (OTLP JSON, Jaeger's query API v3 answers among them) fill it, so
// this package depends on the OpenTelemetry API only. RebuildRun rebuilds one run's record, Rebuild every run
// in a set of spans, and an Assembler the runs of spans that arrive in
// batches and in any order. A record that cannot be rebuilt completely still
// comes out, with the reason under MetadataIncomplete and an *IncompleteError.
//
// Payload capture: a Redactor redacts payloads before they leave the
// process (the values of sensitive keys, or whole payloads when they are not
// captured), and Truncate cuts those too large; spans carry payloads in that
// form, so records rebuilt from them do too.
//
// Nothing in this package imports the other hivetrace packages.
package otelrecord
