// Package wire holds the JSON shapes of the Hive HTTP API that the client
// (package hive) and the server (package hive/server) both speak exactly, so
// each is written once.
package wire

import "encoding/json"

// ErrorBody is the JSON of every error response: {"error","status"}.
type ErrorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// MeResponse is the answer of GET /api/me: the team and user the
// credentials belong to.
type MeResponse struct {
	Team struct {
		Name string `json:"name"`
		UUID string `json:"uuid"`
	} `json:"team"`
	User struct {
		Name string `json:"name"`
	} `json:"user"`
}

// IngestRequest is the body of POST /api/log-ingest.
type IngestRequest struct {
	// ProjectUUID is the project the record belongs to.
	ProjectUUID string `json:"projectUuid"`
	// ProjectName names the project; a local server registers an unknown
	// project under it. Omitted when unknown.
	ProjectName string `json:"projectName,omitempty"`
	// TaskUUID is the task's uuid in the project; empty when unknown (the
	// local server then registers the task by name).
	TaskUUID string `json:"taskUuid"`
	// LogItem is the record as a JSON string holding the record's JSON (the
	// Hive wire format); the server accepts the record object too.
	LogItem json.RawMessage `json:"logItem"`
	// ReplayFrom is the uuid of the record a replay ran from, if any.
	ReplayFrom string `json:"replayFrom,omitempty"`
}

// ProjectResponse is the answer of GET /api/projects/{projectUuid} and
// POST /api/projects: {"project":{…}}.
type ProjectResponse struct {
	Project Project `json:"project"`
}

// Project is a project as the API shows it.
type Project struct {
	// UUID identifies the project.
	UUID string `json:"uuid"`
	// ProjectName is the project's name.
	ProjectName string `json:"projectName"`
	// Name is the project's name as some servers spell the field; this
	// project's server never writes it, clients read it when ProjectName is
	// empty.
	Name string `json:"name,omitempty"`
	// Description is free text.
	Description string `json:"description"`
	// CreatedAt is when the project was registered (RFC 3339); omitted when
	// not known.
	CreatedAt string `json:"createdAt,omitempty"`
	// Tasks are the project's tasks; omitted when none are listed.
	Tasks []Task `json:"tasks,omitempty"`
}

// Task is a task of a project as the API shows it.
type Task struct {
	// UUID identifies the task in its project.
	UUID string `json:"uuid"`
	// Name is the task name.
	Name string `json:"name"`
	// TaskName is the task name as some servers spell the field; this
	// project's server never writes it, clients read it when Name is empty.
	TaskName string `json:"taskName,omitempty"`
	// InvokeURL is where the server invokes the task; omitted when it cannot
	// be invoked.
	InvokeURL string `json:"invokeUrl,omitempty"`
	// Description is free text; omitted when empty.
	Description string `json:"description,omitempty"`
}

// IngestResponse is the answer of POST /api/log-ingest, and of each stored
// item of POST /api/log-ingest/batch. ReplayFrom is null when the record
// replays nothing.
type IngestResponse struct {
	// UUID is the uuid the record is stored under.
	UUID string `json:"uuid"`
	// TaskName is the record's task name.
	TaskName string `json:"taskName"`
	// ProjectName names the project the record is stored in.
	ProjectName string `json:"projectName"`
	// LogItem is the stored record as a JSON string; left out of a batch
	// result asked for with PreferMinimal.
	LogItem string `json:"logItem,omitempty"`
	// ReplayFrom is the uuid of the record a replay ran from; nil for none.
	ReplayFrom *string `json:"replayFrom"`
	// CreatedAt is when the record was stored (RFC 3339, milliseconds, UTC).
	CreatedAt string `json:"createdAt"`
}
