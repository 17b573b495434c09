package sqlitestore

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// TestFilteredQueryPlans checks that filtered listings read their index in
// listing order, testing the filters on index entries (no sort, no full
// scan), and that the statistics read the project listing's index alone
// (a percentile sorts one task's entries: no index is ordered by duration,
// which every ingest would pay for).
func TestFilteredQueryPlans(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "hive.db"))
	defer s.Close()
	plan := func(query string) string {
		args := make([]any, strings.Count(query, "?"))
		for i := range args {
			args[i] = 1
		}
		rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+query, args...)
		require.NoError(t, err)
		defer rows.Close()
		var steps []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			steps = append(steps, detail)
		}
		require.NoError(t, rows.Err())
		return strings.Join(steps, "\n")
	}
	score := 0.5
	now := time.Now()
	all := server.LogQuery{TaskName: "t", Type: server.TypeError, Since: now.Add(-time.Hour), Until: now, MinQuality: &score, Limit: 21,
		Before: &server.Cursor{CreatedAt: now, ProjectUUID: "p", UUID: "u"}}
	scoped := all
	scoped.ProjectUUID = "p"
	for name, c := range map[string]struct{ query, uses string }{
		"type":                      {uses: "USING INDEX logs_by_task_newest (", query: listSQL(server.LogQuery{TaskName: "t", Type: server.TypeError, Limit: 21})},
		"every filter":              {uses: "USING INDEX logs_by_task_newest (", query: listSQL(all)},
		"every filter, one project": {uses: "USING INDEX logs_by_project_task_newest (", query: listSQL(scoped)},
	} {
		t.Run(name, func(t *testing.T) {
			p := plan(c.query)
			assert.Contains(t, p, c.uses, p)
			assert.NotContains(t, p, "TEMP B-TREE", "no sort:\n%s", p)
			assert.NotContains(t, p, "SCAN", "no full scan:\n%s", p)
		})
	}
	t.Run("counts", func(t *testing.T) {
		p := plan(selectStatsCounts + ` GROUP BY project_uuid, task_name`)
		assert.Contains(t, p, "COVERING INDEX logs_by_project_task_newest", p)
		assert.NotContains(t, p, "TEMP B-TREE", "grouped in index order:\n%s", p)
	})
	for name, query := range map[string]string{"percentile": selectPercentile, "percentile from the top": selectPercentileDesc} {
		t.Run(name, func(t *testing.T) {
			p := plan(query)
			assert.Contains(t, p, "SEARCH logs USING COVERING INDEX logs_by_project_task_newest (project_uuid=? AND task_name=?)", p)
			assert.Contains(t, p, "USE TEMP B-TREE FOR ORDER BY", "one task's entries sorted:\n%s", p)
		})
	}
}
