package pgstore

import (
	"context"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hivetrace/hivetrace/hive/server"
)

var _ server.TaskStatser = (*Store)(nil)

// selectTaskStats summarizes the runs of every task in [$1, $2) of
// run_start, read from logs_task_runs; percentile_disc chooses the
// percentiles as server.PercentileOffset describes (NULL durations, runs
// without timing, are left out). The caller appends the project condition
// and the ordering.
const selectTaskStats = `SELECT t.project_uuid, p.name, t.name, t.uuid,
		count(l.uuid), count(l.uuid) FILTER (WHERE l.outcome = 'error'), max(l.run_start),
		percentile_disc(0.5) WITHIN GROUP (ORDER BY l.duration), percentile_disc(0.95) WITHIN GROUP (ORDER BY l.duration)
	FROM tasks t JOIN projects p ON p.uuid = t.project_uuid
	LEFT JOIN logs l ON l.project_uuid = t.project_uuid AND l.task_name = t.name AND l.run_start >= $1 AND l.run_start < $2`

// TaskStats implements server.TaskStatser with one query.
func (s *Store) TaskStats(ctx context.Context, q server.TaskStatsQuery) ([]server.TaskStats, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !q.Since.IsZero() {
		lo = nanos(q.Since)
	}
	if !q.Until.IsZero() {
		hi = nanos(q.Until)
	}
	query, args := selectTaskStats, []any{lo, hi}
	if q.ProjectUUID != "" {
		query += ` WHERE t.project_uuid = $3`
		args = append(args, q.ProjectUUID)
	}
	query += ` GROUP BY t.project_uuid, p.name, t.name, t.uuid ORDER BY t.name, t.project_uuid`
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
