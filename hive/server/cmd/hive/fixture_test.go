package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFixtureDownload(t *testing.T) {
	clearEnv(t)
	s := serve(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "hive.db"),
		"--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	require.Equal(t, http.StatusOK, s.post(t, "/api/log-ingest",
		map[string]any{"projectUuid": projectUUID, "projectName": "reports", "logItem": recordJSON(firstUUID, true)}))
	auth := []string{"--host", s.url, "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret)}

	// To stdout: the fixture object, indented.
	code, out, stderr := runCmd(t, append([]string{"fixture", "download", firstUUID}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr)
	assert.True(t, strings.HasPrefix(out, "{\n  \""), "indented JSON: %s", out)
	var f map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &f))
	assert.JSONEq(t, `"`+firstUUID+`"`, string(f["fixtureUUID"]))
	assert.JSONEq(t, `"getUserReport"`, string(f["taskName"]))
	assert.JSONEq(t, `"reports"`, string(f["projectName"]))
	assert.JSONEq(t, `{"userId":1}`, string(f["input"]))
	assert.JSONEq(t, `{"requestId":"req-1"}`, string(f["context"]))
	var boundaries map[string][]json.RawMessage
	require.NoError(t, json.Unmarshal(f["boundaries"], &boundaries))
	assert.Len(t, boundaries["fetchUser"], 2)
	assert.Empty(t, boundaries["sendMail"])

	// To a file, flags before or after the uuid.
	file := filepath.Join(t.TempDir(), "fixture.json")
	code, out, stderr = runCmd(t, append([]string{"fixture", "download", "-o", file, "--project", projectUUID, firstUUID}, auth...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, out)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.JSONEq(t, strings.TrimSpace(runOut(t, append([]string{"fixture", "download", firstUUID}, auth...))), string(data))

	// The same uuid in another project: one error line naming both, exit 1.
	require.Equal(t, http.StatusOK, s.post(t, "/api/log-ingest",
		map[string]any{"projectUuid": "0193f0a0-bbbb-7000-8000-000000000002", "logItem": recordJSON(firstUUID, false)}))
	code, out, stderr = runCmd(t, append([]string{"fixture", "download", firstUUID}, auth...)...)
	assert.Equal(t, exitError, code)
	assert.Empty(t, out)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	assert.Contains(t, stderr, "hive fixture download: ")
	assert.Contains(t, stderr, projectUUID)
	assert.Contains(t, stderr, "0193f0a0-bbbb-7000-8000-000000000002")
	assert.Contains(t, stderr, "(409 Conflict)")
	code, _, stderr = runCmd(t, append([]string{"fixture", "download", firstUUID, "--project", projectUUID}, auth...)...)
	assert.Equal(t, exitOK, code, stderr)

	// Unknown uuid: exit 1, one line, no internal prefixes.
	code, out, stderr = runCmd(t, append([]string{"fixture", "download", secondUUID}, auth...)...)
	assert.Equal(t, exitError, code)
	assert.Empty(t, out)
	assert.Equal(t, "hive fixture download: no record \""+secondUUID+"\" (404 Not Found)\n", stderr)

	// No server: exit 1, one line naming it.
	code, _, stderr = runCmd(t, "fixture", "download", firstUUID, "--host", "http://127.0.0.1:1", "--api-key", testKey, "--api-secret-file", secretFile(t, testSecret))
	assert.Equal(t, exitError, code)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	assert.True(t, strings.HasPrefix(stderr, "hive fixture download: cannot reach the Hive server at http://127.0.0.1:1: "), stderr)

	// An unwritable file: exit 1.
	code, _, stderr = runCmd(t, append([]string{"fixture", "download", "-o", filepath.Join(t.TempDir(), "missing", "f.json"), "--project", projectUUID, firstUUID}, auth...)...)
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "write the fixture")
}

// runOut runs a command that must succeed and returns its stdout.
func runOut(t *testing.T, args []string) string {
	t.Helper()
	code, out, stderr := runCmd(t, args...)
	require.Equal(t, exitOK, code, stderr)
	return out
}

func TestFixtureUsage(t *testing.T) {
	clearEnv(t)
	for _, args := range [][]string{
		{"fixture"},
		{"fixture", "upload"},
		{"fixture", "download"},
		{"fixture", "download", "a", "b"},
		{"fixture", "download", "--nope", "a"},
		{"fixture", "download", "a"}, // no credentials
	} {
		code, out, stderr := runCmd(t, args...)
		assert.Equal(t, exitUsage, code, "%q", args)
		assert.Empty(t, out, "%q", args)
		assert.NotEmpty(t, stderr, "%q", args)
	}
	code, out, _ := runCmd(t, "help", "fixture", "download")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "hive fixture download UUID")
	assert.Contains(t, out, "-o FILE")
	code, out, _ = runCmd(t, "fixture", "download", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "--project")
	code, out, _ = runCmd(t, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "hive fixture download UUID")
}
