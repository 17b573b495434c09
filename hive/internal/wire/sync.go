package wire

// SyncResponse is the answer of POST /api/projects/{projectUuid}/sync, as
// Forge Hive's CLI reads it (summary.total, results.created, …).
type SyncResponse struct {
	// ProjectUUID is the synced project.
	ProjectUUID string `json:"projectUuid"`
	// ProjectName is its name after the sync.
	ProjectName string `json:"projectName"`
	// Summary counts what the sync did.
	Summary SyncSummary `json:"summary"`
	// Results lists the tasks the sync created, updated or refused.
	Results SyncResults `json:"results"`
}

// SyncSummary counts the tasks of a sync request: Total is every task sent,
// including those left unchanged.
type SyncSummary struct {
	// Total is the number of tasks the request sent.
	Total int `json:"total"`
	// Created is the number of tasks registered.
	Created int `json:"created"`
	// Updated is the number of registered tasks changed.
	Updated int `json:"updated"`
	// Errors is the number of tasks refused.
	Errors int `json:"errors"`
}

// SyncResults lists the tasks of a sync by outcome; each list is an array,
// never null.
type SyncResults struct {
	// Created are the tasks registered.
	Created []SyncCreated `json:"created"`
	// Updated are the registered tasks changed.
	Updated []SyncUpdated `json:"updated"`
	// Errors are the tasks refused.
	Errors []SyncError `json:"errors"`
}

// SyncCreated is a task a sync registered. Action is "created".
type SyncCreated struct {
	// UUID is the task's uuid.
	UUID string `json:"uuid"`
	// TaskName is the task's name.
	TaskName string `json:"taskName"`
	// Action is SyncActionCreated.
	Action string `json:"action"`
}

// SyncUpdated is a registered task a sync changed. Action is "updated";
// PreviousName is the task's name before the sync.
type SyncUpdated struct {
	// UUID is the task's uuid.
	UUID string `json:"uuid"`
	// TaskName is the task's name.
	TaskName string `json:"taskName"`
	// Action is SyncActionUpdated.
	Action string `json:"action"`
	// PreviousName is the task's name before the sync.
	PreviousName string `json:"previousName"`
}

// SyncError is a task of a sync request that was not registered, and why.
type SyncError struct {
	// UUID is the task's uuid as sent.
	UUID string `json:"uuid"`
	// TaskName is the task's name as sent.
	TaskName string `json:"taskName"`
	// Error says why the task was refused.
	Error string `json:"error"`
}

// Actions of SyncCreated and SyncUpdated.
const (
	SyncActionCreated = "created"
	SyncActionUpdated = "updated"
)
