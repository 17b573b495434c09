package server

import (
	"context"
	"encoding/json"
	"time"
)

// Bundle is a task's published code: the metadata of its last publish and
// the bundle bytes uploaded after it.
type Bundle struct {
	// ProjectUUID is the project of the task.
	ProjectUUID string
	// TaskUUID is the task's uuid in the project.
	TaskUUID string
	// Metadata is the JSON object the publish request carried (handler,
	// sourceCode, description, schemaDescriptor, boundaries, …), as sent.
	Metadata json.RawMessage
	// Data is the uploaded bundle; nil until the upload that follows the
	// publish.
	Data []byte
	// PublishedAt is when the metadata was published.
	PublishedAt time.Time
	// UploadedAt is when Data was uploaded; zero while it is nil.
	UploadedAt time.Time
}

// BundleStore keeps the bundles of published tasks: one per task of a
// project, replaced by each publish. Its methods may block on I/O, honour
// ctx, and are safe for concurrent use; returned values are copies.
type BundleStore interface {
	// PublishBundle stores b's metadata for the task (b.ProjectUUID,
	// b.TaskUUID), replacing any bundle the task had: its Data is nil until
	// UploadBundle. b.Data and b.UploadedAt are not read; a zero
	// b.PublishedAt is set to the current time.
	PublishBundle(ctx context.Context, b Bundle) error
	// UploadBundle stores data as the bundle of the task's last publish, at
	// time at (zero: now), replacing an earlier upload. It fails with
	// ErrNotStored when the task has not been published.
	UploadBundle(ctx context.Context, projectUUID, taskUUID string, data []byte, at time.Time) error
	// GetBundle returns the task's bundle, or ErrNotStored. With an empty
	// projectUUID it searches every project and fails with ErrAmbiguous
	// when tasks of several projects have the uuid.
	GetBundle(ctx context.Context, projectUUID, taskUUID string) (Bundle, error)
}
