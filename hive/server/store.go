package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Errors a Store wraps so the server can map them to HTTP statuses. Test them
// with errors.Is.
var (
	// ErrNotStored reports that the store holds no such project, task or
	// record (or none in the project the lookup was scoped to). The server
	// answers it with 404.
	ErrNotStored = errors.New("not found")
	// ErrConflict reports that a write clashes with what is stored, for example
	// a task uuid already used by another task of the project.
	ErrConflict = errors.New("conflict")
	// ErrAmbiguous reports that a lookup not scoped to a project matched
	// records of several projects.
	ErrAmbiguous = errors.New("ambiguous: record exists in several projects")
	// ErrInvalid reports a write that lacks what the store keys it by, for
	// example an Ingest entry without a record uuid. The server answers it
	// with 400.
	ErrInvalid = errors.New("invalid entry")
)

// Project is a Hive project: a named group of tasks.
type Project struct {
	// UUID identifies the project.
	UUID string
	// Name is the project's name.
	Name string
	// Description is free text.
	Description string
	// CreatedAt is when the project was registered.
	CreatedAt time.Time
}

// RegisteredTask is a task registered in a project: the name and uuid the
// server knows it by (not a runnable task.Task). Within a project, Name and
// UUID are both unique.
type RegisteredTask struct {
	// ProjectUUID is the project the task belongs to.
	ProjectUUID string
	// UUID identifies the task within its project.
	UUID string
	// Name is the task name, as records carry it.
	Name string
	// InvokeURL is where the server POSTs {"args": payload} to invoke the
	// task; empty when the task cannot be invoked.
	InvokeURL string
	// Description is free text (POST /api/projects/{p}/tasks/{t}). EnsureTask
	// and PutTask store it when they create the task and leave it unchanged
	// otherwise; DescribeTask sets it.
	Description string
	// CreatedAt is when the task was registered.
	CreatedAt time.Time
}

// LogKey identifies one stored record. An empty ProjectUUID means "any
// project" in lookups (never in writes).
type LogKey struct {
	// ProjectUUID is the project of the record, or empty for any project.
	ProjectUUID string
	// TaskName is the record's task name.
	TaskName string
	// UUID is the record uuid.
	UUID string
}

// StoredLog is one execution record as stored, with what the server knows
// about it (not hive.LogEntry, the client's view of a listed record).
type StoredLog struct {
	// ProjectUUID is the project the record belongs to.
	ProjectUUID string
	// ProjectName is that project's name, filled in by reads.
	ProjectName string
	// TaskName is the record's task name.
	TaskName string
	// TaskUUID is the uuid of the task in its project.
	TaskUUID string
	// UUID is the record uuid.
	UUID string
	// Record is the record's JSON object, as stored.
	Record json.RawMessage
	// ReplayFrom is the uuid of the record a replay ran from, if any.
	ReplayFrom string
	// Quality is the JSON object set with set-quality; nil until then.
	Quality json.RawMessage
	// CreatedAt is when the server stored the record.
	CreatedAt time.Time
}

// Key returns the entry's key.
func (e StoredLog) Key() LogKey {
	return LogKey{ProjectUUID: e.ProjectUUID, TaskName: e.TaskName, UUID: e.UUID}
}

// IngestEntry is one record for Store.Ingest, with what registers its
// project and task when they are new.
type IngestEntry struct {
	// Log is the record. Log.ProjectUUID, Log.TaskName and Log.UUID are its
	// key; Log.Record, Log.ReplayFrom, Log.Quality and Log.CreatedAt are
	// stored with it (a zero CreatedAt is set to the current time).
	// Log.ProjectName and Log.TaskUUID are not read: the stored entry gets
	// its project's name and its task's uuid.
	Log StoredLog
	// ProjectName names the project when Ingest registers it; an existing
	// project keeps its name.
	ProjectName string
	// TaskUUID is the uuid the task gets when Ingest registers it and no
	// task of the project has that uuid; when it is empty or taken, the task
	// is registered under a new uuid. An existing task keeps its uuid.
	TaskUUID string
}

// Validate returns an error wrapping ErrInvalid when the entry lacks its
// key: a project uuid, a task name or a record uuid.
func (e IngestEntry) Validate() error {
	switch {
	case e.Log.ProjectUUID == "":
		return fmt.Errorf("record %q: no project uuid: %w", e.Log.UUID, ErrInvalid)
	case e.Log.TaskName == "":
		return fmt.Errorf("record %q: no task name: %w", e.Log.UUID, ErrInvalid)
	case e.Log.UUID == "":
		return fmt.Errorf("record of task %q: no uuid: %w", e.Log.TaskName, ErrInvalid)
	}
	return nil
}

// PutLogResult is the outcome of one entry of Store.Ingest.
type PutLogResult struct {
	// Entry is the stored entry, with its project's name and its task's
	// uuid; zero when Err is set. When the key was already stored it is the
	// entry stored first.
	Entry StoredLog
	// Created reports whether this entry created the record.
	Created bool
	// TaskUUIDTakenBy is the name of the task that holds the entry's
	// TaskUUID when Ingest registered the entry's task under a new uuid for
	// that reason; empty otherwise.
	TaskUUIDTakenBy string
	// Err is why the entry was not stored (wrapping ErrInvalid); nil when it
	// is stored.
	Err error
}

// Cursor marks a position in a listing: the last entry of a page. Listings
// are ordered newest first by (CreatedAt, ProjectUUID, UUID), all descending.
type Cursor struct {
	// CreatedAt of the last entry returned.
	CreatedAt time.Time
	// ProjectUUID of the last entry returned.
	ProjectUUID string
	// UUID of the last entry returned.
	UUID string
}

// LogQuery selects records of one task.
type LogQuery struct {
	// ProjectUUID scopes the listing to one project; empty lists every project.
	ProjectUUID string
	// TaskName is the task whose records are listed.
	TaskName string
	// Limit is the maximum number of entries returned; <= 0 means no limit.
	Limit int
	// Before, when set, returns only entries strictly after this position in
	// the listing order (that is, older ones).
	Before *Cursor
	// Type keeps the records of that type ("success" or "error"); empty
	// keeps every record. The API layer answers another value with
	// ErrInvalid; a store given one selects the records of that type.
	Type string
	// Since, when not zero, keeps the records whose run started at or after
	// it. A run's start is the record's timing.startTime, or when the record
	// has no timing, when it was stored (CreatedAt).
	Since time.Time
	// Until, when not zero, keeps the records whose run started before it.
	Until time.Time
	// MinQuality, when set, keeps the records whose quality score (set with
	// SetQuality or ingested) is at least *MinQuality; records without a
	// quality score are left out.
	MinQuality *float64
}

// Record types the listing filter LogQuery.Type accepts.
const (
	// TypeSuccess selects the records of runs that succeeded.
	TypeSuccess = "success"
	// TypeError selects the records of runs that failed.
	TypeError = "error"
)

// TaskStatsQuery selects the tasks and the range of runs Store.TaskStats
// summarizes.
type TaskStatsQuery struct {
	// ProjectUUID selects the tasks of one project; empty selects the tasks
	// of every project.
	ProjectUUID string
	// Since, when not zero, counts the runs that started at or after it (a
	// run's start as for LogQuery.Since).
	Since time.Time
	// Until, when not zero, counts the runs that started before it.
	Until time.Time
}

// TaskStats summarizes the runs of one registered task within a
// TaskStatsQuery's range.
type TaskStats struct {
	// ProjectUUID is the task's project.
	ProjectUUID string
	// ProjectName is that project's name.
	ProjectName string
	// TaskName is the task's name.
	TaskName string
	// TaskUUID is the task's uuid in its project.
	TaskUUID string
	// Runs is the number of records in the range.
	Runs int64
	// Errors is the number of those whose type is "error".
	Errors int64
	// P50 is the median duration of the runs in the range that have timing
	// (the smallest duration at least half of them do not exceed, as
	// PostgreSQL's percentile_disc); zero when none has.
	P50 time.Duration
	// P95 is the 95th percentile of the same durations, chosen the same way.
	P95 time.Duration
	// LastRun is the start of the newest run in the range; zero when there
	// is none.
	LastRun time.Time
}

// TaskStatser summarizes the runs of stored tasks. Every Store is one; the
// interface names the method alone for code that needs no more.
type TaskStatser interface {
	// TaskStats returns one entry per registered task of the selected
	// projects, tasks without runs in the range included with zero counts,
	// ordered by task name, then project uuid. It may block on I/O and is
	// safe for concurrent use.
	TaskStats(ctx context.Context, q TaskStatsQuery) ([]TaskStats, error)
}

// Store persists projects, tasks and records for the server.
//
// Every method may block on I/O and honours ctx where the backend allows; all
// methods are safe for concurrent use. Returned values are copies the caller
// may keep. Errors for missing or clashing data wrap ErrNotStored, ErrConflict
// or ErrAmbiguous; any other error is a storage failure.
//
// Package storetest checks that an implementation behaves as described.
type Store interface {
	// EnsureProject stores p unless a project with p.UUID exists, and returns
	// the stored project and whether it was created. An existing project is
	// left unchanged. A zero p.CreatedAt is set to the current time.
	EnsureProject(ctx context.Context, p Project) (Project, bool, error)
	// UpdateProject sets the name and description of an existing project
	// (ErrNotStored otherwise).
	UpdateProject(ctx context.Context, p Project) error
	// GetProject returns the project with the uuid, or ErrNotStored.
	GetProject(ctx context.Context, uuid string) (Project, error)

	// EnsureTask stores t unless its project already has a task named t.Name,
	// and returns the stored task and whether it was created. An existing task
	// is left unchanged. It fails with ErrNotStored when the project does not
	// exist and ErrConflict when t.UUID is taken by another task of the project.
	EnsureTask(ctx context.Context, t RegisteredTask) (RegisteredTask, bool, error)
	// PutTask creates t, or updates the UUID and InvokeURL of the task of the
	// same project and name, and reports whether it was created. Errors as for
	// EnsureTask.
	PutTask(ctx context.Context, t RegisteredTask) (bool, error)
	// GetTask returns the task with the uuid in the project, or ErrNotStored.
	GetTask(ctx context.Context, projectUUID, taskUUID string) (RegisteredTask, error)
	// ListTasks returns the tasks of a project ordered by name (empty when the
	// project has none or does not exist).
	ListTasks(ctx context.Context, projectUUID string) ([]RegisteredTask, error)

	// Ingest stores records in one write transaction and returns one result
	// per entry, in order. For each entry it registers the project
	// (Log.ProjectUUID, named ProjectName) when unknown, then the project's
	// task named Log.TaskName when unknown (under TaskUUID when that is free
	// in the project, else under a new uuid), both created at Log.CreatedAt,
	// and stores the record unless a record with its key is stored:
	// re-ingesting a record never changes the stored one, and an entry with
	// the key of an earlier entry of the same call is not created either; its
	// result holds the entry stored first. An entry without a project uuid,
	// task name or record uuid gets an error wrapping ErrInvalid in its
	// result, registers nothing and does not stop the others. The error is a
	// storage failure or ctx's, after which nothing of the call is stored: no
	// project, task or record. The Record of a created entry may share
	// memory with the entry's Log.Record.
	Ingest(ctx context.Context, entries []IngestEntry) ([]PutLogResult, error)
	// GetLog returns the record with the key. With an empty key.ProjectUUID it
	// searches every project and fails with ErrAmbiguous when the record
	// exists in more than one.
	GetLog(ctx context.Context, key LogKey) (StoredLog, error)
	// EachLog calls fn with each record selected by q, newest first (see
	// Cursor), one at a time, so a caller never needs more than one record in
	// memory. The store may reuse the memory of an entry's Record and
	// Quality once fn returns: fn copies what it keeps. An error from fn
	// stops the listing and is returned as is. fn should not block for long:
	// the store may keep a read snapshot open while it runs.
	EachLog(ctx context.Context, q LogQuery, fn func(StoredLog) error) error
	// ListLogs returns the records selected by q, newest first, as EachLog
	// visits them; for tools and tests that list a bounded number (q.Limit).
	ListLogs(ctx context.Context, q LogQuery) ([]StoredLog, error)
	// SetQuality stores quality (a JSON object) with the record, replacing any
	// previous value. The key is resolved as in GetLog.
	SetQuality(ctx context.Context, key LogKey, quality json.RawMessage) error

	// SpanStager keeps the spans of the runs the OTLP endpoints assemble
	// records from.
	SpanStager
	// TaskStatser summarizes the runs of the stored tasks (GET /api/tasks).
	TaskStatser
	// LogFinder finds records by uuid alone (GET /api/fixture/{uuid}).
	LogFinder
	// TaskDescriber sets task descriptions.
	TaskDescriber
	// BundleStore keeps published task bundles.
	BundleStore

	// Close releases the store's resources. Other methods must not be called
	// after Close.
	Close() error
}
