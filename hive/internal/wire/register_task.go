package wire

// RegisterTaskRequest is the body of
// POST /api/projects/{projectUuid}/tasks/{taskUuid}.
type RegisterTaskRequest struct {
	TaskName    string `json:"taskName"`
	Description string `json:"description"`
}

// RegisterTaskResponse is its answer: {"task":{…}}.
type RegisterTaskResponse struct {
	Task RegisteredTask `json:"task"`
}

// RegisteredTask is a task as POST /api/projects/{p}/tasks/{t} answers it.
type RegisteredTask struct {
	UUID        string `json:"uuid"`
	TaskName    string `json:"taskName"`
	Description string `json:"description"`
	ProjectUUID string `json:"projectUuid"`
	CreatedAt   string `json:"createdAt,omitempty"`
}
