package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/pgstore/pgtest"
)

// TestMigrationFillsSummaryColumns stores records in a database of the
// schema before the summary columns, then opens it: the migration fills
// them from the records and qualities, so filters and statistics see the
// old records, and a record that is not JSON does not stop it.
func TestMigrationFillsSummaryColumns(t *testing.T) {
	srv := pgtest.Shared(t)
	if srv == nil {
		t.SkipNow()
	}
	ctx := context.Background()
	dsn := srv.NewDatabase(t)
	step := slices.IndexFunc(migrations, func(m string) bool { return strings.Contains(m, "ADD COLUMN run_start") })
	require.Positive(t, step, "the summary migration")

	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	for _, m := range migrations[:step] {
		_, err := conn.Exec(ctx, m)
		require.NoError(t, err)
	}
	for _, stmt := range []string{
		`CREATE TABLE schema_version (version integer NOT NULL)`,
		fmt.Sprintf(`INSERT INTO schema_version VALUES (%d)`, step),
		`INSERT INTO projects (uuid, name, created_at) VALUES ('p1', 'one', 1)`,
		`INSERT INTO tasks (project_uuid, name, uuid, created_at) VALUES ('p1', 'alpha', 't1', 1)`,
		`INSERT INTO logs (project_uuid, task_name, uuid, record, quality, created_at) VALUES
			('p1', 'alpha', 'r1', '{"type":"success","timing":{"startTime":1000,"endTime":1004,"duration":4}}', '{"score":0.9}', 5),
			('p1', 'alpha', 'r2', '{"type":"error","type":"error","timing":{"startTime":2000.5,"endTime":2010}}', '{"score":"bad"}', 6),
			('p1', 'alpha', 'r3', '{"type":"error","error":"Invalid input on: a: required"}', NULL, 7000000000),
			('p1', 'alpha', 'r4', 'not json', 'not json', 8)`,
	} {
		_, err := conn.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, conn.Close(ctx))

	s, err := Open(ctx, dsn)
	require.NoError(t, err)
	defer func() { assert.NoError(t, s.Close()) }()
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
