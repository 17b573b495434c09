// Package jaegerquery fetches a trace from Jaeger's query API v3
// (GET /api/v3/traces/{traceID}) and decodes it with otlpjson into
// otelrecord spans, for the programs that read traces back from Jaeger: the
// hive command's rebuild and the integration tests' Jaeger harness. Search
// finds every trace of a service in a time range (GET /api/v3/traces with
// query.service_name…), walking the range in windows narrow enough for
// Jaeger's cap on the traces one query answers.
//
// It depends on the standard library, otelrecord and otlpjson only; the
// instrumentation packages (otelrecord, boundary, task) must not import it.
package jaegerquery
