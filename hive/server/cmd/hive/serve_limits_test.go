package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeLimitFlagsMustBePositive(t *testing.T) {
	clearEnv(t)
	for _, flag := range []string{"--max-list-bytes", "--body-budget"} {
		code, _, stderr := runCmd(t, "serve", "--api-key", "k", "--api-secret-file", secretFile(t, "s"), flag, "0")
		assert.Equal(t, exitUsage, code, flag)
		assert.Contains(t, stderr, "must be positive", flag)
	}
}

// TestServeLimitFlags: --max-list-bytes ends listing pages early and
// --body-budget still serves a body larger than itself when it is alone.
func TestServeLimitFlags(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret),
		"--max-list-bytes", "10", "--body-budget", "16")
	for i := range 3 {
		id := fmt.Sprintf("0193f0a0-0000-7000-8000-00000000000%d", i)
		status := s.post(t, "/api/log-ingest", map[string]any{"projectUuid": projectUUID, "logItem": recordJSON(id, false)})
		require.Equal(t, http.StatusOK, status, "a body over the budget is served when no other is in flight")
	}

	req, err := http.NewRequest(http.MethodGet, s.url+"/api/tasks/getUserReport/logs?limit=10", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey+":"+testSecret)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
	var page struct {
		Logs []json.RawMessage `json:"logs"`
		Next string            `json:"next"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Len(t, page.Logs, 1, "records over the page's byte cap end it after one")
	assert.NotEmpty(t, page.Next)
}
