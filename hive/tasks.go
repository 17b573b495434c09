package hive

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

// TaskListOptions selects the tasks and the runs ListTasks summarizes.
type TaskListOptions struct {
	// ProjectUUID is the project whose tasks are listed; empty lists the
	// client's project when it has a project uuid, else every project.
	ProjectUUID string
	// Since, when not zero, counts the runs that started at or after it
	// (the record's timing.startTime, or when the server stored it).
	Since time.Time
	// Until, when not zero, counts the runs that started before it.
	Until time.Time
}

// TaskSummary is one task as GET /api/tasks describes it, with the runs
// that started in the requested range. It encodes to and decodes from the
// route's JSON shape ({"projectUuid","projectName","taskName","taskUuid",
// "runs","errors","p50Ms","p95Ms","lastRunAt"}).
type TaskSummary struct {
	// ProjectUUID and ProjectName identify the task's project.
	ProjectUUID, ProjectName string
	// TaskName and TaskUUID identify the task in its project.
	TaskName, TaskUUID string
	// Runs is the number of records in the range.
	Runs int64
	// Errors is the number of those whose type is "error".
	Errors int64
	// P50 and P95 are percentiles of the durations of the runs with timing;
	// zero when none has.
	P50, P95 time.Duration
	// LastRun is the start of the newest run; zero when there is none.
	LastRun time.Time
}

// MarshalJSON encodes the summary in the shape of GET /api/tasks.
func (s TaskSummary) MarshalJSON() ([]byte, error) {
	w := wire.TaskSummary{
		ProjectUUID: s.ProjectUUID, ProjectName: s.ProjectName, TaskName: s.TaskName, TaskUUID: s.TaskUUID,
		Runs: s.Runs, Errors: s.Errors, P50Ms: durationMs(s.P50), P95Ms: durationMs(s.P95),
	}
	if !s.LastRun.IsZero() {
		w.LastRunAt = &s.LastRun
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes the shape of GET /api/tasks.
func (s *TaskSummary) UnmarshalJSON(data []byte) error {
	var w wire.TaskSummary
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = TaskSummary{
		ProjectUUID: w.ProjectUUID, ProjectName: w.ProjectName, TaskName: w.TaskName, TaskUUID: w.TaskUUID,
		Runs: w.Runs, Errors: w.Errors, P50: msDuration(w.P50Ms), P95: msDuration(w.P95Ms),
	}
	if w.LastRunAt != nil {
		s.LastRun = *w.LastRunAt
	}
	return nil
}

func durationMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func msDuration(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// ListTasks reads the tasks the server knows, with the counts and duration
// percentiles of their runs in the range opts gives, from GET /api/tasks,
// ordered by task name then project. Until not after Since fails with
// ErrInvalidArgument without a request; a silent client returns ErrSilent
// without a request.
func (c *LogClient) ListTasks(ctx context.Context, opts TaskListOptions) ([]TaskSummary, error) {
	if c.IsSilent() {
		return nil, ErrSilent
	}
	if err := checkTimeRange(opts.Since, opts.Until); err != nil {
		return nil, err
	}
	q := c.projectQuery()
	if opts.ProjectUUID != "" {
		q.Set("projectUuid", opts.ProjectUUID)
	}
	setTimeRange(q, opts.Since, opts.Until)
	var resp struct {
		Tasks []TaskSummary `json:"tasks"`
	}
	if err := c.tr.do(ctx, "GET", wire.TasksPath, q, nil, &resp); err != nil {
		return nil, err
	}
	if resp.Tasks == nil {
		resp.Tasks = []TaskSummary{}
	}
	return resp.Tasks, nil
}

// setTimeRange sets the since and until query parameters (RFC 3339, to the
// nanosecond) of the bounds that are not zero.
func setTimeRange(q url.Values, since, until time.Time) {
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	if !until.IsZero() {
		q.Set("until", until.UTC().Format(time.RFC3339Nano))
	}
}

// checkTimeRange fails with ErrInvalidArgument when both bounds are set and
// until is not after since, which the server refuses.
func checkTimeRange(since, until time.Time) error {
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return fmt.Errorf("%w: until (%s) must be after since (%s)", ErrInvalidArgument, until.Format(time.RFC3339Nano), since.Format(time.RFC3339Nano))
	}
	return nil
}
