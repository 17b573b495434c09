package sqlitestore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// TestMigrationFillsSummaryColumns opens a file of schema version 1 whose
// records were stored before the summary columns existed: the migration
// fills them from the records and qualities, so filters and statistics see
// the old records.
func TestMigrationFillsSummaryColumns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hive.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, stmt := range []string{
		`CREATE TABLE projects (uuid TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL)`,
		`CREATE TABLE tasks (project_uuid TEXT NOT NULL REFERENCES projects(uuid) ON DELETE CASCADE, name TEXT NOT NULL, uuid TEXT NOT NULL,
			invoke_url TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, PRIMARY KEY (project_uuid, name), UNIQUE (project_uuid, uuid))`,
		`CREATE TABLE logs (project_uuid TEXT NOT NULL, task_name TEXT NOT NULL, uuid TEXT NOT NULL, task_uuid TEXT NOT NULL DEFAULT '',
			record TEXT NOT NULL, replay_from TEXT NOT NULL DEFAULT '', quality TEXT, created_at INTEGER NOT NULL,
			PRIMARY KEY (project_uuid, task_name, uuid), FOREIGN KEY (project_uuid, task_name) REFERENCES tasks(project_uuid, name) ON DELETE CASCADE)`,
		`CREATE INDEX logs_by_task_newest ON logs (task_name, created_at DESC, project_uuid DESC, uuid DESC)`,
		`CREATE INDEX logs_by_uuid ON logs (task_name, uuid)`,
		`INSERT INTO projects VALUES ('p1', 'one', '', 1)`,
		`INSERT INTO tasks VALUES ('p1', 'alpha', 't1', '', 1)`,
		`INSERT INTO logs VALUES ('p1', 'alpha', 'r1', 't1', '{"type":"success","timing":{"startTime":1000,"endTime":1004,"duration":4}}', '', '{"score":0.9}', 5)`,
		`INSERT INTO logs VALUES ('p1', 'alpha', 'r2', 't1', '{"type":"error","timing":{"startTime":2000.5,"endTime":2010}}', '', '{"score":"bad"}', 6)`,
		`INSERT INTO logs VALUES ('p1', 'alpha', 'r3', 't1', '{"type":"error","error":"Invalid input on: a: required"}', '', NULL, 7000000000)`,
		`INSERT INTO logs VALUES ('p1', 'alpha', 'r4', 't1', 'not json', '', 'not json', 8)`,
		`PRAGMA user_version = 1`,
	} {
		_, err := db.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, db.Close())

	s := open(t, path)
	defer s.Close()
	uuids := func(q server.LogQuery) []string {
		q.TaskName = "alpha"
		es, err := s.ListLogs(ctx, q)
		require.NoError(t, err)
		var out []string
		for _, e := range es {
			out = append(out, e.UUID)
		}
		return out
	}
	score := 0.5
	assert.Equal(t, []string{"r3", "r2"}, uuids(server.LogQuery{Type: server.TypeError}))
	assert.Equal(t, []string{"r1"}, uuids(server.LogQuery{MinQuality: &score}), "a score that is not a number is none")
	assert.Equal(t, []string{"r3", "r2"}, uuids(server.LogQuery{Since: time.UnixMilli(2000)}), "r3 without timing started when stored")
	assert.Equal(t, []string{"r4", "r1"}, uuids(server.LogQuery{Until: time.UnixMilli(2000)}), "a record that is not JSON started when stored")

	st, err := s.TaskStats(ctx, server.TaskStatsQuery{ProjectUUID: "p1"})
	require.NoError(t, err)
	require.Len(t, st, 1)
	assert.Equal(t, int64(4), st[0].Runs)
	assert.Equal(t, int64(2), st[0].Errors)
	assert.Equal(t, 4*time.Millisecond, st[0].P50, "durations 4 ms and 9.5 ms (end - start)")
	assert.Equal(t, 9500*time.Microsecond, st[0].P95)
	assert.Equal(t, time.Unix(7, 0).UTC(), st[0].LastRun)
}
