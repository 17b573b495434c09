// Package sdkspan describes the spans of the OpenTelemetry Go SDK as
// otelrecord.Span values, so a span processor can rebuild records from what
// it sees end.
//
// It is a package of its own so that the instrumentation (otelrecord,
// boundary, task) depends on the OpenTelemetry API only: only a program that
// runs the SDK imports it.
package sdkspan
