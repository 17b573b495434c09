package wire

import "time"

// TasksPath is the route of GET /api/tasks: the tasks with their record
// counts and statistics (?projectUuid=, ?since=, ?until=).
const TasksPath = "/api/tasks"

// TaskListResponse is the answer of GET /api/tasks.
type TaskListResponse struct {
	Tasks []TaskSummary `json:"tasks"`
}

// TaskSummary is one task of GET /api/tasks with the runs that started in
// the requested range.
type TaskSummary struct {
	ProjectUUID string `json:"projectUuid"`
	ProjectName string `json:"projectName"`
	TaskName    string `json:"taskName"`
	TaskUUID    string `json:"taskUuid"`
	// Runs is the number of records; Errors of those, the failed runs.
	Runs   int64 `json:"runs"`
	Errors int64 `json:"errors"`
	// P50Ms and P95Ms are percentiles of the durations of the runs with
	// timing, in milliseconds (with a fraction); 0 when none has timing.
	P50Ms float64 `json:"p50Ms"`
	P95Ms float64 `json:"p95Ms"`
	// LastRunAt is the start of the newest run; null when there is none.
	LastRunAt *time.Time `json:"lastRunAt"`
}
