// Command service is a net/http service whose handlers run hivetrace tasks,
// and whose binary is also their runner (package runner).
//
// Every request is traced by otelhttp; each handler runs the getUserReport
// task (package examples/internal/shop), whose two boundaries make a real
// outbound HTTP call through an otelhttp transport and a real SQLite query.
// Its traces go wherever the OTEL_* environment says (an OTLP collector or
// Jaeger), and its execution records go to the Hive server HIVE_* names.
//
// Without arguments (or with serve's flags) it serves, on :8081 by default:
//
//	POST /tasks/getUserReport   {"args":{"userId":1}}  the task's own http.Handler
//	GET  /reports/{userId}      the report, with the record uuid in X-Hive-Record
//	GET  /upstream/profiles/{id} the profile API the fetchProfile boundary calls
//	GET  /tasks                 the tasks
//	GET  /healthz, /readyz      liveness and readiness (503 while shutting down)
//
// and the runner's other commands work on the same task:
//
//	service list
//	service describe getUserReport
//	service run getUserReport '{"userId":1}'
//	service replay getUserReport --uuid 0193…      (a record in Hive)
//	service replay getUserReport --trace 4bf9…     (a trace in Jaeger)
//	service replay getUserReport --file run.json   (a record or fixture file)
//	service serve --addr 127.0.0.1:8081
//
// Configuration is the environment: OTEL_SERVICE_NAME,
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL and the other
// OTEL_* variables the OpenTelemetry SDK honours; HIVE_HOST, HIVE_API_KEY and
// HIVE_API_SECRET for the records (without HIVE_API_KEY no record leaves the
// process) and for replay --uuid; HIVE_JAEGER_URL for replay --trace;
// PROFILE_API_URL, the profile API's base URL (default: the service's own
// /upstream, or the profile API in the process for run and replay).
//
// testdata/records holds records of real runs; records_test.go replays them
// as tests (package tasktest).
package main
