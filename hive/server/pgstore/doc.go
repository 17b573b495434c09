// Package pgstore is a server.Store kept in a PostgreSQL database, through
// github.com/jackc/pgx/v5 and a pool of connections, for hive serve run as
// several replicas sharing one database.
//
// Open connects and brings the schema to the current version: versioned,
// append-only steps recorded in a schema_version table, run in one
// transaction that holds a transaction-scoped advisory lock, so replicas
// starting at once migrate the database once. Records and qualities are
// bytea, stored byte for byte as sent; times are Unix nanoseconds. Records
// are keyed by (project uuid, task name, record uuid) and listed newest
// first by (created_at, project_uuid, uuid), read from indexes in that
// order.
//
// Every write is one READ COMMITTED transaction. Ingest inserts the records
// of a call with one statement (unnest of arrays, ON CONFLICT DO NOTHING),
// registers projects and tasks with ON CONFLICT as well, and writes rows in
// key order, so that concurrent calls of several replicas neither fail on a
// unique race nor, in the usual case, deadlock; a transaction that
// PostgreSQL aborts for a serialization failure or a deadlock is run again,
// a few times. EachLog streams the rows of a listing from the server.
//
// The spans of the OTLP endpoints (server.SpanStager) are kept in
// staged_spans beside one row per run in staged_runs. A call locks the rows
// of its runs (SELECT … FOR UPDATE, in key order) before it counts their
// spans, and claims are made under that lock or by conditional updates
// (claim_until < now), so that exactly one replica assembles each run;
// SweepRuns skips runs another replica holds locked. The statements of a
// call's runs are sent in pipelined batches, and FinishRuns stores the
// records of its runs as one Ingest batch.
//
// Usage, with the store plugged into the Hive server:
//
//	store, err := pgstore.Open(ctx, "postgres://hive@db.internal:5432/hive?sslmode=verify-full",
//		pgstore.WithMaxConns(16))
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	srv := server.New(store, server.WithCredentials(key, secret))
package pgstore
