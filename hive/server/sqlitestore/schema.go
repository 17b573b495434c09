package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema versions in order: migrations[i] takes a database
// from user_version i to i+1. Append only; never edit a released step.
var migrations = []string{
	// 1: projects, tasks and records.
	`
CREATE TABLE projects (
	uuid        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL -- Unix nanoseconds
);
CREATE TABLE tasks (
	project_uuid TEXT NOT NULL REFERENCES projects(uuid) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	uuid         TEXT NOT NULL,
	invoke_url   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (project_uuid, name),
	UNIQUE (project_uuid, uuid)
);
CREATE TABLE logs (
	project_uuid TEXT NOT NULL,
	task_name    TEXT NOT NULL,
	uuid         TEXT NOT NULL,
	task_uuid    TEXT NOT NULL DEFAULT '',
	record       TEXT NOT NULL,
	replay_from  TEXT NOT NULL DEFAULT '',
	quality      TEXT,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (project_uuid, task_name, uuid),
	FOREIGN KEY (project_uuid, task_name) REFERENCES tasks(project_uuid, name) ON DELETE CASCADE
);
CREATE INDEX logs_by_task_newest ON logs (task_name, created_at DESC, project_uuid DESC, uuid DESC);
CREATE INDEX logs_by_uuid ON logs (task_name, uuid);
`,
	// 2: a project's listing of a task, newest first, read in index order
	// (logs_by_task_newest serves the listing across projects).
	`
CREATE INDEX logs_by_project_task_newest ON logs (project_uuid, task_name, created_at DESC, uuid DESC);
`,
	// 3: spans staged until the record of their run is assembled (the OTLP
	// endpoints; see staging.go).
	`
CREATE TABLE staged_runs (
	project_uuid TEXT NOT NULL,
	run_uuid     TEXT NOT NULL,
	project_name TEXT NOT NULL,
	state        TEXT NOT NULL DEFAULT 'pending', -- pending, incomplete or done
	has_task     INTEGER NOT NULL DEFAULT 0,      -- the task-run span is staged
	want         INTEGER NOT NULL DEFAULT -1,     -- boundary spans it announces; -1: unknown
	boundaries   INTEGER NOT NULL DEFAULT 0,      -- boundary spans staged
	first_at     INTEGER NOT NULL,                -- Unix nanoseconds of the first span
	claim_until  INTEGER NOT NULL DEFAULT 0,      -- Unix nanoseconds; 0: not claimed
	PRIMARY KEY (project_uuid, run_uuid)
);
CREATE INDEX staged_runs_by_state ON staged_runs (state, first_at);
CREATE TABLE staged_spans (
	project_uuid TEXT NOT NULL,
	run_uuid     TEXT NOT NULL,
	span_id      BLOB NOT NULL,
	task         INTEGER NOT NULL,
	want         INTEGER NOT NULL DEFAULT -1,
	data         BLOB NOT NULL, -- the span as an OTLP protobuf Span message
	PRIMARY KEY (project_uuid, run_uuid, span_id)
);
`,
	// Task descriptions, lookups of records by uuid alone (fixtures) and
	// published task bundles.
	`
ALTER TABLE tasks ADD COLUMN description TEXT NOT NULL DEFAULT '';
CREATE INDEX logs_by_record_uuid ON logs (uuid);
CREATE TABLE bundles (
	project_uuid TEXT NOT NULL,
	task_uuid    TEXT NOT NULL,
	metadata     TEXT NOT NULL,           -- the publish request's JSON object
	data         BLOB,                    -- NULL until uploaded
	published_at INTEGER NOT NULL,        -- Unix nanoseconds
	uploaded_at  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (project_uuid, task_uuid)
);
CREATE INDEX bundles_by_task ON bundles (task_uuid);
`,
	// Summary columns of records, filled at ingest from the record and its
	// quality (summary.go) and here from the records stored, so that
	// listings filter on them and task statistics read them without
	// reading records: the index of one project's listing carries them
	// (so project-scoped filters and the statistics read that index
	// alone). No index is ordered by duration: every record would pay
	// for it at ingest (a fifth of the OTLP ingest rate), where a
	// percentile sorts one task's entries of the range when asked.
	// logs_by_record_uuid (migration 4) serves every lookup by uuid, so
	// logs_by_uuid goes.
	`
ALTER TABLE logs ADD COLUMN outcome TEXT NOT NULL DEFAULT '';   -- the record's type
ALTER TABLE logs ADD COLUMN run_start INTEGER NOT NULL DEFAULT 0; -- Unix nanoseconds: timing.startTime, else created_at
ALTER TABLE logs ADD COLUMN duration INTEGER;                     -- nanoseconds; NULL without timing
ALTER TABLE logs ADD COLUMN quality_score REAL;                   -- the quality's score; NULL without one
CREATE TEMP TABLE log_summaries AS
	SELECT rowid AS id,
		CASE json_type(record, '$.type') WHEN 'text' THEN json_extract(record, '$.type') ELSE '' END AS outcome,
		CASE json_type(record, '$.timing.startTime') WHEN 'integer' THEN json_extract(record, '$.timing.startTime') * 1000000 WHEN 'real' THEN CAST(round(json_extract(record, '$.timing.startTime') * 1000000) AS INTEGER) END AS start_ns,
		CASE json_type(record, '$.timing.endTime') WHEN 'integer' THEN json_extract(record, '$.timing.endTime') * 1000000 WHEN 'real' THEN CAST(round(json_extract(record, '$.timing.endTime') * 1000000) AS INTEGER) END AS end_ns,
		CASE json_type(record, '$.timing.duration') WHEN 'integer' THEN json_extract(record, '$.timing.duration') * 1000000 WHEN 'real' THEN CAST(round(json_extract(record, '$.timing.duration') * 1000000) AS INTEGER) END AS duration_ns,
		CASE WHEN json_valid(quality) THEN
			CASE json_type(quality, '$.score') WHEN 'integer' THEN json_extract(quality, '$.score') WHEN 'real' THEN json_extract(quality, '$.score') END
		END AS score
	FROM logs WHERE json_valid(record);
UPDATE logs SET
	outcome = s.outcome,
	run_start = CASE WHEN s.start_ns >= 0 THEN s.start_ns ELSE logs.created_at END,
	duration = CASE WHEN s.duration_ns >= 0 THEN s.duration_ns WHEN s.start_ns >= 0 AND s.end_ns >= s.start_ns THEN s.end_ns - s.start_ns END,
	quality_score = s.score
	FROM log_summaries s WHERE logs.rowid = s.id;
UPDATE logs SET run_start = created_at WHERE run_start = 0 AND NOT json_valid(record);
DROP TABLE log_summaries;
DROP INDEX logs_by_project_task_newest;
CREATE INDEX logs_by_project_task_newest ON logs (project_uuid, task_name, created_at DESC, uuid DESC, outcome, run_start, duration, quality_score);
DROP INDEX logs_by_uuid;
`,
}

// migrate brings the schema to the latest version, in one write
// transaction (BEGIN IMMEDIATE waits for other writers), so processes
// opening the same new file do not race. It runs on the writer's connection
// before the writer starts.
func migrate(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("begin schema migration: %w", err)
	}
	if err := migrateInTx(ctx, conn); err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return fmt.Errorf("commit schema migration: %w", err)
	}
	return nil
}

func migrateInTx(ctx context.Context, conn *sql.Conn) error {
	var version int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this program supports (%d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if version < len(migrations) {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
	}
	return nil
}
