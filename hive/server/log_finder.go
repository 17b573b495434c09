package server

import "context"

// MaxFoundLogs is the most records FindLogs is asked for by the server:
// enough to name the places a record uuid is found in.
const MaxFoundLogs = 10

// LogFinder finds records by their uuid alone, whatever their task. Its
// methods may block on I/O, honour ctx, and are safe for concurrent use.
type LogFinder interface {
	// FindLogs returns the records with the uuid in the project, or in every
	// project when projectUUID is empty, ordered by project uuid then task
	// name, at most limit of them (limit <= 0: all). None is an empty slice
	// and no error. Returned entries are copies.
	FindLogs(ctx context.Context, projectUUID, uuid string, limit int) ([]StoredLog, error)
}
