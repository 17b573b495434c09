package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// TestSendLogsAgainstServer checks the batch ingest between the hive client
// and "hive serve": per-record results, idempotency by uuid, and the record
// limit stated to the client.
func TestSendLogsAgainstServer(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret), "--max-record-bytes", "4096")
	ctx := context.Background()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client, err := hive.NewLogClient(hive.Config{
		ProjectName: "compat", ProjectUUID: projectUUID, APIKey: testKey, APISecret: testSecret, Host: s.url,
		HTTPClient: &http.Client{Transport: tr}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)

	rec := func(id, note string) *otelrecord.ExecutionRecord {
		input, _ := json.Marshal(map[string]string{"note": note})
		return &otelrecord.ExecutionRecord{UUID: id, TaskName: "batchTask", Input: input, Output: json.RawMessage(`1`), Type: otelrecord.TypeSuccess}
	}
	recs := []*otelrecord.ExecutionRecord{
		rec("0193f0a0-0000-7000-8000-0000000000b1", "one"),
		rec("", "no uuid"),
		rec("0193f0a0-0000-7000-8000-0000000000b3", strings.Repeat("x", 5000)),
		nil,
	}
	results, err := client.SendLogs(ctx, recs, map[string]string{"batch": "1"})
	require.NoError(t, err)
	require.Len(t, results, 4)
	require.NoError(t, results[0].Err)
	assert.Equal(t, recs[0].UUID, results[0].Response.UUID)
	assert.Equal(t, "compat", results[0].Response.ProjectName)
	assert.NotEmpty(t, results[0].Response.CreatedAt)
	require.NoError(t, results[1].Err)
	assert.Equal(t, results[1].UUID, results[1].Response.UUID, "stored under the uuid the client gave it")
	var apiErr *hive.APIError
	require.ErrorAs(t, results[2].Err, &apiErr, "a record over the limit fails alone")
	assert.Equal(t, http.StatusRequestEntityTooLarge, apiErr.StatusCode)
	assert.Equal(t, int64(4096), apiErr.MaxRecordBytes)
	assert.Contains(t, apiErr.Message, "4096")
	assert.ErrorIs(t, results[3].Err, hive.ErrInvalidArgument)

	got, err := client.GetLog(ctx, "batchTask", results[1].UUID)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"batch": "1"}, got.Metadata)

	again, err := client.SendLogs(ctx, recs[:1], nil)
	require.NoError(t, err)
	assert.Equal(t, results[0].Response.CreatedAt, again[0].Response.CreatedAt, "re-sending a uuid returns the stored entry")

	_, err = client.SendLog(ctx, recs[2], nil)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusRequestEntityTooLarge, apiErr.StatusCode)
	assert.Equal(t, int64(4096), apiErr.SizeLimit(), "a 413 states the limit")

	page, err := client.ListLogs(ctx, "batchTask", hive.ListOptions{Limit: 10})
	require.NoError(t, err)
	assert.Len(t, page.Logs, 2)
}
