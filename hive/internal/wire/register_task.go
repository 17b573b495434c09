package wire

// RegisterTaskRequest is the body of
// POST /api/projects/{projectUuid}/tasks/{taskUuid}.
type RegisterTaskRequest struct {
	// TaskName is the task's name.
	TaskName string `json:"taskName"`
	// Description is free text about the task.
	Description string `json:"description"`
}

// RegisterTaskResponse is its answer: {"task":{…}}.
type RegisterTaskResponse struct {
	// Task is the registered task.
	Task RegisteredTask `json:"task"`
}

// RegisteredTask is a task as POST /api/projects/{p}/tasks/{t} answers it.
type RegisteredTask struct {
	// UUID is the task's uuid in its project.
	UUID string `json:"uuid"`
	// TaskName is the task's name.
	TaskName string `json:"taskName"`
	// Description is free text about the task.
	Description string `json:"description"`
	// ProjectUUID is the task's project.
	ProjectUUID string `json:"projectUuid"`
	// CreatedAt is when the task was registered (RFC 3339).
	CreatedAt string `json:"createdAt,omitempty"`
}
