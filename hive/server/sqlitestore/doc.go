// Package sqlitestore is a server.Store kept in a SQLite file, through the
// pure-Go modernc.org/sqlite driver (no cgo).
//
// The database runs in WAL mode with foreign keys on. One goroutine owns the
// connection that writes: write calls made at the same time are committed
// together in one transaction (group commit), each in its own savepoint, so
// the store's own writers never contend for the write lock, and a busy
// timeout covers other processes sharing the file. Reads use a pool of
// read-only connections beside the writer. The schema is created when the
// store is opened and versioned with PRAGMA user_version, so later versions
// can migrate older files. Records are keyed by (project uuid, task name,
// record uuid) and survive restarts.
//
// The spans the server's OTLP endpoints stage (server.SpanStager) are kept
// in staged_spans, one row per span (its protobuf bytes, keyed by project,
// run and span id), beside one row per run in staged_runs (its state,
// counts and claim). Every staging call is one write transaction, so stores
// opened on the same file by several processes assemble each run once.
package sqlitestore
