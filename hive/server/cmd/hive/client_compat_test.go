package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive"
	"github.com/hivetrace/hivetrace/otelrecord"
)

// TestClientAgainstServer checks that the hive client and the server "hive
// serve" runs agree on the wire: every client method against the real server.
func TestClientAgainstServer(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"), "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	ctx := context.Background()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	cfg := hive.Config{
		ProjectName: "compat", ProjectUUID: projectUUID, APIKey: testKey, APISecret: testSecret, Host: s.url,
		Metadata: map[string]string{"env": "test"}, HTTPClient: &http.Client{Transport: tr},
		Logger: slog.New(slog.DiscardHandler),
	}
	client, err := hive.NewLogClient(cfg)
	require.NoError(t, err)

	rec := &otelrecord.ExecutionRecord{
		TaskName: "compatTask", Input: json.RawMessage(`{"a":1}`), Output: json.RawMessage(`{"b":2}`),
		Type:       otelrecord.TypeSuccess,
		Boundaries: map[string][]otelrecord.BoundaryRecord{"db": {{Input: json.RawMessage(`[1]`), Output: json.RawMessage(`2`), Timing: &otelrecord.TimingInfo{StartTime: 10, EndTime: 12, Duration: 2}}}},
		Timing:     &otelrecord.TimingInfo{StartTime: 9, EndTime: 13, Duration: 4},
	}
	res, err := client.SendLog(ctx, rec, map[string]string{"call": "1"})
	require.NoError(t, err)
	require.NotEmpty(t, res.UUID)
	assert.Equal(t, "compatTask", res.TaskName)
	assert.NotEmpty(t, res.CreatedAt)

	// A record without uuid gets a new one each time; idempotency is by uuid.
	_, err = client.SendLog(ctx, rec.Clone(), map[string]string{"call": "1"})
	require.NoError(t, err)
	withUUID := rec.Clone()
	withUUID.UUID = res.UUID
	dup, err := client.SendLog(ctx, withUUID, nil)
	require.NoError(t, err)
	assert.Equal(t, res.CreatedAt, dup.CreatedAt, "re-sending a uuid returns the stored entry")

	got, err := client.GetLog(ctx, "compatTask", res.UUID)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"env": "test", "call": "1"}, got.Metadata)
	assert.Equal(t, rec.Boundaries, got.Boundaries)

	page, err := client.ListLogs(ctx, "compatTask", hive.ListOptions{Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Logs, 1)
	assert.NotEmpty(t, page.Next)
	page2, err := client.ListLogs(ctx, "compatTask", hive.ListOptions{Limit: 5, Before: page.Next})
	require.NoError(t, err)
	assert.Len(t, page2.Logs, 1, "two distinct records in all")

	require.NoError(t, client.SetQuality(ctx, "compatTask", res.UUID, hive.Quality{Score: 0.9, Reason: "fine"}))
	err = client.SetQuality(ctx, "compatTask", "0193f0a0-0000-7000-8000-0000000000ff", hive.Quality{Score: 1})
	assert.ErrorIs(t, err, hive.ErrNotFound)
	_, err = client.GetLog(ctx, "compatTask", "0193f0a0-0000-7000-8000-0000000000ff")
	assert.ErrorIs(t, err, hive.ErrNotFound)

	report, err := client.TestConfig(ctx)
	require.NoError(t, err)
	assert.True(t, report.Authenticated)
	assert.Equal(t, "local", report.TeamName)
	assert.True(t, report.ProjectFound)
	assert.Equal(t, "compat", report.ProjectName)

	bad := cfg
	bad.APISecret = "wrong"
	badClient, err := hive.NewLogClient(bad)
	require.NoError(t, err)
	_, err = badClient.SendLog(ctx, rec, nil)
	assert.ErrorIs(t, err, hive.ErrUnauthorized)

	// Invoke through a task registered with an invoke URL.
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct{ Args struct{ N int } }
		_ = json.Unmarshal(body, &req)
		w.Header().Set("Content-Type", "application/json")
		if req.Args.N < 0 {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"error":"n must not be negative"}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]int{"double": 2 * req.Args.N})
	}))
	defer target.Close()
	require.Equal(t, http.StatusOK, s.post(t, "/api/projects/"+projectUUID+"/sync", map[string]any{
		"tasks": []map[string]any{{"uuid": "t-double", "name": "double", "invokeUrl": target.URL}, {"uuid": "t-none", "name": "none"}},
	}))
	inv, err := hive.NewClient(cfg)
	require.NoError(t, err)
	out, err := inv.Invoke(ctx, "t-double", map[string]int{"n": 21})
	require.NoError(t, err)
	assert.JSONEq(t, `{"double":42}`, string(out))
	_, err = inv.Invoke(ctx, "t-double", map[string]int{"n": -1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "n must not be negative")
	_, err = inv.Invoke(ctx, "t-missing", nil)
	assert.ErrorIs(t, err, hive.ErrNotFound)
	_, err = inv.Invoke(ctx, "t-none", nil)
	assert.Error(t, err)
}
