package pgstore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server"
)

var _ server.TaskStatser = (*Store)(nil)

// selectRunStats summarizes the runs of each task in [$1, $2) of run_start,
// read in index order from logs_task_runs; percentile_disc chooses the
// percentiles as server.PercentileOffset describes (NULL durations, runs
// without timing, are left out). The caller appends the project condition
// ($3) and the grouping; selectTaskStats joins it to the tasks, so that
// the runs are grouped before they meet the tasks' names.
const (
	selectRunStats = `SELECT project_uuid, task_name, count(*) AS runs, count(*) FILTER (WHERE outcome = 'error') AS errors,
		max(run_start) AS last_run,
		percentile_disc(0.5) WITHIN GROUP (ORDER BY duration) AS p50, percentile_disc(0.95) WITHIN GROUP (ORDER BY duration) AS p95
		FROM logs WHERE run_start >= $1 AND run_start < $2`
	selectTaskStats = `SELECT t.project_uuid, p.name, t.name, t.uuid, COALESCE(r.runs, 0), COALESCE(r.errors, 0), r.last_run, r.p50, r.p95
	FROM tasks t JOIN projects p ON p.uuid = t.project_uuid
	LEFT JOIN (%s) AS r ON r.project_uuid = t.project_uuid AND r.task_name = t.name`
)

// TaskStats implements server.TaskStatser with one query.
func (s *Store) TaskStats(ctx context.Context, q server.TaskStatsQuery) ([]server.TaskStats, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !q.Since.IsZero() {
		lo = server.BoundNanos(q.Since)
	}
	if !q.Until.IsZero() {
		hi = server.BoundNanos(q.Until)
	}
	runs, where, args := selectRunStats, "", []any{lo, hi}
	if q.ProjectUUID != "" {
		runs += ` AND project_uuid = $3`
		where = ` WHERE t.project_uuid = $3`
		args = append(args, q.ProjectUUID)
	}
	runs += ` GROUP BY project_uuid, task_name`
	query := fmt.Sprintf(selectTaskStats, runs) + where + ` ORDER BY t.name, t.project_uuid`
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("task stats", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (server.TaskStats, error) {
		var st server.TaskStats
		var last, p50, p95 *int64
		err := row.Scan(&st.ProjectUUID, &st.ProjectName, &st.TaskName, &st.TaskUUID, &st.Runs, &st.Errors, &last, &p50, &p95)
		if last != nil {
			st.LastRun = fromNanos(*last)
		}
		if p50 != nil {
			st.P50 = time.Duration(*p50)
		}
		if p95 != nil {
			st.P95 = time.Duration(*p95)
		}
		return st, err
	})
	if err != nil {
		return nil, wrap("task stats", err)
	}
	return out, nil
}
