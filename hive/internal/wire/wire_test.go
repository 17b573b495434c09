package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/internal/wire"
)

func TestIngestRequestCarriesTheRecordAsAString(t *testing.T) {
	item, err := json.Marshal(`{"taskName":"t"}`)
	require.NoError(t, err)
	b, err := json.Marshal(wire.IngestRequest{ProjectUUID: "p", TaskUUID: "", LogItem: item})
	require.NoError(t, err)
	assert.JSONEq(t, `{"projectUuid":"p","taskUuid":"","logItem":"{\"taskName\":\"t\"}"}`, string(b),
		"projectName and replayFrom are left out when empty")
}

func TestProjectResponseShape(t *testing.T) {
	b, err := json.Marshal(wire.ProjectResponse{Project: wire.Project{UUID: "p", ProjectName: "shop"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"project":{"uuid":"p","projectName":"shop","description":""}}`, string(b))

	var got wire.ProjectResponse
	require.NoError(t, json.Unmarshal([]byte(`{"project":{"uuid":"p","name":"shop","tasks":[{"uuid":"t1","taskName":"report"}]}}`), &got))
	assert.Equal(t, "shop", got.Project.Name, "the other spelling of the name is read")
	require.Len(t, got.Project.Tasks, 1)
	assert.Equal(t, "report", got.Project.Tasks[0].TaskName)
}
