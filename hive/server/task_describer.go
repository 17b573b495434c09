package server

import "context"

// TaskDescriber sets the descriptions of registered tasks. Its method may
// block on I/O, honours ctx and is safe for concurrent use.
type TaskDescriber interface {
	// DescribeTask sets the description of the project's task with the
	// uuid; it fails with ErrNotStored when there is no such task.
	DescribeTask(ctx context.Context, projectUUID, taskUUID, description string) error
}
