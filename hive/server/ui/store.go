package ui

import (
	"context"
	"encoding/json"

	"github.com/hivetrace/hivetrace/hive/server"
)

// Store is what the UI reads and writes: the part of server.Store it needs.
// Its methods behave as server.Store's do; they may block and must be safe
// for concurrent use.
type Store interface {
	// GetLog returns one record (server.Store.GetLog).
	GetLog(ctx context.Context, key server.LogKey) (server.StoredLog, error)
	// EachLog visits a task's records newest first (server.Store.EachLog).
	EachLog(ctx context.Context, q server.LogQuery, fn func(server.StoredLog) error) error
	// SetQuality stores a record's quality (server.Store.SetQuality).
	SetQuality(ctx context.Context, key server.LogKey, quality json.RawMessage) error
}

var _ Store = server.Store(nil)
