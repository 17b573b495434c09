package ui

import (
	"context"
	"encoding/json"
	"errors"

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

// errNoStore is the error of every page of a UI given no store.
var errNoStore = errors.New("hive ui: no store configured")

// unavailableStore stands in for a missing store: every method fails.
type unavailableStore struct{}

func (unavailableStore) GetLog(context.Context, server.LogKey) (server.StoredLog, error) {
	return server.StoredLog{}, errNoStore
}

func (unavailableStore) EachLog(context.Context, server.LogQuery, func(server.StoredLog) error) error {
	return errNoStore
}

func (unavailableStore) SetQuality(context.Context, server.LogKey, json.RawMessage) error {
	return errNoStore
}
