package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrationLock is the key of the transaction-scoped advisory lock the
// schema migration holds, so that stores opened at the same time on one
// database migrate it once, one after the other.
const migrationLock int64 = 0x6869766574726163 // "hivetrac"

// migrations are the schema versions in order: migrations[i] takes a database
// from version i to i+1. Append only; never edit a released step.
//
// Times are Unix nanoseconds (bigint), so that they read back exactly as
// stored; records and qualities are bytea, stored byte for byte as sent.
var migrations = []string{
	// 1: projects, tasks, records and the spans staged for the OTLP
	// endpoints (see staging.go).
	`
CREATE TABLE projects (
	uuid        text COLLATE "C" PRIMARY KEY,
	name        text COLLATE "C" NOT NULL,
	description text COLLATE "C" NOT NULL DEFAULT '',
	created_at  bigint NOT NULL
);
CREATE TABLE tasks (
	project_uuid text COLLATE "C" NOT NULL REFERENCES projects(uuid) ON DELETE CASCADE,
	name         text COLLATE "C" NOT NULL,
	uuid         text COLLATE "C" NOT NULL,
	invoke_url   text COLLATE "C" NOT NULL DEFAULT '',
	created_at   bigint NOT NULL,
	PRIMARY KEY (project_uuid, name),
	UNIQUE (project_uuid, uuid)
);
CREATE TABLE logs (
	project_uuid text COLLATE "C" NOT NULL,
	task_name    text COLLATE "C" NOT NULL,
	uuid         text COLLATE "C" NOT NULL,
	task_uuid    text COLLATE "C" NOT NULL DEFAULT '',
	record       bytea NOT NULL,
	replay_from  text COLLATE "C" NOT NULL DEFAULT '',
	quality      bytea,
	created_at   bigint NOT NULL,
	PRIMARY KEY (project_uuid, task_name, uuid),
	FOREIGN KEY (project_uuid, task_name) REFERENCES tasks(project_uuid, name) ON DELETE CASCADE
);
CREATE INDEX logs_by_task_newest ON logs (task_name, created_at DESC, project_uuid DESC, uuid DESC);
CREATE INDEX logs_by_project_task_newest ON logs (project_uuid, task_name, created_at DESC, uuid DESC);
CREATE INDEX logs_by_uuid ON logs (task_name, uuid);
CREATE TABLE staged_runs (
	project_uuid text COLLATE "C" NOT NULL,
	run_uuid     text COLLATE "C" NOT NULL,
	project_name text COLLATE "C" NOT NULL,
	state        text COLLATE "C" NOT NULL DEFAULT 'pending', -- pending, incomplete or done
	has_task     boolean NOT NULL DEFAULT false,  -- the task-run span is staged
	want         bigint NOT NULL DEFAULT -1,      -- boundary spans it announces; -1: unknown
	boundaries   bigint NOT NULL DEFAULT 0,       -- boundary spans staged
	first_at     bigint NOT NULL,                 -- Unix nanoseconds of the first span
	claim_until  bigint NOT NULL DEFAULT 0,       -- Unix nanoseconds; 0: not claimed
	PRIMARY KEY (project_uuid, run_uuid)
);
CREATE INDEX staged_runs_by_state ON staged_runs (state, first_at);
CREATE TABLE staged_spans (
	project_uuid text COLLATE "C" NOT NULL,
	run_uuid     text COLLATE "C" NOT NULL,
	span_id      bytea NOT NULL,
	seq          bigint GENERATED ALWAYS AS IDENTITY, -- staging order
	task         boolean NOT NULL,
	want         bigint NOT NULL DEFAULT -1,
	data         bytea NOT NULL, -- the span as an OTLP protobuf Span message
	PRIMARY KEY (project_uuid, run_uuid, span_id)
);
`,
	// Task descriptions, lookups of records by uuid alone (fixtures) and
	// published task bundles.
	`
ALTER TABLE tasks ADD COLUMN description text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX logs_by_record_uuid ON logs (uuid);
CREATE TABLE bundles (
	project_uuid text COLLATE "C" NOT NULL,
	task_uuid    text COLLATE "C" NOT NULL,
	metadata     bytea NOT NULL,           -- the publish request's JSON object
	data         bytea,                    -- NULL until uploaded
	published_at bigint NOT NULL,
	uploaded_at  bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (project_uuid, task_uuid)
);
CREATE INDEX bundles_by_task ON bundles (task_uuid);
`,
	// Summary columns of records, filled at ingest from the record and its
	// quality (summary.go) and here from the records stored, so that
	// listings filter on them and task statistics read them without
	// reading records; logs_task_runs serves the statistics. The helper
	// functions live in this session's temporary schema and are dropped.
	`
ALTER TABLE logs ADD COLUMN outcome text COLLATE "C" NOT NULL DEFAULT ''; -- the record's type
ALTER TABLE logs ADD COLUMN run_start bigint NOT NULL DEFAULT 0;           -- Unix nanoseconds: timing.startTime, else created_at
ALTER TABLE logs ADD COLUMN duration bigint;                               -- nanoseconds; NULL without timing
ALTER TABLE logs ADD COLUMN quality_score double precision;                -- the quality's score; NULL without one
CREATE FUNCTION pg_temp.hive_json(b bytea) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN convert_from(b, 'UTF8')::jsonb;
EXCEPTION WHEN others THEN
	RETURN NULL;
END $$;
CREATE FUNCTION pg_temp.hive_nanos(v jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN jsonb_typeof(v) = 'number' AND v::text::numeric >= 0 AND v::text::numeric < 9223372036854
		THEN round(v::text::numeric * 1000000)::bigint END
$$;
UPDATE logs l SET
	outcome = CASE WHEN jsonb_typeof(s.j->'type') = 'string' THEN s.j->>'type' ELSE '' END,
	run_start = COALESCE(s.start_ns, l.created_at),
	duration = CASE WHEN s.duration_ns IS NOT NULL THEN s.duration_ns WHEN s.end_ns >= s.start_ns THEN s.end_ns - s.start_ns END,
	quality_score = CASE WHEN jsonb_typeof(s.q->'score') = 'number' THEN (s.q->>'score')::double precision END
	FROM (SELECT project_uuid, task_name, uuid, j, q,
			pg_temp.hive_nanos(j->'timing'->'startTime') AS start_ns,
			pg_temp.hive_nanos(j->'timing'->'endTime') AS end_ns,
			pg_temp.hive_nanos(j->'timing'->'duration') AS duration_ns
		FROM (SELECT project_uuid, task_name, uuid, pg_temp.hive_json(record) AS j, pg_temp.hive_json(quality) AS q FROM logs) AS parsed) AS s
	WHERE l.project_uuid = s.project_uuid AND l.task_name = s.task_name AND l.uuid = s.uuid;
DROP FUNCTION pg_temp.hive_nanos(jsonb);
DROP FUNCTION pg_temp.hive_json(bytea);
CREATE INDEX logs_task_runs ON logs (project_uuid, task_name, run_start) INCLUDE (outcome, duration);
DROP INDEX logs_by_uuid; -- logs_by_record_uuid serves every lookup by uuid
`,
}

// migrate brings the schema to the latest version in one transaction that
// holds an advisory lock, so that servers opening one database at the same
// time do not race: the first migrates, the others wait and find the schema
// current.
func migrate(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin schema migration: %w", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("lock schema migration: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var version int
	err = tx.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this program supports (%d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if version < len(migrations) {
		if _, err := tx.Exec(ctx, `UPDATE schema_version SET version = $1`, len(migrations)); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit schema migration: %w", err)
	}
	return nil
}
