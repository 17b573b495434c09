// Package sqlitestore is a server.Store kept in a SQLite file, through the
// pure-Go modernc.org/sqlite driver (no cgo).
//
// The database runs in WAL mode with a busy timeout and foreign keys on. Its
// schema is created when the store is opened and versioned with
// PRAGMA user_version, so later versions can migrate older files. Records
// are keyed by (project uuid, task name, record uuid) and survive restarts.
package sqlitestore
