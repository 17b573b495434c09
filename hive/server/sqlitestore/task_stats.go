package sqlitestore

import (
	"context"
	"database/sql"
	"math"
	"time"

	"github.com/hivetrace/hivetrace/hive/server"
)

var _ server.TaskStatser = (*Store)(nil)

// Queries of TaskStats. Each reads the index logs_by_project_task_newest
// (project_uuid, task_name, created_at, uuid, outcome, run_start, duration,
// quality_score) alone, never the records: the counts in one pass over the
// selected tasks' entries, each percentile by sorting one task's timed
// entries of the range (SQLite's sorter keeps only the first offset+1
// durations), so no duration is loaded into Go memory.
const (
	selectStatsTasks  = `SELECT t.project_uuid, p.name, t.name, t.uuid FROM tasks t JOIN projects p ON p.uuid = t.project_uuid`
	selectStatsCounts = `SELECT project_uuid, task_name, count(*), count(CASE WHEN outcome = 'error' THEN 1 END), max(run_start), count(duration)
		FROM logs INDEXED BY logs_by_project_task_newest WHERE run_start >= ? AND run_start < ?`
	selectPercentile = `SELECT duration FROM logs INDEXED BY logs_by_project_task_newest
		WHERE project_uuid = ? AND task_name = ? AND duration IS NOT NULL AND run_start >= ? AND run_start < ?
		ORDER BY duration LIMIT 1 OFFSET ?`
	// selectPercentileDesc counts from the longest: a high percentile is
	// closer to that end, and the sorter keeps fewer entries.
	selectPercentileDesc = `SELECT duration FROM logs INDEXED BY logs_by_project_task_newest
		WHERE project_uuid = ? AND task_name = ? AND duration IS NOT NULL AND run_start >= ? AND run_start < ?
		ORDER BY duration DESC LIMIT 1 OFFSET ?`
)

// runRange returns the bounds of run_start for [since, until), a zero bound
// being open.
func runRange(since, until time.Time) (int64, int64) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !since.IsZero() {
		lo = server.BoundNanos(since)
	}
	if !until.IsZero() {
		hi = server.BoundNanos(until)
	}
	return lo, hi
}

// taskCounts are the counts of one task's runs in a range.
type taskCounts struct {
	runs, errors, timed int64
	lastRun             int64
}

// TaskStats implements server.TaskStatser, reading one snapshot of the
// database.
func (s *Store) TaskStats(ctx context.Context, q server.TaskStatsQuery) ([]server.TaskStats, error) {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, wrap("task stats", err)
	}
	defer func() { _ = tx.Rollback() }()
	out, err := taskStats(ctx, tx, q)
	return out, wrap("task stats", err)
}

func taskStats(ctx context.Context, tx *sql.Tx, q server.TaskStatsQuery) ([]server.TaskStats, error) {
	lo, hi := runRange(q.Since, q.Until)
	tasksQuery, countsQuery := selectStatsTasks, selectStatsCounts
	tasksArgs, countsArgs := []any{}, []any{lo, hi}
	if q.ProjectUUID != "" {
		tasksQuery += ` WHERE t.project_uuid = ?`
		countsQuery += ` AND project_uuid = ?`
		tasksArgs, countsArgs = append(tasksArgs, q.ProjectUUID), append(countsArgs, q.ProjectUUID)
	}
	tasksQuery += ` ORDER BY t.name, t.project_uuid`
	countsQuery += ` GROUP BY project_uuid, task_name`

	counts := map[[2]string]taskCounts{}
	rows, err := tx.QueryContext(ctx, countsQuery, countsArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k [2]string
		var c taskCounts
		if err := rows.Scan(&k[0], &k[1], &c.runs, &c.errors, &c.lastRun, &c.timed); err != nil {
			return nil, err
		}
		counts[k] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	out := []server.TaskStats{}
	rows, err = tx.QueryContext(ctx, tasksQuery, tasksArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var st server.TaskStats
		if err := rows.Scan(&st.ProjectUUID, &st.ProjectName, &st.TaskName, &st.TaskUUID); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	for i := range out {
		st := &out[i]
		c, ok := counts[[2]string{st.ProjectUUID, st.TaskName}]
		if !ok {
			continue
		}
		st.Runs, st.Errors, st.LastRun = c.runs, c.errors, fromNanos(c.lastRun)
		if c.timed == 0 {
			continue
		}
		if st.P50, err = percentile(ctx, tx, st, lo, hi, server.PercentileOffset(0.5, c.timed), c.timed); err != nil {
			return nil, err
		}
		if st.P95, err = percentile(ctx, tx, st, lo, hi, server.PercentileOffset(0.95, c.timed), c.timed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// percentile returns the duration at offset (0-based) among the task's n
// timed runs in [lo, hi), in ascending order, stepping over the index from
// the nearer end.
func percentile(ctx context.Context, tx *sql.Tx, st *server.TaskStats, lo, hi, offset, n int64) (time.Duration, error) {
	query := selectPercentile
	if fromTop := n - 1 - offset; fromTop < offset {
		query, offset = selectPercentileDesc, fromTop
	}
	var d int64
	err := tx.QueryRowContext(ctx, query, st.ProjectUUID, st.TaskName, lo, hi, offset).Scan(&d)
	return time.Duration(d), err
}
