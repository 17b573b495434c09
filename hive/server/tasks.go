package server

import (
	"net/http"
	"time"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// handleListTasks answers the registered tasks with the counts and
// statistics of their runs: GET /api/tasks?projectUuid=&since=&until=.
//
// The answer is {"tasks":[{"projectUuid","projectName","taskName",
// "taskUuid","runs","errors","p50Ms","p95Ms","lastRunAt"}]}, one entry per
// task of the project (of every project without projectUuid), tasks
// without runs included with zeros, ordered by task name then project
// uuid. The counts are of the runs that started at or after since and
// before until (RFC 3339, either open); a run starts at its record's
// timing.startTime, or when it was stored. p50Ms and p95Ms are percentiles
// of the durations of the runs with timing, in milliseconds (0 when none);
// lastRunAt is the start of the newest run, null when there is none.
func (s *Server) handleListTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := TaskStatsQuery{ProjectUUID: q.Get("projectUuid")}
	if err := checkID("projectUuid", query.ProjectUUID, true); err != nil {
		s.respondError(w, r, err)
		return
	}
	var err error
	if query.Since, query.Until, err = parseTimeRange(q); err != nil {
		s.respondError(w, r, err)
		return
	}
	stats, err := s.store.TaskStats(r.Context(), query)
	if err != nil {
		s.respondError(w, r, err)
		return
	}
	out := wire.TaskListResponse{Tasks: make([]wire.TaskSummary, len(stats))}
	for i, st := range stats {
		out.Tasks[i] = wire.TaskSummary{
			ProjectUUID: st.ProjectUUID, ProjectName: st.ProjectName, TaskName: st.TaskName, TaskUUID: st.TaskUUID,
			Runs: st.Runs, Errors: st.Errors, P50Ms: durationMs(st.P50), P95Ms: durationMs(st.P95),
		}
		if !st.LastRun.IsZero() {
			out.Tasks[i].LastRunAt = new(st.LastRun.UTC())
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// durationMs returns d in milliseconds, with a fraction.
func durationMs(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
