// Package spool keeps records waiting for delivery on disk, so that a
// process killed while its Hive server is unreachable sends them when it
// starts again.
//
// A Spool is a byte-bounded, durable queue of encoded records keyed by their
// uuid, in an embedded SQLite database (modernc.org/sqlite, no cgo) in WAL
// mode: a Put that returned survives the process being killed. The record
// processor writes a record to the spool before it counts as queued, removes
// it once the server answered 2xx, and at start delivers what the spool holds
// before anything new. A run-span processor (exporter.NewRunSpanProcessor)
// spools the spans of a run, encoded as OTLP, under the run's (the record's)
// uuid in the same way.
package spool
