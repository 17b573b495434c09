package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/otelrecord"
	"github.com/hivetrace/hivetrace/runner"
)

// command runs the service's command line without its telemetry setup
// (TestRun is the one test installing OTel globals) and returns the status
// and output.
func command(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv(envProfileAPI, "")
	var stdout, stderr bytes.Buffer
	a, closeDB, err := newService(&stdout, &stderr, runner.WithSetup(nil))
	require.NoError(t, err)
	defer func() { require.NoError(t, closeDB()) }()
	code := a.runner.Run(t.Context(), args)
	return code, stdout.String(), stderr.String()
}

func TestCommands(t *testing.T) {
	code, out, _ := command(t, "list")
	require.Equal(t, runner.ExitOK, code)
	assert.Regexp(t, `getUserReport\s+fetchProfile, queryOrders\s+Build a user's report`, out)

	code, out, _ = command(t, "describe", "getUserReport", "--json")
	require.Equal(t, runner.ExitOK, code)
	assert.Contains(t, out, `"userId"`)

	// run reaches the profile API in the process and the real database.
	code, out, stderr := command(t, "run", "getUserReport", `{"userId":1}`)
	require.Equal(t, runner.ExitOK, code, stderr)
	assert.JSONEq(t, `{"userId":1,"name":"Ada Lovelace","email":"ada@example.com","orders":2,"total":20}`, out)

	code, out, _ = command(t, "run", "getUserReport", `{"userId":99}`, "--json")
	require.Equal(t, runner.ExitFailure, code)
	var rec otelrecord.ExecutionRecord
	require.NoError(t, json.Unmarshal([]byte(out), &rec))
	assert.Equal(t, "profile 99: 404 Not Found", rec.Error)

	code, out, stderr = command(t, "replay", "getUserReport", "--file", filepath.Join("testdata", "records", "getUserReport", "user-99-fixture.json"))
	require.Equal(t, runner.ExitOK, code, stderr)
	assert.Contains(t, out, "original: error: profile 99: 404 Not Found\n")
	assert.Contains(t, out, "replayed: error: profile 99: 404 Not Found\n")
	assert.Contains(t, out, "reproduced")

	code, _, stderr = command(t, "nope")
	assert.Equal(t, runner.ExitUsage, code)
	assert.Contains(t, stderr, `unknown command "nope"`)
}
