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
	Total   int `json:"total"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	Errors  int `json:"errors"`
}

// SyncResults lists the tasks of a sync by outcome; each list is an array,
// never null.
type SyncResults struct {
	Created []SyncCreated `json:"created"`
	Updated []SyncUpdated `json:"updated"`
	Errors  []SyncError   `json:"errors"`
}

// SyncCreated is a task a sync registered. Action is "created".
type SyncCreated struct {
	UUID     string `json:"uuid"`
	TaskName string `json:"taskName"`
	Action   string `json:"action"`
}

// SyncUpdated is a registered task a sync changed. Action is "updated";
// PreviousName is the task's name before the sync.
type SyncUpdated struct {
	UUID         string `json:"uuid"`
	TaskName     string `json:"taskName"`
	Action       string `json:"action"`
	PreviousName string `json:"previousName"`
}

// SyncError is a task of a sync request that was not registered, and why.
type SyncError struct {
	UUID     string `json:"uuid"`
	TaskName string `json:"taskName"`
	Error    string `json:"error"`
}

// Actions of SyncCreated and SyncUpdated.
const (
	SyncActionCreated = "created"
	SyncActionUpdated = "updated"
)
