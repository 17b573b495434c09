// Command service is a net/http service whose handlers run hivetrace tasks.
//
// Every request is traced by otelhttp; each handler runs the getUserReport
// task (package examples/internal/shop), whose two boundaries make a real
// outbound HTTP call through an otelhttp transport and a real SQLite query.
// Its traces go wherever the OTEL_* environment says (an OTLP collector or
// Jaeger), and its execution records go to the Hive server HIVE_* names.
//
//	POST /tasks/getUserReport   {"args":{"userId":1}}  the task's own http.Handler
//	GET  /reports/{userId}      the report, with the record uuid in X-Hive-Record
//	GET  /upstream/profiles/{id} the profile API the fetchProfile boundary calls
//	GET  /healthz               liveness
//
// Configuration is the environment only: OTEL_SERVICE_NAME,
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL and the other
// OTEL_* variables the OpenTelemetry SDK honours; HIVE_HOST, HIVE_API_KEY and
// HIVE_API_SECRET for the records (without HIVE_API_KEY no record leaves the
// process). Two flags exist for local runs: -addr (default :8081) and
// -upstream, the profile API's base URL (default: the service's own
// /upstream).
package main
