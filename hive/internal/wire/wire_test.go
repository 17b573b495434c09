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

func TestBatchResultIsEitherShape(t *testing.T) {
	replay := "r0"
	stored := wire.BatchResult{Stored: &wire.IngestResponse{UUID: "u", TaskName: "t", ProjectName: "p", LogItem: `{"uuid":"u"}`, CreatedAt: "2026-01-02T03:04:05.000Z"}}
	b, err := json.Marshal([]wire.BatchResult{
		stored,
		{Stored: &wire.IngestResponse{UUID: "v", ReplayFrom: &replay}},
		{Failed: &wire.ErrorBody{Error: "bad", Status: 400}},
		{},
	})
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"uuid":"u","taskName":"t","projectName":"p","logItem":"{\"uuid\":\"u\"}","replayFrom":null,"createdAt":"2026-01-02T03:04:05.000Z"},
		{"uuid":"v","taskName":"","projectName":"","replayFrom":"r0","createdAt":""},
		{"error":"bad","status":400},
		{"error":"no result","status":500}
	]`, string(b), "a stored item is the single ingest's answer, replayFrom null when none")

	var back []wire.BatchResult
	require.NoError(t, json.Unmarshal(b, &back))
	require.Len(t, back, 4)
	assert.Equal(t, stored, back[0])
	assert.Equal(t, "r0", *back[1].Stored.ReplayFrom)
	assert.Equal(t, &wire.ErrorBody{Error: "bad", Status: 400}, back[2].Failed)
	assert.Nil(t, back[2].Stored)

	failed, err := wire.DecodeBatchFailure([]byte(`{"status":503}`))
	require.NoError(t, err)
	assert.Equal(t, &wire.ErrorBody{Status: 503}, failed, "a status alone marks a failure")
	var r wire.BatchResult
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &r))
	_, err = wire.DecodeBatchFailure([]byte(`"x"`))
	assert.Error(t, err)
}
