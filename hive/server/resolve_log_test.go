package server_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

func TestResolveLog(t *testing.T) {
	key := server.LogKey{TaskName: "charge", UUID: "r-1"}
	_, err := server.ResolveLog(key, nil)
	require.ErrorIs(t, err, server.ErrNotStored)
	assert.Contains(t, err.Error(), `record "r-1" of task "charge"`)

	one := server.StoredLog{ProjectUUID: "p-1", TaskName: "charge", UUID: "r-1"}
	got, err := server.ResolveLog(key, []server.StoredLog{one})
	require.NoError(t, err)
	assert.Equal(t, one, got)

	_, err = server.ResolveLog(key, []server.StoredLog{one, {ProjectUUID: "p-2", TaskName: "charge", UUID: "r-1"}})
	require.ErrorIs(t, err, server.ErrAmbiguous)
}
