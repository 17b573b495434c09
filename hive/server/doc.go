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
//	GET  /api/tasks/{taskName}/logs?limit=&before=&projectUuid=
//	GET  /api/tasks/{taskName}/logs/{uuid}?projectUuid=
//	POST /api/tasks/{taskName}/logs/{uuid}/set-quality
//	GET  /api/projects/{projectUuid}
//	POST /api/projects
//	POST /api/projects/{projectUuid}/sync
//	POST /api/projects/{projectUuid}/tasks/{taskUuid}/invoke
//
// plus an unauthenticated GET /healthz. Every API request must carry
// "Authorization: Bearer <apiKey>:<apiSecret>", compared in constant time.
// Failed attempts are throttled per remote address (the connection's IP,
// never X-Forwarded-For) and per API key: after 20 failures within 10 s, the
// address or key is answered 429 with Retry-After for 30 s, a correct
// credential included (WithAuthThrottle, WithoutAuthThrottle).
// Errors are always JSON: {"error": "...", "status": <code>}.
//
// POST /api/log-ingest/batch is this
// project's addition to the Hive API: a JSON array of /api/log-ingest bodies
// (at most MaxBatchItems) answered 200 with one result per item, in order,
// each the object /api/log-ingest answers or {"error","status"}, so one bad
// record never fails the others; the batch is written in one store
// transaction, and only a body that is not a JSON array (400) or is too large
// (413) fails as a whole.
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
// Storage sits behind the Store interface: NewMemoryStore keeps data in
// memory, package sqlitestore keeps it in a SQLite file, and package
// storetest checks any implementation.
package server
