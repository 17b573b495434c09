// Package server is a Hive-compatible HTTP server with a pluggable store: the
// local counterpart of Forge Hive that hivetrace's clients (package hive) send
// execution records to, and that the hive command serves with
// "hive serve".
//
// It serves the Hive API:
//
//	GET  /api/me
//	POST /api/log-ingest
//	POST /api/log-ingest/batch
//	GET  /api/tasks?projectUuid=&since=&until=
//	GET  /api/tasks/{taskName}/logs?limit=&before=&projectUuid=&type=&since=&until=&minQuality=
//	GET  /api/tasks/{taskName}/logs/{uuid}?projectUuid=
//	POST /api/tasks/{taskName}/logs/{uuid}/set-quality
//	GET  /api/projects/{projectUuid}
//	POST /api/projects
//	POST /api/projects/{projectUuid}/sync
//	POST /api/projects/{projectUuid}/tasks/{taskUuid}/invoke
//	POST /api/projects/{projectUuid}/tasks/{taskUuid}
//	POST /api/projects/{projectUuid}/tasks/{taskUuid}/publish
//	PUT  /api/projects/{projectUuid}/tasks/{taskUuid}/bundle
//	POST /api/tasks/download
//	GET  /api/fixture/{uuid}?projectUuid=
//
// and OTLP/HTTP trace exports at POST /v1/traces (see below), plus an
// unauthenticated GET /healthz. With WithUI, pages under /ui/ (package
// hive/server/ui, the records UI) authorize themselves, and GET / leads
// there. Every API request must carry
// "Authorization: Bearer <apiKey>:<apiSecret>", compared in constant time.
// Failed attempts are throttled per remote address (the connection's IP,
// never X-Forwarded-For) and per API key: after 20 failures within 10 s, the
// address or key is answered 429 with Retry-After for 30 s, a correct
// credential included (WithAuthThrottle, WithoutAuthThrottle).
// Errors are always JSON: {"error": "...", "status": <code>}, but for
// the OTLP endpoints, which answer as OTLP does.
//
// GET /api/tasks/{taskName}/logs/{uuid} answers what the TypeScript Hive
// SDK's getLog reads (its LogApiResponse):
//
//	{"uuid":"…","taskName":"…","projectName":"…","logItem":{…the record…},"replayFrom":"…","createdAt":"…"}
//
// with the stored record object as "logItem", written from the stored bytes
// (compacted, as in a listing), "replayFrom" only when the record replays
// another, and "createdAt" when the server stored it (RFC 3339, UTC,
// milliseconds). The hive package's client also accepts the bare record
// that older servers answer.
//
// GET /api/tasks, this project's addition, answers every task (of the
// project, with projectUuid) with the counts and duration percentiles of
// its runs that started between since and until (RFC 3339, each optional):
// {"tasks":[{"projectUuid","projectName","taskName","taskUuid","runs",
// "errors","p50Ms","p95Ms","lastRunAt"}]} (see Store.TaskStats). The listing
// of a task's records takes filters, also this project's: type ("success"
// or "error"), since and until (when the run started), minQuality (a
// quality score at least this); a bad value is answered 400 naming it.
//
// POST /api/log-ingest/batch is this
// project's addition to the Hive API: a JSON array of /api/log-ingest bodies
// (at most MaxBatchItems) answered 200 with one result per item, in order,
// each the object /api/log-ingest answers or {"error","status"}, so one bad
// record never fails the others; the batch is written in one store
// transaction, and only a body that is not a JSON array (400) or is too large
// (413) fails as a whole.
//
// Memory and time are bounded for every client, hostile ones included:
// request bodies in flight share a budget (WithBodyBudget; past it, 503 with
// Retry-After, the body unread); listings are streamed record by record and a
// page ends at MaxListLimit records or WithMaxListBytes bytes; answers that
// carry a record are written from the stored bytes; and every request must
// arrive within WithReadTimeout and be answered within WithWriteTimeout, or
// its connection is closed.
//
// Sizes are bounded by WithMaxBodyBytes (a request body) and
// WithMaxRecordBytes (one record). Every 413 answer, and every batch answer,
// states the limits in the headers Hive-Max-Body-Bytes, Hive-Max-Record-Bytes
// and Hive-Max-Batch-Items, and the error message names the limit exceeded,
// so a client can trim or split what it sends.
//
// Ingest bodies and the records they carry are read strictly, so that a
// stored record is indexed under the task name and uuid it holds, and can be
// read back:
//
//   - keys match the wire format's spellings exactly ("uuid", "taskName",
//     "projectUuid"), and a key that spells one of them in another case
//     ("UUID", "TaskName", "projectUUID") is refused, in a record as in an
//     ingest body: a reader matching keys case-insensitively would take it
//     for the field, and a misspelt "projectUUID" must not send a record to
//     another project; other keys of a record are stored as sent;
//   - a key repeated in an object, at any depth, is refused, and so is
//     invalid UTF-8 anywhere, including a \u escape of a UTF-16 surrogate
//     that is not a high surrogate followed by a low one;
//   - a task name, a record uuid, a projectUuid and a taskUuid must be
//     printable (no control characters, C1 included), within the length
//     limits (512 bytes for a name, 128 for a uuid), and none of ".", ".."
//     and "/", which no URL path brings back; any other name comes back
//     through its URL when escaped with url.PathEscape ("a/b" as "a%2Fb").
//
// A refusal answers 400 with a message naming the field, such as
// `logItem.uuid: duplicate key "uuid"` or
// `logItem.taskName: ".." cannot be used as a name`. A record without uuid
// (absent, null or "") gets a UUID v7, written into the stored JSON.
//
// As a development server it registers what it has not seen: an ingest for
// an unknown project or task creates it. Records are keyed by project, task
// name and record uuid; re-ingesting a stored record changes nothing (the
// first write wins), so clients may retry freely. Lookups with a projectUuid
// query parameter only see that project's records.
//
// A task is registered for invoke by sending its "invokeUrl" in a sync
// request; invoke then POSTs {"args": payload} to that URL, which is what the
// task package's http.Handler expects.
//
// The routes the forge CLI uses answer as Forge Hive does: a sync answers
// {"projectUuid","projectName","summary":{"total","created","updated",
// "errors"},"results":{"created","updated","errors"}};
// POST /api/projects/{projectUuid}/tasks/{taskUuid} registers a task with
// {"taskName","description"}; GET /api/fixture/{uuid} serves a stored record
// as the fixture fixture:download saves (a uuid stored in several projects
// or tasks answers 409 naming them; projectUuid narrows it); a publish
// stores the task's metadata and answers a bundleUploadUrl on this server
// (WithPublicURL), where PUT stores the bundle (WithMaxBundleBytes), and
// POST /api/tasks/download {"uuid"} answers the metadata ({"handler",
// "sourceCode",…}) with the bundle in base64. Every route takes the same
// credentials; the upload also takes, instead, the signature of the URL the
// publish answered (valid for an hour), since the forge CLI PUTs the bundle
// there without credentials, as to a presigned storage URL.
//
// The server is an OpenTelemetry backend too: it takes OTLP trace exports
// at POST /v1/traces (OTLPTracesPath; application/x-protobuf or
// application/json with hex or base64 ids, gzip-compressed or not) and, with
// ServeOTLPGRPC (hive serve --otlp-grpc-addr), over OTLP/gRPC, with the
// same credentials and throttling (gRPC metadata "authorization"). Any OTLP
// exporter can send to it:
//
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://host:port OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20key:secret"
//
// From the spans that follow the convention of package otelrecord, it
// rebuilds each run's record with otelrecord.RebuildRun, as the process that
// ran the task does, and stores it as an ingest does: in the project the
// resource names (hive.project.uuid and hive.project.name, else
// service.name, the uuid derived from the name as for an ingest), idempotent
// by project, task and uuid. Spans outside the convention are counted
// (OTLPStats) and neither decoded further nor stored; convention spans it
// cannot use are refused in the answer's partial_success. The record of a
// run an export carries whole is stored at once. The spans of a run that
// comes in several exports, in any order, are staged in the store
// (SpanStager) and the export is answered once they are committed; the run's
// record is stored when its last span arrives, and a span sent again is
// recognised by its id. A run still incomplete after the assembly wait
// (WithAssemblyWait, hive serve --assembly-wait, 30 s) is stored marked
// incomplete (otelrecord.MetadataIncomplete) by the sweeper Serve runs;
// spans that arrive later, within the retention (WithAssemblyRetention),
// replace it by the complete record, never the reverse; boundary spans whose
// task-run span never arrives are dropped after the retention and counted.
// Servers sharing a database each run a sweeper: the store's claims let one
// of them assemble each run. Failures answer as OTLP says: 400 with a
// google.rpc.Status for an undecodable body, 415 for an unknown content type
// or encoding, 429 or 503 with Retry-After (gRPC ResourceExhausted or
// Unavailable with a RetryInfo) when authentication is throttled, the body
// budget is full or the store fails.
//
// Storage sits behind the Store interface: NewMemoryStore keeps data in
// memory, package sqlitestore keeps it in a SQLite file, and package
// storetest checks any implementation.
package server
