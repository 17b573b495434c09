package server_test

import (
	"testing"

	"github.com/hivetrace/hivetrace/hive/server"
	"github.com/hivetrace/hivetrace/hive/server/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) server.Store { return server.NewMemoryStore() })
}
